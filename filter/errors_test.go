package filter

import (
	"errors"
	"strings"
	"testing"
)

func TestFilterErrors(t *testing.T) {
	tests := []struct {
		src  string
		pos  int
		err  error
		frag string
	}{
		// syntax
		{``, 1, ErrSyntax, "empty filter"},
		{"  \n ", 5, ErrSyntax, "empty filter"},
		{`name = 'abc`, 8, ErrSyntax, "unterminated string"},
		{`name = 'O''Brien`, 8, ErrSyntax, "unterminated string"},
		{`(name = 'a'`, 12, ErrSyntax, `expected ")", found end of input`},
		{`(name = 'a' or (count = 1)`, 27, ErrSyntax, `expected ")", found end of input`},
		{`name = 'a')`, 11, ErrSyntax, `expected "and", "or" or end of input, found ")"`},
		{`name = 'a' count = 1`, 12, ErrSyntax, `expected "and", "or" or end of input, found "count"`},
		{`name = 'a' and`, 15, ErrSyntax, `expected attribute name, "not" or "(", found end of input`},
		{`and name = 'a'`, 1, ErrSyntax, `expected attribute name, "not" or "(", found "and"`},
		{`null = 1`, 1, ErrSyntax, `expected attribute name`},
		{`name`, 5, ErrSyntax, `expected an operator after "name", found end of input`},
		{`name 'a'`, 6, ErrSyntax, `expected an operator after "name", found string 'a'`},
		{`name like 'a'`, 6, ErrSyntax, `expected an operator after "name", found "like"`},
		{`name = `, 8, ErrSyntax, "expected a value, found end of input"},
		{`name = city`, 8, ErrSyntax, `expected a value, found "city"`},
		{`name = null`, 8, ErrSyntax, `null is not a value; use "is null"`},
		{`name is 'a'`, 9, ErrSyntax, `expected "null", found string 'a'`},
		{`name not = 'a'`, 10, ErrSyntax, `expected "in", "beginswith", "endswith" or "contains" after "not"`},
		{`count in 1`, 10, ErrSyntax, `expected "(", @myteams or @meorteams after "in", found number 1`},
		{`count in ()`, 11, ErrSyntax, "expected a value, found \")\""},
		{`count in (1 2)`, 13, ErrSyntax, `expected "," or ")", found number 2`},
		{`count in (1,)`, 13, ErrSyntax, `expected a value, found ")"`},
		{`ownerid in (@me)`, 13, ErrSyntax, "expected a value, found @me"},
		{`name # 'a'`, 6, ErrSyntax, `unexpected character '#'`},
		{`name = "a"`, 8, ErrSyntax, `unexpected character '"'`},
		{`naïve = 'a'`, 3, ErrSyntax, `unexpected character 'ï'`},
		{`é = 'a' and`, 1, ErrSyntax, `unexpected character 'é'`},
		{`count = 1.`, 9, ErrSyntax, `malformed number "1.": digits must follow the decimal point`},
		{`count = 1e5`, 9, ErrSyntax, `malformed number "1e5"`},
		{`count = 1.2.3`, 9, ErrSyntax, `malformed number "1.2.3"`},
		{`count = .5`, 9, ErrSyntax, `unexpected character '.'`},
		{`count = - 5`, 9, ErrSyntax, `unexpected character '-'`},
		{`count = +5`, 9, ErrSyntax, `expected a value, found "+"`},
		{`ownerid = @you`, 11, ErrSyntax, "unknown operand @you"},
		{`ownerid = @`, 11, ErrSyntax, "unexpected character '@'"},
		{`modifiedon > today`, 19, ErrSyntax, `expected "(" after today, found end of input`},
		{`modifiedon > today(1.5)`, 20, ErrSyntax, "today() takes a whole number of days, found number 1.5"},
		{`modifiedon > today(100001)`, 20, ErrSyntax, "day offset 100001 is out of range"},
		{`modifiedon > today(99999999999999999999)`, 20, ErrSyntax, "day offset 99999999999999999999 is out of range"},
		{`modifiedon > today(+-1)`, 21, ErrSyntax, `expected a number of days after "+", found number -1`},
		{`modifiedon > today(7`, 21, ErrSyntax, `expected ")", found end of input`},
		{"name = 'a' and \xff", 16, ErrSyntax, "not valid UTF-8"},
		{strings.Repeat("(", MaxDepth+1) + "name is null" + strings.Repeat(")", MaxDepth+1), MaxDepth + 1, ErrSyntax, "nesting deeper than 100"},
		// unknown attribute
		{`revnue > 1000`, 1, ErrUnknownAttribute, `unknown attribute "revnue"`},
		{`name = 'a' and Revnue > 1000`, 16, ErrUnknownAttribute, `unknown attribute "revnue"`},
		{`today = 1`, 1, ErrUnknownAttribute, `unknown attribute "today"`},
		{`weird = 1`, 1, ErrType, `attribute "weird" has unsupported kind Kind(42)`},
		// type mismatches
		{`revenue > 'abc'`, 11, ErrType, `cannot compare decimal attribute "revenue" with string 'abc'`},
		{`name = 5`, 8, ErrType, `cannot compare string attribute "name" with number 5`},
		{`count = true`, 9, ErrType, `cannot compare int attribute "count" with true`},
		{`active = 1`, 10, ErrType, `cannot compare bool attribute "active" with number 1`},
		{`createdon > 5`, 13, ErrType, `cannot compare datetime attribute "createdon" with number 5`},
		{`name > today()`, 8, ErrType, `cannot compare string attribute "name" with today()`},
		{`count > today(-3)`, 9, ErrType, `cannot compare int attribute "count" with today(-3)`},
		{`ownerid = 5`, 11, ErrType, `cannot compare guid attribute "ownerid" with number 5`},
		{`revenue beginswith '1'`, 9, ErrType, `beginswith applies only to string attributes, and "revenue" is decimal`},
		{`ownerid not contains 'a'`, 9, ErrType, `contains applies only to string attributes, and "ownerid" is guid`},
		{`name endswith 5`, 15, ErrType, `cannot compare string attribute "name" with number 5`},
		{`active < true`, 8, ErrType, `operator < does not apply to bool attribute "active"`},
		{`ownerid >= '` + guidA + `'`, 9, ErrType, `operator >= does not apply to guid attribute "ownerid"`},
		{`name = @me`, 8, ErrType, `@me applies only to guid attributes, and "name" is string`},
		{`count in @myteams`, 10, ErrType, `@myteams applies only to guid attributes, and "count" is int`},
		{`owningbusinessunit < @mybusinessunit`, 20, ErrType, `operator < does not apply to guid attribute "owningbusinessunit"`},
		{`ownerid in @me`, 12, ErrType, `@me needs = or !=`},
		{`ownerid = @myteams`, 11, ErrType, `@myteams needs in or not in`},
		{`name beginswith @me`, 17, ErrSyntax, `expected a value, found @me`},
		{`count in (1,'a')`, 13, ErrType, "list mixes number and string"},
		{`name in ('a', 'b', true)`, 20, ErrType, "list mixes string and bool"},
		{`name in ('a', 1)`, 15, ErrType, "list mixes string and number"},
		{`statecode = 1.5`, 13, ErrType, `choice attribute "statecode" needs a whole number, found number 1.5`},
		{`statecode = 'a'`, 13, ErrType, `cannot compare choice attribute "statecode" with string 'a'`},
		{`ownerid = 'not-a-guid'`, 11, ErrType, `invalid GUID 'not-a-guid' for attribute "ownerid"`},
		{`ownerid = '0a1b2c3d-0000-4000-8000-00000000000g'`, 11, ErrType, `invalid GUID`},
		// number overflow
		{`count = 9223372036854775808`, 9, ErrType, `number 9223372036854775808 is out of range for int attribute "count"`},
		{`count = -9223372036854775809`, 9, ErrType, `number -9223372036854775809 is out of range for int attribute "count"`},
		{`statecode in (1, 99999999999999999999)`, 18, ErrType, `out of range for choice attribute "statecode"`},
		{`revenue = 12345678901234567890123456789`, 11, ErrType, `out of range for decimal attribute "revenue"`},
		{`score = 1` + strings.Repeat("0", 400), 9, ErrType, `out of range for float attribute "score"`},
		// invalid dates
		{`createdon > '2026-02-30'`, 13, ErrType, `invalid date '2026-02-30': use YYYY-MM-DD or RFC 3339`},
		{`createdon > 'yesterday'`, 13, ErrType, `invalid date 'yesterday'`},
		{`createdon > '2026-01-31T25:00:00Z'`, 13, ErrType, `invalid date`},
		{`createdon > '2026-01-31 10:00:00'`, 13, ErrType, `invalid date`},
		{`createdon > '0000-01-01T00:00:00+01:00'`, 13, ErrType, `invalid date`},
		// positions count characters, not bytes
		{`name = 'é' and revnue = 1`, 16, ErrUnknownAttribute, `unknown attribute "revnue"`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.src, testAttr)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", tt.src)
			continue
		}
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("Parse(%q) error %T is not *Error", tt.src, err)
			continue
		}
		if fe.Pos != tt.pos || !errors.Is(err, tt.err) || !strings.Contains(fe.Msg, tt.frag) {
			t.Errorf("Parse(%q) = %v (pos %d, %v); want pos %d, %v, containing %q",
				tt.src, err, fe.Pos, fe.Err, tt.pos, tt.err, tt.frag)
		}
	}
}

func TestFilterErrorsFormat(t *testing.T) {
	_, err := Parse(`revenue > 1 and revnue > 1000`, testAttr)
	if got, want := err.Error(), `filter: position 17: unknown attribute "revnue"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, ErrUnknownAttribute) || errors.Is(err, ErrSyntax) {
		t.Errorf("errors.Is does not follow Unwrap: %v", err)
	}
}

func TestFilterErrorsNilAttr(t *testing.T) {
	_, err := Parse(`name = 'a'`, nil)
	if !errors.Is(err, ErrUnknownAttribute) {
		t.Errorf("Parse with nil attr: %v, want ErrUnknownAttribute", err)
	}
}

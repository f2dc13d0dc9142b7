package filter

import (
	"reflect"
	"strings"
	"testing"
)

func TestFilterParseCanonical(t *testing.T) {
	tests := []struct{ src, want string }{
		// comparisons on every kind
		{`name = 'Contoso'`, `name = 'Contoso'`},
		{`name != 'a'`, `name != 'a'`},
		{`name <> 'a'`, `name != 'a'`},
		{`name < 'm'`, `name < 'm'`},
		{`name <= 'm'`, `name <= 'm'`},
		{`name > 'm'`, `name > 'm'`},
		{`name >= 'm'`, `name >= 'm'`},
		{`count = 5`, `count = 5`},
		{`count = -5`, `count = -5`},
		{`count > 007`, `count > 7`},
		{`count > 2.5`, `count > 2.5`},
		{`count>=-0`, `count >= 0`},
		{`revenue >= 1000000.00`, `revenue >= 1000000`},
		{`revenue = -0.50`, `revenue = -0.5`},
		{`score < 0.1`, `score < 0.1`},
		{`statecode = 1`, `statecode = 1`},
		{`active = true`, `active = true`},
		{`active != FALSE`, `active != false`},
		{`createdon >= '2026-01-31'`, `createdon >= '2026-01-31'`},
		{`createdon >= '2026-01-31T00:00:00Z'`, `createdon >= '2026-01-31'`},
		{`createdon < '2026-01-31T10:20:30+02:00'`, `createdon < '2026-01-31T08:20:30Z'`},
		{`createdon < '2026-01-31T10:20:30.1234Z'`, `createdon < '2026-01-31T10:20:30.123Z'`},
		{`ownerid = '{0A1B2C3D-0000-4000-8000-00000000000A}'`, `ownerid = '` + guidA + `'`},
		{`ownerid = '0a1b2c3d0000400080000000000000aa'`, `ownerid = '0a1b2c3d-0000-4000-8000-0000000000aa'`},
		// in
		{`statecode in (0, 1,2)`, `statecode in (0, 1, 2)`},
		{`statecode not in (0)`, `statecode not in (0)`},
		{`name in ('a','b')`, `name in ('a', 'b')`},
		{`createdon in ('2026-01-01', today())`, `createdon in ('2026-01-01', today())`},
		// text operators
		{`name beginswith 'con'`, `name beginswith 'con'`},
		{`name endswith 'so'`, `name endswith 'so'`},
		{`name contains 'ont'`, `name contains 'ont'`},
		{`name not beginswith 'con'`, `name not beginswith 'con'`},
		{`name not endswith 'so'`, `name not endswith 'so'`},
		{`name not contains 'ont'`, `name not contains 'ont'`},
		// null tests
		{`name is null`, `name is null`},
		{`name IS NOT NULL`, `name is not null`},
		// current user
		{`ownerid = @me`, `ownerid = @me`},
		{`ownerid != @ME`, `ownerid != @me`},
		{`ownerid <> @me`, `ownerid != @me`},
		{`ownerid in @myteams`, `ownerid in @myteams`},
		{`ownerid not in @myteams`, `ownerid not in @myteams`},
		{`ownerid in @MeOrTeams`, `ownerid in @meorteams`},
		{`ownerid not in @meorteams`, `ownerid not in @meorteams`},
		{`owningbusinessunit = @mybusinessunit`, `owningbusinessunit = @mybusinessunit`},
		{`owningbusinessunit != @mybusinessunit`, `owningbusinessunit != @mybusinessunit`},
		// today
		{`modifiedon >= today()`, `modifiedon >= today()`},
		{`modifiedon >= today(-7)`, `modifiedon >= today(-7)`},
		{`modifiedon < today(+7)`, `modifiedon < today(+7)`},
		{`modifiedon < today(7)`, `modifiedon < today(+7)`},
		{`modifiedon < TODAY( 0 )`, `modifiedon < today()`},
		// escapes and odd characters
		{`name = 'O''Brien'`, `name = 'O''Brien'`},
		{`name = ''''`, `name = ''''`},
		{`name = ''`, `name = ''`},
		{`name = 'née – 東京'`, `name = 'née – 東京'`},
		{"name = 'two\nlines'", "name = 'two\nlines'"},
		// names and keywords
		{`NAME = 'x'`, `name = 'x'`},
		{`contains contains 'x'`, `contains contains 'x'`},
		{`Name Is Null AnD Count = 1 oR City In ('x')`, `name is null and count = 1 or city in ('x')`},
		// precedence and parentheses
		{`name = 'a' or city = 'b' and count = 1`, `name = 'a' or city = 'b' and count = 1`},
		{`(name = 'a' or city = 'b') and count = 1`, `(name = 'a' or city = 'b') and count = 1`},
		{`name = 'a' and (city = 'b' or count = 1)`, `name = 'a' and (city = 'b' or count = 1)`},
		{`(name = 'a' and city = 'b') or count = 1`, `name = 'a' and city = 'b' or count = 1`},
		{`name = 'a' and (city = 'b' and count = 1)`, `name = 'a' and city = 'b' and count = 1`},
		{`((((name = 'a'))))`, `name = 'a'`},
		{`not name = 'a'`, `not name = 'a'`},
		{`not (name = 'a')`, `not name = 'a'`},
		{`not name = 'a' and count = 1`, `not name = 'a' and count = 1`},
		{`not (name = 'a' and count = 1)`, `not (name = 'a' and count = 1)`},
		{`not (name = 'a' or count = 1)`, `not (name = 'a' or count = 1)`},
		{`not not name is null`, `not not name is null`},
		{`Name <> 'x' AND (count = 1 AND qty = 2)`, `name != 'x' and count = 1 and qty = 2`},
		{`NOT (createdon >= '2026-01-31T01:00:00+01:00')`, `not createdon >= '2026-01-31'`},
		{`((name = 'a' or (city = 'b' and (count = 1 or qty = 2))) and not (active = true))`,
			`(name = 'a' or city = 'b' and (count = 1 or qty = 2)) and not active = true`},
	}
	for _, tt := range tests {
		e := mustParse(t, tt.src)
		got := e.String()
		if got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.src, got, tt.want)
			continue
		}
		again := mustParse(t, got).String()
		if again != got {
			t.Errorf("String of %q does not reparse to itself: %q", got, again)
		}
	}
}

func TestFilterParseAttributes(t *testing.T) {
	e := mustParse(t, `Name = 'a' or (count > 1 and NAME is null) or ownerid = @me`)
	if got, want := e.Attributes(), []string{"count", "name", "ownerid"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Attributes() = %v, want %v", got, want)
	}
	e.Attributes()[0] = "mutated"
	if e.Attributes()[0] != "count" {
		t.Error("Attributes returned the Expr's own slice")
	}
}

func TestFilterParseUsesContext(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{`name = 'a'`, false},
		{`createdon > '2026-01-01'`, false},
		{`ownerid = @me`, true},
		{`name = 'a' or ownerid in @myteams`, true},
		{`ownerid in @meorteams`, true},
		{`owningbusinessunit = @mybusinessunit`, true},
		{`modifiedon >= today(-7)`, true},
		{`createdon in ('2026-01-01', today())`, true},
	}
	for _, tt := range tests {
		if got := mustParse(t, tt.src).UsesContext(); got != tt.want {
			t.Errorf("UsesContext(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}

func TestFilterParseNilExpr(t *testing.T) {
	var e *Expr
	if !e.Eval(nil, Context{}) || e.String() != "" || e.Attributes() != nil || e.UsesContext() {
		t.Error("nil *Expr is not the absent filter")
	}
}

func TestFilterParseDepth(t *testing.T) {
	deep := func(n int) string {
		return strings.Repeat("(", n) + "name = 'a'" + strings.Repeat(")", n)
	}
	mustParse(t, deep(MaxDepth))
	if _, err := Parse(deep(MaxDepth+1), testAttr); err == nil {
		t.Error("no error for nesting beyond MaxDepth")
	}
	if _, err := Parse(deep(1_000_000), testAttr); err == nil {
		t.Error("no error for very deep nesting")
	}
	if _, err := Parse(strings.Repeat("not ", 1_000_000)+"name is null", testAttr); err == nil {
		t.Error("no error for very deep nots")
	}
}

package filter

import (
	"errors"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`name = 'O''Brien' and (count > 2.5 or revenue >= 1000000.00)`,
		`not (statecode in (0, 1) or active = true)`,
		`ownerid in @meorteams and owningbusinessunit = @mybusinessunit`,
		`ownerid != @me or parentid not in ('` + guidA + `')`,
		`modifiedon >= today(-7) and createdon < '2026-01-31T10:00:00.5+02:00'`,
		`name not contains 'x' and city beginswith 'a' or city endswith 'b'`,
		`NAME IS NOT NULL AND score <> -0.5`,
		`((name is null))`,
		`name = 'é`,
		`count = 1e5`,
		``,
	} {
		f.Add(s)
	}
	rows := []row{
		{},
		{"name": "O'Brien", "count": int64(3), "revenue": "1000000.00", "score": -0.5, "active": true,
			"statecode": int64(1), "ownerid": guidU, "owningbusinessunit": guidS, "modifiedon": testCtx.Now},
		{"name": "", "city": "ab", "count": "x", "revenue": int64(2), "score": "nan", "ownerid": "", "createdon": int64(-1)},
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src, testAttr)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Parse(%q) error %T is not *Error", src, err)
			}
			if fe.Pos < 1 || fe.Pos > utf8.RuneCountInString(src)+1 {
				t.Fatalf("Parse(%q): position %d out of range", src, fe.Pos)
			}
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrType) && !errors.Is(err, ErrUnknownAttribute) {
				t.Fatalf("Parse(%q): %v wraps no sentinel", src, err)
			}
			return
		}
		canon := e.String()
		e2, err := Parse(canon, testAttr)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its String %q does not parse: %v", src, canon, err)
		}
		if got := e2.String(); got != canon {
			t.Fatalf("String of %q not stable: %q then %q", src, canon, got)
		}
		for _, r := range rows {
			if e.Eval(r.get, testCtx) != e2.Eval(r.get, testCtx) {
				t.Fatalf("%q and its canonical form %q disagree on %v", src, canon, r)
			}
		}
	})
}

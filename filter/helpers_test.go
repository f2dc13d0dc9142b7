package filter

import "testing"

// testKinds is the schema the tests parse against.
var testKinds = map[string]Kind{
	"name":               KindString,
	"city":               KindString,
	"contains":           KindString, // an attribute named like a contextual keyword
	"revenue":            KindDecimal,
	"price":              KindDecimal,
	"count":              KindInt,
	"qty":                KindInt,
	"score":              KindFloat,
	"active":             KindBool,
	"createdon":          KindDateTime,
	"modifiedon":         KindDateTime,
	"ownerid":            KindGUID,
	"owningbusinessunit": KindGUID,
	"parentid":           KindGUID,
	"statecode":          KindChoice,
	"weird":              Kind(42),
}

func testAttr(name string) (Kind, bool) {
	k, ok := testKinds[name]
	return k, ok
}

// mustParse parses src against testKinds or fails the test.
func mustParse(t testing.TB, src string) *Expr {
	t.Helper()
	e, err := Parse(src, testAttr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return e
}

// row is a test row; absent attributes are null.
type row map[string]any

func (r row) get(name string) any { return r[name] }

const (
	guidA = "0a1b2c3d-0000-4000-8000-00000000000a"
	guidB = "0a1b2c3d-0000-4000-8000-00000000000b"
	guidC = "0a1b2c3d-0000-4000-8000-00000000000c"
	guidU = "0a1b2c3d-0000-4000-8000-0000000000ff" // the user
	guidT = "0a1b2c3d-0000-4000-8000-0000000000ee" // one of the user's teams
	guidO = "0a1b2c3d-0000-4000-8000-0000000000dd" // another of the user's teams
	guidS = "0a1b2c3d-0000-4000-8000-0000000000bb" // the user's business unit
)

// testCtx is the current user for the tests: now is 2026-03-15T13:30:00Z.
var testCtx = Context{
	UserID:         guidU,
	TeamIDs:        []string{guidT, guidO},
	BusinessUnitID: guidS,
	Now:            1773581400000,
}

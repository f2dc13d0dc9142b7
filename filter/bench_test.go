package filter

import "testing"

// benchFilter is a typical profile rule filter: every condition is read
// and evaluated for benchRow (the and-chain ends true).
const benchFilter = `statecode = 0 and (ownerid = @me or ownerid in @myteams) and revenue >= 1000000 ` +
	`and name beginswith 'con' and modifiedon >= today(-30) and city not in ('Paris', 'Berlin', 'Tokyo')`

var benchRow = row{
	"statecode":  int64(0),
	"ownerid":    guidO, // the second team: @me and the first team miss
	"revenue":    "1250000.50",
	"name":       "Contoso Pharmaceuticals",
	"modifiedon": testCtx.Now - dayMillis,
	"city":       "Seattle",
}

func BenchmarkEval(b *testing.B) {
	e := mustParse(b, benchFilter)
	get := benchRow.get
	if !e.Eval(get, testCtx) {
		b.Fatal("benchRow does not match")
	}
	b.ReportAllocs()
	for b.Loop() {
		e.Eval(get, testCtx)
	}
}

func BenchmarkEvalOperators(b *testing.B) {
	for _, bb := range []struct{ name, src string }{
		{"is_null", `name is null`},
		{"string_eq", `name = 'contoso pharmaceuticals'`},
		{"contains", `name contains 'pharma'`},
		{"decimal_ge", `revenue >= 1000000.25`},
		{"int_in", `statecode in (3, 2, 1, 0)`},
		{"guid_in_teams", `ownerid in @meorteams`},
		{"today", `modifiedon >= today(-7)`},
	} {
		b.Run(bb.name, func(b *testing.B) {
			e := mustParse(b, bb.src)
			get := benchRow.get
			b.ReportAllocs()
			for b.Loop() {
				e.Eval(get, testCtx)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchFilter, testAttr); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFilterEvalNoAllocs(t *testing.T) {
	e := mustParse(t, benchFilter)
	get := benchRow.get
	if n := testing.AllocsPerRun(100, func() { e.Eval(get, testCtx) }); n != 0 {
		t.Errorf("Eval allocates %v times per call, want 0", n)
	}
}

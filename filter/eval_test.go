package filter

import (
	"math"
	"testing"
)

type evalCase struct {
	r    row
	want bool
}

// evalTable checks each filter on its rows with testCtx.
func evalTable(t *testing.T, tests []struct {
	src   string
	cases []evalCase
}) {
	t.Helper()
	for _, tt := range tests {
		e := mustParse(t, tt.src)
		for _, c := range tt.cases {
			if got := e.Eval(c.r.get, testCtx); got != c.want {
				t.Errorf("%q on %v = %v, want %v", tt.src, c.r, got, c.want)
			}
		}
	}
}

func TestFilterEvalString(t *testing.T) {
	evalTable(t, []struct {
		src   string
		cases []evalCase
	}{
		{`name = 'Contoso'`, []evalCase{
			{row{"name": "Contoso"}, true}, {row{"name": "CONTOSO"}, true}, {row{"name": "contoso "}, false},
			{row{}, false}, {row{"name": int64(5)}, false}}},
		{`name != 'Contoso'`, []evalCase{
			{row{"name": "Fabrikam"}, true}, {row{"name": "contoso"}, false}, {row{}, false}, {row{"name": int64(5)}, false}}},
		{`name < 'b'`, []evalCase{{row{"name": "a"}, true}, {row{"name": "A"}, true}, {row{"name": "B"}, false}, {row{"name": ""}, true}}},
		{`name <= 'b'`, []evalCase{{row{"name": "B"}, true}, {row{"name": "ba"}, false}}},
		{`name > 'b'`, []evalCase{{row{"name": "Ba"}, true}, {row{"name": "b"}, false}}},
		{`name >= 'b'`, []evalCase{{row{"name": "b"}, true}, {row{"name": "a"}, false}, {row{}, false}}},
		{`name in ('a', 'O''Brien')`, []evalCase{
			{row{"name": "o'brien"}, true}, {row{"name": "A"}, true}, {row{"name": "b"}, false}, {row{}, false}}},
		{`name not in ('a', 'b')`, []evalCase{{row{"name": "c"}, true}, {row{"name": "B"}, false}, {row{}, false}}},
		{`name beginswith 'con'`, []evalCase{
			{row{"name": "Contoso"}, true}, {row{"name": "con"}, true}, {row{"name": "co"}, false}, {row{"name": "acon"}, false}, {row{}, false}}},
		{`name endswith 'SO'`, []evalCase{{row{"name": "Contoso"}, true}, {row{"name": "so!"}, false}, {row{"name": "o"}, false}}},
		{`name contains 'TOS'`, []evalCase{
			{row{"name": "Contoso"}, true}, {row{"name": "tos"}, true}, {row{"name": "tso"}, false}, {row{"name": ""}, false}}},
		{`name contains ''`, []evalCase{{row{"name": ""}, true}, {row{}, false}}},
		{`name not beginswith 'con'`, []evalCase{{row{"name": "Fab"}, true}, {row{"name": "CONTOSO"}, false}, {row{}, false}}},
		{`name not endswith 'so'`, []evalCase{{row{"name": "Fab"}, true}, {row{"name": "contoSO"}, false}, {row{}, false}}},
		{`name not contains 'x'`, []evalCase{{row{"name": "abc"}, true}, {row{"name": "aXb"}, false}, {row{}, false}, {row{"name": true}, false}}},
		// Unicode case folding, including the Kelvin sign and long s.
		{`name = 'ÉCOLE'`, []evalCase{{row{"name": "école"}, true}, {row{"name": "ecole"}, false}}},
		{`name contains 'straße'`, []evalCase{{row{"name": "Die STRAßE"}, true}}},
		{`name = 'k'`, []evalCase{{row{"name": "\u212a"}, true}}},
		{`name beginswith 'S'`, []evalCase{{row{"name": "\u017ftop"}, true}}},
		{`name endswith 'é'`, []evalCase{{row{"name": "café"}, true}, {row{"name": "CAFÉ"}, true}, {row{"name": "\xff"}, false}}},
	})
}

// Variables, so that pointOne + pointTwo is float64 arithmetic
// (0.30000000000000004), not exact constant arithmetic.
var pointOne, pointTwo = 0.1, 0.2

func TestFilterEvalNumbers(t *testing.T) {
	evalTable(t, []struct {
		src   string
		cases []evalCase
	}{
		{`count = 5`, []evalCase{
			{row{"count": int64(5)}, true}, {row{"count": int64(6)}, false}, {row{"count": 5.0}, true},
			{row{"count": "5.00"}, true}, {row{"count": "x"}, false}, {row{"count": math.NaN()}, false}, {row{}, false}}},
		{`count != 5`, []evalCase{{row{"count": int64(4)}, true}, {row{"count": int64(5)}, false},
			{row{"count": math.NaN()}, false}, {row{}, false}, {row{"count": "5"}, false}, {row{"count": "abc"}, false}}},
		{`count < -2`, []evalCase{{row{"count": int64(-3)}, true}, {row{"count": int64(-2)}, false}, {row{"count": int64(math.MinInt64)}, true}}},
		{`count <= -2`, []evalCase{{row{"count": int64(-2)}, true}, {row{"count": int64(-1)}, false}}},
		{`count > 2.5`, []evalCase{{row{"count": int64(3)}, true}, {row{"count": int64(2)}, false}, {row{"count": 2.6}, true}}},
		{`count < -2.5`, []evalCase{{row{"count": int64(-3)}, true}, {row{"count": int64(-2)}, false}}},
		{`count = 2.5`, []evalCase{{row{"count": int64(2)}, false}, {row{"count": int64(3)}, false}}},
		{`count >= -9223372036854775808`, []evalCase{{row{"count": int64(math.MinInt64)}, true}}},
		{`count <= 9223372036854775807`, []evalCase{{row{"count": int64(math.MaxInt64)}, true}}},
		{`count = 9007199254740993`, []evalCase{{row{"count": int64(9007199254740993)}, true}, {row{"count": int64(9007199254740992)}, false}}},
		{`count in (1, 3, 5)`, []evalCase{{row{"count": int64(3)}, true}, {row{"count": int64(4)}, false}, {row{}, false}}},
		{`count not in (1, 3, 5)`, []evalCase{{row{"count": int64(4)}, true}, {row{"count": int64(5)}, false}, {row{}, false}}},
		{`statecode = 1`, []evalCase{{row{"statecode": int64(1)}, true}, {row{"statecode": int64(0)}, false}}},
		{`statecode in (0, 2)`, []evalCase{{row{"statecode": int64(2)}, true}, {row{"statecode": int64(1)}, false}}},
		{`statecode > 0`, []evalCase{{row{"statecode": int64(2)}, true}, {row{"statecode": int64(0)}, false}}},
		// float: the literal is rounded to float64 once, as the row was
		{`score = 0.1`, []evalCase{{row{"score": 0.1}, true}, {row{"score": 0.1 + 1e-17}, true}, {row{"score": int64(0)}, false}}},
		{`score = 0.3`, []evalCase{{row{"score": pointOne + pointTwo}, false}, {row{"score": 0.3}, true}}},
		{`score > 0.3`, []evalCase{{row{"score": pointOne + pointTwo}, true}, {row{"score": math.Inf(1)}, true}, {row{"score": math.Inf(-1)}, false}}},
		{`score != 0.3`, []evalCase{{row{"score": math.NaN()}, false}}},
		// decimal: exact
		{`revenue >= 1000000`, []evalCase{
			{row{"revenue": "1000000.00"}, true}, {row{"revenue": "999999.99"}, false}, {row{"revenue": "999999.9999999999"}, false},
			{row{"revenue": "1000000.0000000001"}, true}, {row{"revenue": "-1000000.00"}, false}, {row{"revenue": int64(1000000)}, true}}},
		{`revenue = 0.3`, []evalCase{
			{row{"revenue": "0.30"}, true}, {row{"revenue": "0.3"}, true}, {row{"revenue": "00.300"}, true},
			{row{"revenue": "0.30000000000000004"}, false}, {row{"revenue": "0.29999999999999999"}, false}}},
		{`revenue = 0`, []evalCase{{row{"revenue": "-0.00"}, true}, {row{"revenue": "0"}, true}, {row{"revenue": "0.0000000001"}, false}}},
		{`revenue < -0.5`, []evalCase{
			{row{"revenue": "-0.51"}, true}, {row{"revenue": "-0.5"}, false}, {row{"revenue": "-0.49"}, false}, {row{"revenue": "1"}, false},
			{row{"revenue": "-10"}, true}}},
		{`revenue > 1234567890123456789012345678.123`, []evalCase{
			{row{"revenue": "1234567890123456789012345678.1231"}, true}, {row{"revenue": "1234567890123456789012345678.123"}, false},
			{row{"revenue": int64(math.MaxInt64)}, false}}},
		{`revenue > -1234567890123456789012345678`, []evalCase{{row{"revenue": int64(math.MinInt64)}, true}}},
		{`revenue in (0.1, 0.2)`, []evalCase{{row{"revenue": "0.20"}, true}, {row{"revenue": "0.3"}, false}}},
		{`revenue != 5`, []evalCase{{row{"revenue": "1e9"}, false}, {row{"revenue": "5."}, false}, {row{"revenue": ""}, false}, {row{"revenue": "4"}, true}}},
	})
}

func TestFilterEvalBoolTimeGUID(t *testing.T) {
	const (
		jan31      = int64(1769817600000) // 2026-01-31T00:00:00Z
		today      = int64(1773532800000) // 2026-03-15T00:00:00Z, testCtx's day
		sevenAgo   = today - 7*dayMillis
		tomorrow   = today + dayMillis
		beforeJan1 = int64(-1) // 1969-12-31T23:59:59.999Z
	)
	evalTable(t, []struct {
		src   string
		cases []evalCase
	}{
		{`active = true`, []evalCase{{row{"active": true}, true}, {row{"active": false}, false}, {row{}, false}, {row{"active": "true"}, false}}},
		{`active != true`, []evalCase{{row{"active": false}, true}, {row{"active": true}, false}, {row{}, false}}},
		{`active in (false)`, []evalCase{{row{"active": false}, true}, {row{"active": true}, false}}},
		{`createdon = '2026-01-31'`, []evalCase{{row{"createdon": jan31}, true}, {row{"createdon": jan31 + 1}, false}, {row{"createdon": "2026-01-31"}, false}}},
		{`createdon < '2026-01-31T00:00:00.001Z'`, []evalCase{{row{"createdon": jan31}, true}, {row{"createdon": jan31 + 1}, false}}},
		{`createdon >= '2026-01-31T01:00:00+01:00'`, []evalCase{{row{"createdon": jan31}, true}, {row{"createdon": jan31 - 1}, false}}},
		{`createdon < '1970-01-01'`, []evalCase{{row{"createdon": beforeJan1}, true}, {row{"createdon": int64(0)}, false}}},
		{`modifiedon >= today(-7)`, []evalCase{
			{row{"modifiedon": sevenAgo}, true}, {row{"modifiedon": sevenAgo - 1}, false}, {row{"modifiedon": testCtx.Now}, true}, {row{}, false}}},
		{`modifiedon < today()`, []evalCase{{row{"modifiedon": today - 1}, true}, {row{"modifiedon": today}, false}}},
		{`modifiedon >= today(+1)`, []evalCase{{row{"modifiedon": tomorrow}, true}, {row{"modifiedon": tomorrow - 1}, false}}},
		{`modifiedon in (today(), '2026-01-31')`, []evalCase{{row{"modifiedon": today}, true}, {row{"modifiedon": jan31}, true}, {row{"modifiedon": today + 1}, false}}},
		{`ownerid = '` + guidA + `'`, []evalCase{
			{row{"ownerid": guidA}, true}, {row{"ownerid": "0A1B2C3D-0000-4000-8000-00000000000A"}, true}, {row{"ownerid": guidB}, false}, {row{}, false}}},
		{`ownerid != '` + guidA + `'`, []evalCase{{row{"ownerid": guidB}, true}, {row{"ownerid": guidA}, false}, {row{}, false}, {row{"ownerid": int64(1)}, false}}},
		{`parentid in ('` + guidA + `', '` + guidB + `')`, []evalCase{{row{"parentid": guidB}, true}, {row{"parentid": guidC}, false}}},
		{`parentid not in ('` + guidA + `', '` + guidB + `')`, []evalCase{{row{"parentid": guidC}, true}, {row{"parentid": guidA}, false}, {row{}, false}}},
	})
}

func TestFilterEvalTodayBeforeEpoch(t *testing.T) {
	e := mustParse(t, `modifiedon >= today()`)
	ctx := Context{Now: -1} // 1969-12-31T23:59:59.999Z: today is -dayMillis
	if !e.Eval(row{"modifiedon": int64(-dayMillis)}.get, ctx) || e.Eval(row{"modifiedon": int64(-dayMillis - 1)}.get, ctx) {
		t.Error("today() before the epoch is not the start of the UTC day")
	}
}

func TestFilterEvalCurrentUser(t *testing.T) {
	evalTable(t, []struct {
		src   string
		cases []evalCase
	}{
		{`ownerid = @me`, []evalCase{
			{row{"ownerid": guidU}, true}, {row{"ownerid": "0A1B2C3D-0000-4000-8000-0000000000FF"}, true}, {row{"ownerid": guidT}, false}, {row{}, false}}},
		{`ownerid != @me`, []evalCase{{row{"ownerid": guidT}, true}, {row{"ownerid": guidU}, false}, {row{}, false}}},
		{`ownerid in @myteams`, []evalCase{
			{row{"ownerid": guidT}, true}, {row{"ownerid": guidO}, true}, {row{"ownerid": guidU}, false}, {row{}, false}, {row{"ownerid": int64(1)}, false}}},
		{`ownerid not in @myteams`, []evalCase{{row{"ownerid": guidU}, true}, {row{"ownerid": guidO}, false}, {row{}, false}}},
		{`ownerid in @meorteams`, []evalCase{{row{"ownerid": guidU}, true}, {row{"ownerid": guidT}, true}, {row{"ownerid": guidA}, false}}},
		{`ownerid not in @meorteams`, []evalCase{{row{"ownerid": guidA}, true}, {row{"ownerid": guidU}, false}, {row{}, false}}},
		{`owningbusinessunit = @mybusinessunit`, []evalCase{{row{"owningbusinessunit": guidS}, true}, {row{"owningbusinessunit": guidA}, false}}},
		{`owningbusinessunit != @mybusinessunit`, []evalCase{{row{"owningbusinessunit": guidA}, true}, {row{"owningbusinessunit": guidS}, false}}},
	})
	// An empty Context names no user, team or business unit.
	for _, tt := range []struct {
		src  string
		want bool
	}{
		{`ownerid = @me`, false}, {`ownerid != @me`, true}, {`ownerid in @myteams`, false},
		{`ownerid in @meorteams`, false}, {`owningbusinessunit = @mybusinessunit`, false},
	} {
		r := row{"ownerid": "", "owningbusinessunit": ""}
		if got := mustParse(t, tt.src).Eval(r.get, Context{TeamIDs: []string{""}}); got != tt.want {
			t.Errorf("%q with an empty Context = %v, want %v", tt.src, got, tt.want)
		}
	}
}

func TestFilterEvalNullAndNot(t *testing.T) {
	evalTable(t, []struct {
		src   string
		cases []evalCase
	}{
		{`name is null`, []evalCase{{row{}, true}, {row{"name": ""}, false}, {row{"name": "a"}, false}}},
		{`name is not null`, []evalCase{{row{}, false}, {row{"name": ""}, true}}},
		{`not name = 'a'`, []evalCase{{row{}, true}, {row{"name": "a"}, false}, {row{"name": "b"}, true}}},
		{`not name != 'a'`, []evalCase{{row{}, true}, {row{"name": "a"}, true}, {row{"name": "b"}, false}}},
		{`not not name = 'a'`, []evalCase{{row{}, false}, {row{"name": "a"}, true}}},
		{`not name is null`, []evalCase{{row{}, false}, {row{"name": "a"}, true}}},
		{`not (name = 'a' or city = 'b')`, []evalCase{{row{}, true}, {row{"name": "a"}, false}, {row{"city": "b"}, false}, {row{"name": "x", "city": "y"}, true}}},
		{`name = 'a' or city = 'b' and count = 1`, []evalCase{
			{row{"name": "a"}, true}, {row{"city": "b"}, false}, {row{"city": "b", "count": int64(1)}, true}}},
		{`(name = 'a' or city = 'b') and count = 1`, []evalCase{
			{row{"name": "a"}, false}, {row{"name": "a", "count": int64(1)}, true}, {row{"city": "b", "count": int64(1)}, true}}},
		{`not name = 'a' and count = 1`, []evalCase{{row{"count": int64(1)}, true}, {row{"name": "a", "count": int64(1)}, false}}},
	})
}

func TestFilterEvalShortCircuit(t *testing.T) {
	tests := []struct {
		src   string
		r     row
		want  bool
		reads string
	}{
		{`count = 1 and name = 'a'`, row{"count": int64(2), "name": "a"}, false, "count"},
		{`count = 1 and name = 'a'`, row{"count": int64(1), "name": "a"}, true, "count,name"},
		{`count = 1 or name = 'a'`, row{"count": int64(1)}, true, "count"},
		{`count = 1 or name = 'a' or city = 'x'`, row{"city": "x"}, true, "count,name,city"},
		{`(count = 1 or name = 'a') and city = 'x'`, row{"count": int64(1), "city": "y"}, false, "count,city"},
	}
	for _, tt := range tests {
		var reads string
		get := func(name string) any {
			if reads != "" {
				reads += ","
			}
			reads += name
			return tt.r[name]
		}
		if got := mustParse(t, tt.src).Eval(get, testCtx); got != tt.want || reads != tt.reads {
			t.Errorf("%q on %v = %v reading %q, want %v reading %q", tt.src, tt.r, got, reads, tt.want, tt.reads)
		}
	}
}

func TestFilterEvalNilGet(t *testing.T) {
	if !mustParse(t, `name is null and not count = 1`).Eval(nil, testCtx) {
		t.Error("a nil get does not read every attribute as null")
	}
}

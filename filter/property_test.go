package filter

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// The property test builds random filters as a small test-side tree that
// can both print itself (in a randomly styled but valid way) and evaluate
// a row by a deliberately naive reference: math/big for numbers,
// strings.ToUpper for case (the pools are ASCII), time.Parse for dates.

// refExpr is a generated filter: its source and its reference semantics.
type refExpr struct {
	src  string
	eval func(r row, ctx Context) bool
}

type refGen struct{ t *rapid.T }

func (g refGen) pick(label string, xs ...string) string {
	return rapid.SampledFrom(xs).Draw(g.t, label)
}

// kw writes a keyword in random case.
func (g refGen) kw(s string) string {
	switch rapid.IntRange(0, 2).Draw(g.t, "case") {
	case 1:
		return strings.ToUpper(s)
	case 2:
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

func (g refGen) sp() string { return g.pick("space", " ", " ", "  ", "\n\t") }

func (g refGen) expr(depth int) refExpr {
	choice := 0
	if depth > 0 {
		choice = rapid.IntRange(0, 4).Draw(g.t, "shape")
	}
	switch choice {
	case 1, 2:
		n := rapid.IntRange(2, 3).Draw(g.t, "terms")
		or := choice == 2
		terms := make([]refExpr, n)
		srcs := make([]string, n)
		for i := range terms {
			terms[i] = g.expr(depth - 1)
			srcs[i] = "(" + terms[i].src + ")"
		}
		word := "and"
		if or {
			word = "or"
		}
		return refExpr{
			src: strings.Join(srcs, g.sp()+g.kw(word)+g.sp()),
			eval: func(r row, ctx Context) bool {
				for _, t := range terms {
					if t.eval(r, ctx) == or {
						return or
					}
				}
				return !or
			},
		}
	case 3:
		x := g.expr(depth - 1)
		return refExpr{
			src:  g.kw("not") + g.sp() + "(" + x.src + ")",
			eval: func(r row, ctx Context) bool { return !x.eval(r, ctx) },
		}
	case 4:
		x := g.expr(depth - 1)
		return refExpr{src: "(" + g.sp() + x.src + g.sp() + ")", eval: x.eval}
	}
	return g.cond()
}

// Value pools. Rows and literals draw from overlapping pools so that
// equality and boundaries come up often.
var (
	refStrings  = []string{"", "a", "A", "ab", "Ab", "b", "B", "ba", "O'Brien", "o'brien", "z_"}
	refNumbers  = []string{"-3", "-2.5", "-2.50", "0", "-0", "1", "2", "2.5", "3", "007", "0.3", "1000000"}
	refInts     = []int64{-3, -2, 0, 1, 2, 3, math.MinInt64, math.MaxInt64}
	refDecimals = []string{"0", "-0.00", "0.30", "0.3", "-2.5", "-2.50", "2.49", "1000000.00", "999999.99", "3"}
	refFloats   = []float64{0.1, 0.3, pointOne + pointTwo, -2.5, 2, 3, math.NaN(), math.Inf(1)}
	refDates    = []string{"'2026-01-31'", "'2026-01-31T00:00:00.001Z'", "'2026-03-08T00:00:00Z'", "today()", "today(-7)", "today(+1)", "TODAY( 0 )"}
	refGUIDs    = []string{guidA, strings.ToUpper(guidA), guidB, guidU, guidT, guidS}
)

const refToday = int64(1773532800000) // testCtx's day

var refTimes = []int64{1769817600000, 1769817600001, refToday - 7*dayMillis, refToday - 7*dayMillis - 1, refToday, refToday + dayMillis, testCtx.Now}

// refRow draws a row; each attribute is null one time in four.
func (g refGen) row() row {
	r := row{}
	maybe := func(name string, v func() any) {
		if rapid.IntRange(0, 3).Draw(g.t, "null") > 0 {
			r[name] = v()
		}
	}
	maybe("name", func() any { return rapid.SampledFrom(refStrings).Draw(g.t, "name") })
	maybe("count", func() any { return rapid.SampledFrom(refInts).Draw(g.t, "count") })
	maybe("revenue", func() any { return rapid.SampledFrom(refDecimals).Draw(g.t, "revenue") })
	maybe("score", func() any { return rapid.SampledFrom(refFloats).Draw(g.t, "score") })
	maybe("statecode", func() any { return int64(rapid.IntRange(0, 3).Draw(g.t, "statecode")) })
	maybe("active", func() any { return rapid.Bool().Draw(g.t, "active") })
	maybe("modifiedon", func() any { return rapid.SampledFrom(refTimes).Draw(g.t, "modifiedon") })
	maybe("ownerid", func() any { return rapid.SampledFrom(refGUIDs).Draw(g.t, "ownerid") })
	return r
}

// refCmp is the reference for one comparison: the row value's ordering
// against the literal, or ok false if the value cannot be compared.
type refCmp func(v any, ctx Context) (c int, ok bool)

func (g refGen) cond() refExpr {
	attr := g.pick("attr", "name", "count", "revenue", "score", "statecode", "active", "modifiedon", "ownerid")
	name := attr
	if rapid.Bool().Draw(g.t, "upper") {
		name = strings.ToUpper(attr)
	}
	if rapid.IntRange(0, 7).Draw(g.t, "nulltest") == 0 {
		neg := rapid.Bool().Draw(g.t, "neg")
		src := name + g.sp() + g.kw("is") + g.sp() + g.kw("null")
		if neg {
			src = name + g.sp() + g.kw("is") + g.sp() + g.kw("not") + g.sp() + g.kw("null")
		}
		return refExpr{src: src, eval: func(r row, _ Context) bool { return (r[attr] == nil) != neg }}
	}
	var lit func() (string, refCmp)
	ordered := true
	switch attr {
	case "name":
		if rapid.IntRange(0, 2).Draw(g.t, "textop") == 0 {
			return g.textCond(name)
		}
		lit = func() (string, refCmp) {
			s := rapid.SampledFrom(refStrings).Draw(g.t, "lit")
			return quote(s), func(v any, _ Context) (int, bool) {
				x, ok := v.(string)
				return strings.Compare(strings.ToUpper(x), strings.ToUpper(s)), ok
			}
		}
	case "count", "revenue", "statecode":
		lit = func() (string, refCmp) {
			s := rapid.SampledFrom(refNumbers).Draw(g.t, "lit")
			if attr == "statecode" {
				s = strconv.Itoa(rapid.IntRange(-1, 3).Draw(g.t, "lit"))
			}
			want, _ := new(big.Rat).SetString(s)
			return s, func(v any, _ Context) (int, bool) {
				var got *big.Rat
				switch x := v.(type) {
				case int64:
					got = new(big.Rat).SetInt64(x)
				case string:
					got, _ = new(big.Rat).SetString(x)
				}
				if got == nil {
					return 0, false
				}
				return got.Cmp(want), true
			}
		}
	case "score":
		lit = func() (string, refCmp) {
			s := rapid.SampledFrom(refNumbers).Draw(g.t, "lit")
			want, _ := strconv.ParseFloat(s, 64)
			return s, func(v any, _ Context) (int, bool) {
				x := v.(float64)
				switch {
				case math.IsNaN(x):
					return 0, false
				case x < want:
					return -1, true
				case x > want:
					return 1, true
				}
				return 0, true
			}
		}
	case "active":
		ordered = false
		lit = func() (string, refCmp) {
			b := rapid.Bool().Draw(g.t, "lit")
			return g.kw(strconv.FormatBool(b)), func(v any, _ Context) (int, bool) {
				if v.(bool) == b {
					return 0, true
				}
				return 1, true
			}
		}
	case "modifiedon":
		lit = func() (string, refCmp) {
			s := rapid.SampledFrom(refDates).Draw(g.t, "lit")
			return s, func(v any, ctx Context) (int, bool) {
				want := refDateMillis(s, ctx)
				x := v.(int64)
				switch {
				case x < want:
					return -1, true
				case x > want:
					return 1, true
				}
				return 0, true
			}
		}
	case "ownerid":
		return g.guidCond(name)
	}
	return g.compareCond(name, attr, ordered, lit)
}

// compareCond builds a comparison or an in list on attr.
func (g refGen) compareCond(name, attr string, ordered bool, lit func() (string, refCmp)) refExpr {
	ops := []string{"=", "!=", "<>", "in", "not in"}
	if ordered {
		ops = append(ops, "<", "<=", ">", ">=")
	}
	o := g.pick("op", ops...)
	if o == "in" || o == "not in" {
		n := rapid.IntRange(1, 3).Draw(g.t, "listlen")
		srcs := make([]string, n)
		cmps := make([]refCmp, n)
		for i := range srcs {
			srcs[i], cmps[i] = lit()
		}
		neg := o == "not in"
		opSrc := g.kw("in")
		if neg {
			opSrc = g.kw("not") + g.sp() + opSrc
		}
		return refExpr{
			src: name + g.sp() + opSrc + g.sp() + "(" + strings.Join(srcs, ","+g.sp()) + ")",
			eval: func(r row, ctx Context) bool {
				v := r[attr]
				if v == nil {
					return false
				}
				for _, cmp := range cmps {
					c, ok := cmp(v, ctx)
					if !ok {
						return false
					}
					if c == 0 {
						return !neg
					}
				}
				return neg
			},
		}
	}
	s, cmp := lit()
	return refExpr{
		src: name + g.sp() + o + g.sp() + s,
		eval: func(r row, ctx Context) bool {
			v := r[attr]
			if v == nil {
				return false
			}
			c, ok := cmp(v, ctx)
			if !ok {
				return false
			}
			switch o {
			case "=":
				return c == 0
			case "!=", "<>":
				return c != 0
			case "<":
				return c < 0
			case "<=":
				return c <= 0
			case ">":
				return c > 0
			}
			return c >= 0
		},
	}
}

func (g refGen) textCond(name string) refExpr {
	o := g.pick("textop", "beginswith", "endswith", "contains")
	neg := rapid.Bool().Draw(g.t, "neg")
	s := rapid.SampledFrom(refStrings).Draw(g.t, "lit")
	src := name + g.sp() + g.kw(o) + g.sp() + quote(s)
	if neg {
		src = name + g.sp() + g.kw("not") + g.sp() + g.kw(o) + g.sp() + quote(s)
	}
	match := map[string]func(string, string) bool{
		"beginswith": strings.HasPrefix, "endswith": strings.HasSuffix, "contains": strings.Contains,
	}[o]
	return refExpr{src: src, eval: func(r row, _ Context) bool {
		v, ok := r["name"].(string)
		return ok && match(strings.ToUpper(v), strings.ToUpper(s)) != neg
	}}
}

func (g refGen) guidCond(name string) refExpr {
	kind := g.pick("guidop", "=", "!=", "in", "not in", "= @me", "!= @me", "in @myteams", "not in @myteams",
		"in @meorteams", "not in @meorteams", "= @mybusinessunit", "!= @mybusinessunit")
	neg := strings.HasPrefix(kind, "!") || strings.HasPrefix(kind, "not")
	var src string
	var ids func(ctx Context) []string
	switch {
	case kind == "=" || kind == "!=":
		lit := rapid.SampledFrom(refGUIDs).Draw(g.t, "lit")
		src = name + g.sp() + kind + g.sp() + quote("{"+lit+"}")
		ids = func(Context) []string { return []string{lit} }
	case kind == "in" || kind == "not in":
		a := rapid.SampledFrom(refGUIDs).Draw(g.t, "lit")
		b := rapid.SampledFrom(refGUIDs).Draw(g.t, "lit")
		src = name + " " + kind + " (" + quote(a) + ", " + quote(b) + ")"
		ids = func(Context) []string { return []string{a, b} }
	default:
		src = name + " " + kind
		switch {
		case strings.HasSuffix(kind, "@me"):
			ids = func(ctx Context) []string { return []string{ctx.UserID} }
		case strings.HasSuffix(kind, "@myteams"):
			ids = func(ctx Context) []string { return ctx.TeamIDs }
		case strings.HasSuffix(kind, "@meorteams"):
			ids = func(ctx Context) []string { return append([]string{ctx.UserID}, ctx.TeamIDs...) }
		default:
			ids = func(ctx Context) []string { return []string{ctx.BusinessUnitID} }
		}
	}
	return refExpr{src: src, eval: func(r row, ctx Context) bool {
		v, ok := r["ownerid"].(string)
		if !ok {
			return false
		}
		hit := false
		for _, id := range ids(ctx) {
			hit = hit || (id != "" && strings.EqualFold(v, id))
		}
		return hit != neg
	}}
}

// refDateMillis evaluates a date literal or today() from refDates.
func refDateMillis(s string, ctx Context) int64 {
	if strings.HasPrefix(s, "'") {
		s = strings.Trim(s, "'")
		layout := time.RFC3339Nano
		if len(s) == 10 {
			layout = time.DateOnly
		}
		t, err := time.Parse(layout, s)
		if err != nil {
			panic(err)
		}
		return t.UnixMilli()
	}
	s = strings.ToLower(strings.ReplaceAll(s, " ", ""))
	days, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(s, "today("), ")"))
	midnight := time.UnixMilli(ctx.Now).UTC().Truncate(24 * time.Hour)
	return midnight.AddDate(0, 0, days).UnixMilli()
}

func TestFilterPropertyRoundTrip(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		g := refGen{rt}
		x := g.expr(rapid.IntRange(0, 4).Draw(rt, "depth"))
		e1, err := Parse(x.src, testAttr)
		if err != nil {
			rt.Fatalf("Parse(%q): %v", x.src, err)
		}
		canon := e1.String()
		e2, err := Parse(canon, testAttr)
		if err != nil {
			rt.Fatalf("reparse of %q: %v", canon, err)
		}
		if e2.String() != canon {
			rt.Fatalf("String not stable: %q then %q", canon, e2.String())
		}
		neg, err := Parse("not ("+x.src+")", testAttr)
		if err != nil {
			rt.Fatalf("Parse(not (%q)): %v", x.src, err)
		}
		ctx := rapid.SampledFrom([]Context{testCtx, {Now: testCtx.Now + 3*dayMillis}, {UserID: guidA, TeamIDs: []string{guidB}}}).Draw(rt, "ctx")
		for i := 0; i < 8; i++ {
			r := g.row()
			want := x.eval(r, ctx)
			if got := e1.Eval(r.get, ctx); got != want {
				rt.Fatalf("%q on %v: Eval %v, reference %v", x.src, r, got, want)
			}
			if got := e2.Eval(r.get, ctx); got != want {
				rt.Fatalf("canonical %q on %v: Eval %v, want %v", canon, r, got, want)
			}
			if got := neg.Eval(r.get, ctx); got == want {
				rt.Fatalf("not (%q) on %v: Eval %v, want %v", x.src, r, got, !want)
			}
		}
	})
}

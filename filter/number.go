package filter

import (
	"math"
	"strconv"
)

// numLit is a number literal, converted once at Parse time to every form a
// row's value may be compared with.
type numLit struct {
	d     dec     // exact value
	f     float64 // nearest float64, for float rows
	i     int64   // the value if isInt, else its floor; valid unless above or below
	isInt bool
	above bool // greater than every int64
	below bool // less than every int64
}

// newNumLit converts a number token; text matches -?digits(.digits)?.
func newNumLit(text string) numLit {
	d, _ := parseDec(text)
	n := numLit{d: d, isInt: d.fp == ""}
	n.f, _ = strconv.ParseFloat(text, 64) // ±Inf on overflow; callers check
	if len(d.ip) > 19 {
		n.above, n.below = !d.neg, d.neg
		return n
	}
	var u uint64
	for i := 0; i < len(d.ip); i++ {
		u = u*10 + uint64(d.ip[i]-'0') // at most 19 digits: no overflow
	}
	switch {
	case !d.neg && u > math.MaxInt64:
		n.above = true
	case !d.neg:
		n.i = int64(u) // floor of a non-negative value is its integer part
	case n.isInt && u > 1<<63, !n.isInt && u >= 1<<63:
		n.below = true
	case n.isInt:
		n.i = -int64(u-1) - 1 // no overflow at u == 1<<63
	default:
		n.i = -int64(u) - 1 // floor of -ip.fp is -ip-1
	}
	return n
}

// inInt64 reports whether the literal lies within the int64 range.
func (n *numLit) inInt64() bool { return !n.above && !n.below }

// compare compares a row's number (int64, float64 or decimal string) with
// the literal. ok is false for any other value, NaN or a malformed decimal.
func (n *numLit) compare(v any) (c int, ok bool) {
	switch x := v.(type) {
	case int64:
		return n.cmpInt64(x), true
	case float64:
		if x != x {
			return 0, false
		}
		return cmpFloat(x, n.f), true
	case string:
		d, ok := parseDec(x)
		if !ok {
			return 0, false
		}
		return cmpDec(d, n.d), true
	case int:
		return n.cmpInt64(int64(x)), true
	}
	return 0, false
}

// cmpInt64 compares r with the literal exactly.
func (n *numLit) cmpInt64(r int64) int {
	switch {
	case n.above:
		return -1
	case n.below:
		return 1
	case n.isInt:
		return cmpInt(r, n.i)
	case r <= n.i:
		return -1
	}
	return 1
}

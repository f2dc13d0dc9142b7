package codec

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// The primitives of the columnar block: zigzag varints, bitmaps and
// decimal strings as scaled integers.

// zigzag maps signed integers to unsigned ones, small magnitudes first:
// 0, -1, 1, -2... become 0, 1, 2, 3...
func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

// unzigzag inverts zigzag.
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// varintLen is the length of v as a uvarint.
func varintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

// colReader reads a block front to back and remembers its first error.
type colReader struct {
	b   []byte
	err error
	// joinedBytes counts the bytes colJoined columns built
	// (maxJoinedBytes).
	joinedBytes int
}

// fail records err (the first one wins) and reports false.
func (r *colReader) fail(err error) bool {
	if r.err == nil {
		r.err = err
	}
	return false
}

// uvarint reads one uvarint.
func (r *colReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errColumnShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes reads n bytes, without copying.
func (r *colReader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail(errColumnShort)
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

// bitmap reads a bitmap of n bits, refusing set padding bits, and
// returns it with the number of bits set.
func (r *colReader) bitmap(n int) ([]byte, int) {
	bm := r.bytes(uint64(n+7) / 8)
	if r.err != nil {
		return nil, 0
	}
	if n%8 != 0 && bm[len(bm)-1]>>(n%8) != 0 {
		r.fail(errColumnPad)
		return nil, 0
	}
	m := 0
	for _, b := range bm {
		m += bits.OnesCount8(b)
	}
	return bm, m
}

// packed reads m values of w bits each (1 to 64), least significant bit
// first, refusing set padding bits, and calls fn with each.
func (r *colReader) packed(m, w int, fn func(uint64)) {
	nbits := uint64(m) * uint64(w)
	b := r.bytes((nbits + 7) / 8)
	if r.err != nil {
		return
	}
	if nbits%8 != 0 && b[len(b)-1]>>(nbits%8) != 0 {
		r.fail(errColumnPad)
		return
	}
	var acc uint64 // bits not yet used, the next one lowest
	have, at := 0, 0
	mask := uint64(1)<<w - 1 // all ones when w is 64
	if w == 64 {
		mask = math.MaxUint64
	}
	for range m {
		x := acc
		got := have
		for got < w {
			v := uint64(b[at])
			at++
			x |= v << got
			got += 8
		}
		// got-w bits of the last byte read are left over.
		if got > w {
			acc = uint64(b[at-1]) >> (8 - (got - w))
		} else {
			acc = 0
		}
		have = got - w
		fn(x & mask)
	}
}

// appendPacked appends the values of xs in w bits each, least
// significant bit first (the inverse of packed).
func appendPacked(dst []byte, w int, n int, x func(i int) uint64) []byte {
	var acc uint64
	have := 0
	for i := range n {
		v := x(i)
		for k := 0; k < w; {
			take := min(w-k, 8-have)
			acc |= (v >> k & (1<<take - 1)) << have
			have += take
			k += take
			if have == 8 {
				dst = append(dst, byte(acc))
				acc, have = 0, 0
			}
		}
	}
	if have > 0 {
		dst = append(dst, byte(acc))
	}
	return dst
}

// bitSet reports bit i of bm.
func bitSet(bm []byte, i int) bool { return bm[i>>3]>>(i&7)&1 == 1 }

// appendBitmap appends the bitmap of bits, least significant bit first.
func appendBitmap(dst []byte, n int, bit func(i int) bool) []byte {
	for i := 0; i < n; i += 8 {
		var b byte
		for j := i; j < min(i+8, n); j++ {
			if bit(j) {
				b |= 1 << (j - i)
			}
		}
		dst = append(dst, b)
	}
	return dst
}

// parseDecimal returns the digits of s without its point, as an integer,
// and the number of digits after the point, when s is a decimal in the
// one form formatDecimal writes back to the same string.
func parseDecimal(s string) (unscaled int64, scale int, ok bool) {
	intPart, frac, dot := strings.Cut(s, ".")
	if dot && frac == "" || len(frac) > maxDecimalScale || len(s) > 40 {
		return 0, 0, false
	}
	digits := strings.TrimPrefix(intPart, "-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, 0, false
	}
	v, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil || formatDecimal(v, len(frac)) != s {
		return 0, 0, false
	}
	return v, len(frac), true
}

// formatDecimal writes v with the point scale digits from the right.
func formatDecimal(v int64, scale int) string {
	var buf [64]byte
	d := strconv.AppendUint(buf[:0], absInt64(v), 10)
	for len(d) <= scale {
		d = append([]byte{'0'}, d...)
	}
	out := make([]byte, 0, len(d)+2)
	if v < 0 {
		out = append(out, '-')
	}
	out = append(out, d[:len(d)-scale]...)
	if scale > 0 {
		out = append(append(out, '.'), d[len(d)-scale:]...)
	}
	return string(out)
}

// absInt64 is |v| as a uint64 (also for math.MinInt64).
func absInt64(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

// finite reports whether f is neither infinite nor NaN.
func finite(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) }

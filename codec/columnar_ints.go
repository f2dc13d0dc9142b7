package codec

import (
	"encoding/binary"
	"math/bits"
)

// Integer column bodies: the kinds colInt, colIntDelta, colIntFrame and
// colIntPacked, for integer columns and for the unscaled digits of
// decimals (colDecimalInts).

// intKind reports whether k is one of the integer body kinds.
func intKind(k byte) bool {
	return k == colInt || k == colIntDelta || k == colIntFrame || k == colIntPacked
}

// intBody appends vals (at least one) plain, as deltas, or as multiples
// of a step above a base, in varints or packed bits, whichever is
// smallest (the first of those on a tie), and returns its kind.
func intBody(dst []byte, vals []int64) (byte, []byte) {
	plain, delta := 0, 0
	prev, lo := int64(0), vals[0]
	for _, n := range vals {
		plain += varintLen(zigzag(n))
		delta += varintLen(zigzag(n - prev))
		prev, lo = n, min(lo, n)
	}
	step := uint64(0)
	for _, n := range vals {
		step = gcd(step, uint64(n-lo))
	}
	step = max(step, 1)
	frame := varintLen(zigzag(lo)) + varintLen(step)
	maxX := uint64(0)
	for _, n := range vals {
		x := uint64(n-lo) / step
		frame += varintLen(x)
		maxX = max(maxX, x)
	}
	w := max(bits.Len64(maxX), 1)
	packed := varintLen(zigzag(lo)) + varintLen(step) + 1 + (len(vals)*w+7)/8
	switch {
	case plain <= delta && plain <= frame && plain <= packed:
		for _, n := range vals {
			dst = binary.AppendUvarint(dst, zigzag(n))
		}
		return colInt, dst
	case delta <= frame && delta <= packed:
		prev = 0
		for _, n := range vals {
			dst = binary.AppendUvarint(dst, zigzag(n-prev))
			prev = n
		}
		return colIntDelta, dst
	case frame <= packed:
		dst = binary.AppendUvarint(binary.AppendUvarint(dst, zigzag(lo)), step)
		for _, n := range vals {
			dst = binary.AppendUvarint(dst, uint64(n-lo)/step)
		}
		return colIntFrame, dst
	}
	dst = append(binary.AppendUvarint(binary.AppendUvarint(dst, zigzag(lo)), step), byte(w))
	return colIntPacked, appendPacked(dst, w, len(vals), func(i int) uint64 { return uint64(vals[i]-lo) / step })
}

// ints reads m integers of an integer body kind and calls fn with each.
func (r *colReader) ints(kind byte, m int, fn func(int64)) error {
	switch kind {
	case colInt, colIntDelta:
		prev := int64(0)
		for j := 0; j < m && r.err == nil; j++ {
			v := unzigzag(r.uvarint())
			if kind == colIntDelta {
				v += prev
				prev = v
			}
			if r.err == nil {
				fn(v)
			}
		}
	case colIntFrame:
		base, step := unzigzag(r.uvarint()), r.uvarint()
		if r.err == nil && step == 0 {
			return errColumnValue
		}
		for j := 0; j < m && r.err == nil; j++ {
			if x := r.uvarint(); r.err == nil {
				fn(base + int64(step*x))
			}
		}
	case colIntPacked:
		base, step, w := unzigzag(r.uvarint()), r.uvarint(), r.bytes(1)
		if r.err == nil && (step == 0 || w[0] < 1 || w[0] > 64) {
			return errColumnValue
		}
		if r.err == nil {
			r.packed(m, int(w[0]), func(x uint64) { fn(base + int64(step*x)) })
		}
	default:
		return errColumnKind
	}
	return r.err
}

package codec

import (
	"encoding/binary"
	"unicode/utf8"
)

// String column bodies. Text is written without lengths between the
// strings (colStringSplit, colStringDictSplit): the lengths go first,
// as an integer body, and a cut (answer.go) ends their zstd block before
// the text, so the text's block holds text only. On CRM first loads
// that is about 1-2% smaller than lengths before each string (kinds 5
// and 6, which the decoder still reads).

// minDictSaving is how much smaller than the plain strings, in bytes
// before zstd, a dictionary must be for a column to be sent as one:
// zstd finds most repeats in plain text itself, and a dictionary whose
// raw saving is small codes worse once compressed (measured on CRM-N and
// the outside fixture: 1.0 to 0.2 of the plain size, 0.8 best).
const minDictSaving = 0.8

// stringBody appends the strings of ce.vals as scaled decimals, a
// dictionary or plain text, and returns the kind.
func (ce *colEncoder) stringBody(dst []byte) (byte, []byte) {
	plain, dictSize := 0, 0
	clear(ce.index)
	if ce.index == nil {
		ce.index = map[string]int{}
	}
	ce.ints = ce.ints[:0]
	scale, decimal := -1, true
	decSize := 1
	for _, v := range ce.vals {
		s := v.(string)
		plain += varintLen(uint64(len(s))) + len(s)
		i, ok := ce.index[s]
		if !ok {
			i = len(ce.index)
			ce.index[s] = i
			dictSize += varintLen(uint64(len(s))) + len(s)
		}
		dictSize += varintLen(uint64(i))
		if decimal {
			u, sc, ok := parseDecimal(s)
			decimal = ok && (scale < 0 || sc == scale)
			scale = sc
			ce.ints = append(ce.ints, u)
			decSize += varintLen(zigzag(u))
		}
	}
	dictSize += varintLen(uint64(len(ce.index)))
	switch {
	case decimal && decSize <= plain && decSize <= dictSize:
		return ce.decimalBody(dst, scale, decSize)
	case float64(dictSize) < minDictSaving*float64(plain):
		return ce.dictBody(dst)
	}
	ce.ints = ce.ints[:0]
	for _, v := range ce.vals {
		ce.ints = append(ce.ints, int64(len(v.(string))))
	}
	dst = ce.lengths(dst, ce.ints)
	for _, v := range ce.vals {
		dst = append(dst, v.(string)...)
	}
	return colStringSplit, dst
}

// decimalBody appends the unscaled decimals in ce.ints: as an integer
// body (colDecimalInts) when that is smaller than varints (colDecimal,
// decSize bytes with the scale).
func (ce *colEncoder) decimalBody(dst []byte, scale, decSize int) (byte, []byte) {
	at := len(dst)
	k, out := intBody(append(dst, byte(scale), 0), ce.ints)
	if len(out)-at < decSize {
		out[at+1] = k
		return colDecimalInts, out
	}
	dst = append(out[:at], byte(scale))
	for _, u := range ce.ints {
		dst = binary.AppendUvarint(dst, zigzag(u))
	}
	return colDecimal, dst
}

// dictBody appends ce.vals as a colStringDictSplit body, its entries in
// order of first use (ce.index numbers them).
func (ce *colEncoder) dictBody(dst []byte) (byte, []byte) {
	dst = binary.AppendUvarint(dst, uint64(len(ce.index)))
	ce.ints = ce.ints[:0]
	for _, v := range ce.vals {
		if s := v.(string); ce.index[s] == len(ce.ints) {
			ce.ints = append(ce.ints, int64(len(s)))
		}
	}
	dst = ce.lengths(dst, ce.ints)
	n := 0
	for _, v := range ce.vals {
		if s := v.(string); ce.index[s] == n {
			dst = append(dst, s...)
			n++
		}
	}
	ce.cut(len(dst))
	ce.ints = ce.ints[:0]
	for _, v := range ce.vals {
		ce.ints = append(ce.ints, int64(ce.index[v.(string)]))
	}
	return colStringDictSplit, appendIntBody(dst, ce.ints)
}

// lengths appends the integer body of lens and cuts after it: text
// follows.
func (ce *colEncoder) lengths(dst []byte, lens []int64) []byte {
	if len(lens) == 0 {
		return append(dst, colInt)
	}
	dst = appendIntBody(dst, lens)
	ce.cut(len(dst))
	return dst
}

// cut records a cut at offset off of the block, when cuts are kept.
func (ce *colEncoder) cut(off int) {
	if ce.cuts != nil {
		*ce.cuts = append(*ce.cuts, off)
	}
}

// appendIntBody appends a kind byte and the integer body of vals (at
// least one) of that kind.
func appendIntBody(dst []byte, vals []int64) []byte {
	at := len(dst)
	k, out := intBody(append(dst, 0), vals)
	out[at] = k
	return out
}

// splitStrings reads m strings as colStringSplit writes them: a kind
// byte, an integer body of their byte lengths, then their bytes. The
// bytes become one Go string, which the m strings share.
func (r *colReader) splitStrings(m int) []string {
	k := r.bytes(1)
	if r.err != nil {
		return nil
	}
	if !intKind(k[0]) {
		r.fail(errColumnValue)
		return nil
	}
	lens := make([]int, 0, min(m, len(r.b)))
	total := uint64(0)
	err := r.ints(k[0], m, func(l int64) {
		if l < 0 || uint64(l) > uint64(len(r.b)) {
			r.fail(errColumnShort)
			return
		}
		total += uint64(l)
		lens = append(lens, int(l))
	})
	if err != nil {
		return nil
	}
	b := r.bytes(total)
	if r.err != nil {
		return nil
	}
	all := string(b)
	out := make([]string, 0, m)
	for _, l := range lens {
		out = append(out, all[:l])
		all = all[l:]
	}
	for _, s := range out {
		if !utf8.ValidString(s) {
			r.fail(errBadUTF8)
			return nil
		}
	}
	return out
}

// dictSplit reads a colStringDictSplit body of m values and calls put
// with each.
func (r *colReader) dictSplit(m int, put func(any)) error {
	k := r.uvarint()
	if r.err == nil && k > uint64(len(r.b)) { // a byte a length at least
		return r.err2(errColumnShort)
	}
	dict := boxed(r.splitStrings(int(k)))
	kx := r.bytes(1)
	if r.err != nil {
		return r.err
	}
	if !intKind(kx[0]) {
		return errColumnValue
	}
	return r.ints(kx[0], m, func(i int64) {
		if i < 0 || i >= int64(len(dict)) {
			r.fail(errColumnValue)
			return
		}
		put(dict[i])
	})
}

package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// DecodeColumns decodes a columnar block (columnar.go) of rows of width
// values each, the inverse of [AppendColumns]: values come back as nil,
// bool, int64 (uint64 above it, in a colAny column), float64, string or
// []byte, so that DecodeColumns(AppendColumns(rows)) equals rows with
// their integers as int64 and float32s as float64. The system fields are
// checked for kind (a non-null id of 16 bytes, non-null integers), not for
// meaning (refs in range). Truncated, unknown or trailing bytes fail with
// [ErrMalformed]. It never panics, and allocates at most a small constant
// times len(data): it checks that the block's row count fits its bytes
// before allocating the rows.
func DecodeColumns(data []byte, width int) ([][]any, error) {
	rows, err := decodeColumns(data, width)
	if err != nil {
		return nil, fmt.Errorf("decode columns: %w: %w", err, ErrMalformed)
	}
	return rows, nil
}

func decodeColumns(data []byte, width int) ([][]any, error) {
	r := colReader{b: data}
	n64 := r.uvarint()
	if r.err != nil {
		return nil, r.err
	}
	if width < systemColumns {
		return nil, errColumnRows
	}
	// The id column takes at least a byte a row (kind colGUIDDict), and
	// every column at least ceil(n/8) bytes: n*width <= 8*len(data).
	rest := uint64(len(r.b))
	if n64 > rest || uint64(width) > rest+1 || uint64(width)*((n64+7)/8) > rest {
		return nil, errColumnShort
	}
	n := int(n64)
	cells := make([]any, n*width)
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = cells[i*width : (i+1)*width : (i+1)*width]
	}
	for c := 0; c < width && r.err == nil; c++ {
		if err := r.column(cells, n, width, c); err != nil {
			return nil, fmt.Errorf("column %d: %w", c, err)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, errColumnTrail
	}
	return rows, nil
}

// column decodes column c of n rows into cells.
func (r *colReader) column(cells []any, n, width, c int) error {
	tag := r.bytes(1)
	if r.err != nil {
		return r.err
	}
	kind := tag[0] &^ colNulls
	var present []byte
	m := n
	if tag[0]&colNulls != 0 {
		present, m = r.bitmap(n)
	}
	switch {
	case c >= systemColumns:
	case present != nil:
		return errSystemField
	case c == 0 && kind != colGUID && kind != colGUIDDict, c > 0 && !intKind(kind):
		return errSystemField
	}
	switch kind {
	case colMapped:
		if present != nil {
			return errColumnValue
		}
		return r.mapped(cells, n, width, c)
	case colJoined:
		return r.joined(cells, n, width, c, present, m)
	}
	row := -1
	put := func(v any) { // the next present row's value
		row++
		for present != nil && !bitSet(present, row) {
			row++
		}
		cells[row*width+c] = v
	}
	return r.body(kind, m, put)
}

// body decodes a column body of kind (any kind but colMapped and
// colJoined) holding m values, and calls put with each in order.
func (r *colReader) body(kind byte, m int, put func(any)) error {
	switch kind {
	case colBool:
		vb, _ := r.bitmap(m)
		for j := 0; j < m && r.err == nil; j++ {
			put(bitSet(vb, j))
		}
	case colInt, colIntDelta, colIntFrame, colIntPacked:
		if err := r.ints(kind, m, func(v int64) { put(v) }); err != nil {
			return err
		}
	case colFloat:
		b := r.bytes(8 * uint64(m))
		for j := 0; j < m && r.err == nil; j++ {
			f := math.Float64frombits(binary.LittleEndian.Uint64(b[8*j:]))
			if !finite(f) {
				return errNonFinite
			}
			put(f)
		}
	case colString:
		for _, s := range r.strings(uint64(m)) {
			put(s)
		}
	case colStringSplit:
		for _, s := range r.splitStrings(m) {
			put(s)
		}
	case colStringDictSplit:
		if err := r.dictSplit(m, put); err != nil {
			return err
		}
	case colStringDict:
		dict := boxed(r.strings(r.uvarint()))
		r.indexes(m, len(dict), func(i uint64) { put(dict[i]) })
	case colDecimal:
		scale := r.bytes(1)
		if r.err == nil && scale[0] > maxDecimalScale {
			return errColumnValue
		}
		for j := 0; j < m && r.err == nil; j++ {
			put(formatDecimal(unzigzag(r.uvarint()), int(scale[0])))
		}
	case colDecimalInts:
		head := r.bytes(2)
		if r.err == nil && (head[0] > maxDecimalScale || !intKind(head[1])) {
			return errColumnValue
		}
		if r.err == nil {
			if err := r.ints(head[1], m, func(v int64) { put(formatDecimal(v, int(head[0]))) }); err != nil {
				return err
			}
		}
	case colGUID:
		b := append([]byte(nil), r.bytes(16*uint64(m))...)
		for j := 0; j < m && r.err == nil; j++ {
			put(b[16*j : 16*j+16 : 16*j+16])
		}
	case colGUIDDict:
		k := r.uvarint()
		if k > uint64(len(r.b))/16 {
			return r.err2(errColumnShort)
		}
		b := append([]byte(nil), r.bytes(16*k)...)
		guids := make([]any, len(b)/16) // each boxed once, however often it repeats
		for i := range guids {
			guids[i] = b[16*i : 16*i+16 : 16*i+16]
		}
		r.indexes(m, len(guids), func(i uint64) { put(guids[i]) })
	case colAny:
		for j := 0; j < m && r.err == nil; j++ {
			put(r.anyValue())
		}
	default:
		return errColumnKind
	}
	return r.err
}

// strings reads k length-prefixed UTF-8 strings. Their bytes become one
// Go string, which the k strings share.
func (r *colReader) strings(k uint64) []string {
	if r.err != nil {
		return nil
	}
	if k > uint64(len(r.b)) { // each takes at least its length's byte
		r.fail(errColumnShort)
		return nil
	}
	start := r.b
	for range k {
		if b := r.bytes(r.uvarint()); r.err == nil && !utf8.Valid(b) {
			r.fail(errBadUTF8)
		}
	}
	if r.err != nil {
		return nil
	}
	region := start[:len(start)-len(r.b)]
	all := string(region)
	out := make([]string, 0, k)
	for off := 0; off < len(all); {
		l, w := binary.Uvarint(region[off:])
		off += w
		out = append(out, all[off:off+int(l)])
		off += int(l)
	}
	return out
}

// boxed returns strs as interface values, each boxed once: a dictionary's
// entries repeat over the rows, and boxing a string on each use
// allocated its header again.
func boxed(strs []string) []any {
	out := make([]any, len(strs))
	for i, s := range strs {
		out[i] = s
	}
	return out
}

// err2 is the reader's first error, or else err.
func (r *colReader) err2(err error) error {
	r.fail(err)
	return r.err
}

// indexes reads m uvarint indexes below k and calls fn with each.
func (r *colReader) indexes(m, k int, fn func(uint64)) {
	for j := 0; j < m && r.err == nil; j++ {
		i := r.uvarint()
		if r.err == nil && i >= uint64(k) {
			r.fail(errColumnValue)
			return
		}
		if r.err == nil {
			fn(i)
		}
	}
}

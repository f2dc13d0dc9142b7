package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// AppendColumns appends the columnar block (columnar.go) of rows to dst.
// Every row holds width values: the six system fields (a 16-byte id, the
// owner and business-unit refs, createdon, modifiedon and version, all
// integers), then one value per attribute column. A value is nil, bool,
// an integer of any Go type, float64 or float32 (finite), string (valid
// UTF-8) or []byte. Each column gets the smallest of the kinds that hold
// its values exactly; the bytes depend only on rows and width. Rows that
// break these rules fail with [ErrMalformed].
func AppendColumns(dst []byte, rows [][]any, width int) ([]byte, error) {
	return appendColumns(dst, rows, width, nil)
}

// appendColumns is AppendColumns that also appends to cuts the offsets in
// dst where each column but the first starts, and where the text of a
// string column starts and ends (answer.go, columnar_strings.go).
func appendColumns(dst []byte, rows [][]any, width int, cuts *[]int) ([]byte, error) {
	return appendColumnsDerive(dst, rows, width, cuts, false)
}

// appendColumnsDerive is appendColumns that, with derive, also tries the
// derived kinds (columnar_derived.go).
func appendColumnsDerive(dst []byte, rows [][]any, width int, cuts *[]int, derive bool) ([]byte, error) {
	if width < systemColumns {
		return dst, fmt.Errorf("encode columns: width %d: %w: %w", width, errColumnRows, ErrMalformed)
	}
	for i, r := range rows {
		if len(r) != width {
			return dst, fmt.Errorf("encode columns: row %d has %d values, want %d: %w: %w", i, len(r), width, errColumnRows, ErrMalformed)
		}
	}
	out := binary.AppendUvarint(dst, uint64(len(rows)))
	ce := colEncoder{cuts: cuts, derive: derive}
	for c := range width {
		if cuts != nil && c > 0 {
			*cuts = append(*cuts, len(out))
		}
		var err error
		if out, err = ce.column(out, rows, c); err != nil {
			return dst, fmt.Errorf("encode columns: column %d: %w: %w", c, err, ErrMalformed)
		}
	}
	return out, nil
}

// Value classes of a column, before its kind is chosen.
const (
	classNone = iota // only nulls so far
	classBool
	classInt
	classFloat
	classString
	classGUID
	classAny
)

// colEncoder holds the scratch space of one column at a time.
type colEncoder struct {
	cuts  *[]int
	vals  []any // the non-null values, normalized
	ints  []int64
	index map[string]int
	// derive says to try the derived kinds (columnar_derived.go); keys
	// and first cache, by column, the numbers of its distinct values.
	derive bool
	keys   map[int][]int32
	first  map[int][]int
	// joinedBytes is what the block's colJoined columns make a decoder
	// build so far (maxJoinedBytes).
	joinedBytes int
}

// column appends column c of rows: as colEncoder.plain does, or, when
// ce.derive, as a derived column if that is smaller.
func (ce *colEncoder) column(dst []byte, rows [][]any, c int) ([]byte, error) {
	if !ce.derive || c <= systemColumns || len(rows) == 0 {
		return ce.plain(dst, rows, c)
	}
	at, cutsAt := len(dst), 0
	if ce.cuts != nil {
		cutsAt = len(*ce.cuts)
	}
	out, err := ce.plain(dst, rows, c)
	if err != nil {
		return dst, err
	}
	if d := ce.derived(rows, c); d != nil && len(d) < len(out)-at {
		if ce.cuts != nil {
			*ce.cuts = (*ce.cuts)[:cutsAt]
		}
		out = append(out[:at], d...)
	}
	return out, nil
}

// plain appends column c of rows in the kind among the non-derived ones
// that codes it smallest.
func (ce *colEncoder) plain(dst []byte, rows [][]any, c int) ([]byte, error) {
	ce.vals = ce.vals[:0]
	class := classNone
	for _, r := range rows {
		v, cl, err := classify(r[c])
		if err != nil {
			return dst, err
		}
		if v == nil {
			continue
		}
		ce.vals = append(ce.vals, v)
		switch {
		case class == classNone:
			class = cl
		case class != cl:
			class = classAny
		}
	}
	nulls := len(ce.vals) < len(rows)
	if c == 0 && (class != classGUID || nulls) || c > 0 && c < systemColumns && (class != classInt || nulls) {
		if len(rows) > 0 {
			return dst, errSystemField
		}
	}
	tagAt := len(dst)
	dst = append(dst, 0)
	if nulls {
		dst[tagAt] = colNulls
		dst = appendBitmap(dst, len(rows), func(i int) bool { return rows[i][c] != nil })
	}
	var kind byte
	switch class {
	case classBool:
		kind = colBool
		dst = appendBitmap(dst, len(ce.vals), func(i int) bool { return ce.vals[i].(bool) })
	case classInt:
		ce.ints = ce.ints[:0]
		for _, v := range ce.vals {
			ce.ints = append(ce.ints, v.(int64))
		}
		kind, dst = intBody(dst, ce.ints)
	case classFloat:
		kind = colFloat
		for _, v := range ce.vals {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v.(float64)))
		}
	case classString:
		kind, dst = ce.stringBody(dst)
	case classGUID:
		kind, dst = ce.guidBody(dst)
	case classNone: // no value: an empty block's system column, or all null
		kind = colAny
		if c < systemColumns {
			kind = colInt
		}
		if c == 0 {
			kind = colGUID
		}
	default:
		kind = colAny
		for _, v := range ce.vals {
			dst, _ = appendAnyValue(dst, v)
		}
	}
	dst[tagAt] |= kind
	return dst, nil
}

// classify normalizes one value and names its class; nil is nil.
func classify(v any) (any, int, error) {
	switch x := v.(type) {
	case nil:
		return nil, classNone, nil
	case bool:
		return v, classBool, nil
	case int64:
		return v, classInt, nil
	case float64:
		if !finite(x) {
			return nil, 0, errNonFinite
		}
		return v, classFloat, nil
	case float32:
		return classify(float64(x))
	case string:
		if !utf8.ValidString(x) {
			return nil, 0, errBadUTF8
		}
		return v, classString, nil
	case []byte:
		if len(x) == 16 {
			return v, classGUID, nil
		}
		return v, classAny, nil
	case uint64:
		if x > math.MaxInt64 {
			return x, classAny, nil
		}
		return int64(x), classInt, nil
	case uint:
		return classify(uint64(x))
	}
	if n, ok := AsInt64(v); ok {
		return n, classInt, nil
	}
	if n, ok := v.(int); ok {
		return int64(n), classInt, nil
	}
	return nil, 0, fmt.Errorf("%w %T", errBadValType, v)
}

// gcd is the greatest common divisor of a and b; gcd(0, b) is b.
func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// guidBody appends the GUIDs of ce.vals, plain or as a dictionary,
// whichever is smaller.
func (ce *colEncoder) guidBody(dst []byte) (byte, []byte) {
	clear(ce.index)
	if ce.index == nil {
		ce.index = map[string]int{}
	}
	dictSize := 0
	for _, v := range ce.vals {
		g := string(v.([]byte))
		i, ok := ce.index[g]
		if !ok {
			i = len(ce.index)
			ce.index[g] = i
			dictSize += 16
		}
		dictSize += varintLen(uint64(i))
	}
	dictSize += varintLen(uint64(len(ce.index)))
	if dictSize >= 16*len(ce.vals) {
		for _, v := range ce.vals {
			dst = append(dst, v.([]byte)...)
		}
		return colGUID, dst
	}
	dst = binary.AppendUvarint(dst, uint64(len(ce.index)))
	n := 0
	for _, v := range ce.vals {
		if g := v.([]byte); ce.index[string(g)] == n {
			dst = append(dst, g...)
			n++
		}
	}
	for _, v := range ce.vals {
		dst = binary.AppendUvarint(dst, uint64(ce.index[string(v.([]byte))]))
	}
	return colGUIDDict, dst
}

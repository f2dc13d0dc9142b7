package client

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/offsync/offsync/codec"
)

// A pull's upserts arrive as wire rows ([id, owner ref, business unit
// ref, createdon, modifiedon, version, value per column], see
// codec.EntityChanges) and are stored in the local row encoding
// (codec.MarshalRow of the Row they stand for). appendWireRow writes those
// bytes straight from the wire row: no Row, no attribute map and no
// sorting per row (the columns are sorted once per entity). The bytes are
// exactly codec.MarshalRow's (TestWireRowsEncodeAsMarshalRow).

// wireCols is an entity's columns in the order the local encoding writes
// attributes: by name.
type wireCols struct {
	names []string
	// order lists the indexes into names, sorted by name.
	order []int
	// dup says two columns share a name: the wire row then goes through
	// decodeWireRow (the last non-nil value wins), not appendWireRow.
	dup bool
}

func newWireCols(names []string) wireCols {
	c := wireCols{names: names, order: make([]int, len(names))}
	for i := range c.order {
		c.order[i] = i
	}
	slices.SortStableFunc(c.order, func(a, b int) int {
		switch {
		case names[a] < names[b]:
			return -1
		case names[a] > names[b]:
			return 1
		}
		return 0
	})
	for i := 1; i < len(c.order); i++ {
		if names[c.order[i]] == names[c.order[i-1]] {
			c.dup = true
		}
	}
	return c
}

// wireHead is what a wire row says besides its attribute values.
type wireHead struct {
	id                    [16]byte
	owner, businessUnit   string
	createdOn, modifiedOn int64
	version               uint64
}

// decodeWireHead checks a wire row's length and decodes its system
// fields, as decodeWireRow does.
func decodeWireHead(w []any, ncols int, refs []string) (wireHead, error) {
	bad := func(what string) (wireHead, error) {
		return wireHead{}, fmt.Errorf("decode row: %s: %w", what, ErrResponse)
	}
	var h wireHead
	if len(w) != 6+ncols {
		return bad("wrong number of fields")
	}
	idb, ok := w[0].([]byte)
	if !ok || len(idb) != 16 {
		return bad("id")
	}
	copy(h.id[:], idb)
	for i, dst := range [2]*string{&h.owner, &h.businessUnit} {
		n, ok := codec.AsInt64(w[1+i])
		if !ok || n >= int64(len(refs)) || n < -1 {
			return bad("ref")
		}
		if n >= 0 {
			*dst = refs[n]
		}
	}
	c, ok1 := codec.AsInt64(w[3])
	m, ok2 := codec.AsInt64(w[4])
	v, ok3 := codec.AsInt64(w[5])
	if !ok1 || !ok2 || !ok3 {
		return bad("system field")
	}
	h.createdOn, h.modifiedOn, h.version = c, m, uint64(v)
	return h, nil
}

// appendWireRow appends the local encoding of wire row w, whose head h
// decodeWireHead returned, to dst.
func appendWireRow(dst []byte, h *wireHead, w []any, cols *wireCols) ([]byte, error) {
	attrs := 0
	for _, v := range w[6:] {
		if v != nil {
			attrs++
		}
	}
	n := 4
	for _, set := range [...]bool{h.owner != "", h.businessUnit != "", attrs > 0} {
		if set {
			n++
		}
	}
	dst = append(dst, 0x80|byte(n)) // fixmap: at most 7 fields
	dst = appendStr(dst, "id")
	dst = appendGUID(dst, h.id[:])
	if h.owner != "" {
		dst = appendStr(appendStr(dst, "o"), h.owner)
	}
	if h.businessUnit != "" {
		dst = appendStr(appendStr(dst, "b"), h.businessUnit)
	}
	dst = appendInt(appendStr(dst, "c"), h.createdOn)
	dst = appendInt(appendStr(dst, "m"), h.modifiedOn)
	dst = appendUint(appendStr(dst, "v"), h.version)
	if attrs == 0 {
		return dst, nil
	}
	dst = appendMapLen(appendStr(dst, "a"), attrs)
	for _, i := range cols.order {
		v := w[6+i]
		if v == nil {
			continue
		}
		dst = appendStr(dst, cols.names[i])
		var err error
		if dst, err = appendWireValue(dst, v); err != nil {
			return nil, fmt.Errorf("decode row: value of %s: %w: %w", cols.names[i], err, ErrResponse)
		}
	}
	return dst, nil
}

// appendWireValue appends one attribute value as the local encoding
// holds it: GUIDs as strings, every integer as int64 (beyond it float64),
// floats as float64; what codec.MarshalRow refuses is refused.
func appendWireValue(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		if len(x) != 16 {
			return nil, fmt.Errorf("guid of %d bytes", len(x))
		}
		return appendGUID(dst, x), nil
	case string:
		if !utf8.ValidString(x) {
			return nil, fmt.Errorf("invalid UTF-8")
		}
		return appendStr(dst, x), nil
	case bool:
		if x {
			return append(dst, 0xc3), nil
		}
		return append(dst, 0xc2), nil
	case float64:
		return appendFloat(dst, x)
	case float32:
		return appendFloat(dst, float64(x))
	case int:
		return appendInt(dst, int64(x)), nil
	case uint64:
		if x > math.MaxInt64 {
			return appendFloat(dst, float64(x))
		}
	}
	n, ok := codec.AsInt64(v)
	if !ok {
		return nil, fmt.Errorf("value of type %T", v)
	}
	return appendInt(dst, n), nil
}

func appendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("non-finite float")
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xcb), math.Float64bits(f)), nil
}

// The msgpack forms below are those of the msgpack package's Encoder,
// which codec.MarshalRow uses: the smallest for lengths and integers.

func appendStrLen(dst []byte, n int) []byte {
	switch {
	case n < 32:
		return append(dst, 0xa0|byte(n))
	case n < 256:
		return append(dst, 0xd9, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, 0xda), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(dst, 0xdb), uint32(n))
}

func appendStr(dst []byte, s string) []byte { return append(appendStrLen(dst, len(s)), s...) }

func appendMapLen(dst []byte, n int) []byte {
	switch {
	case n < 16:
		return append(dst, 0x80|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, 0xde), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(dst, 0xdf), uint32(n))
}

func appendUint(dst []byte, n uint64) []byte {
	switch {
	case n <= math.MaxInt8:
		return append(dst, byte(n))
	case n <= math.MaxUint8:
		return append(dst, 0xcc, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, 0xcd), uint16(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, 0xce), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xcf), n)
}

func appendInt(dst []byte, n int64) []byte {
	switch {
	case n >= 0:
		return appendUint(dst, uint64(n))
	case n >= -32:
		return append(dst, byte(n))
	case n >= math.MinInt8:
		return append(dst, 0xd0, byte(n))
	case n >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(dst, 0xd1), uint16(n))
	case n >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(dst, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xd3), uint64(n))
}

// appendGUID appends the 36-character string of a 16-byte GUID, as
// codec.GUIDString writes it.
func appendGUID(dst []byte, b []byte) []byte {
	dst = append(dst, 0xd9, 36)
	return appendGUIDText(dst, b)
}

// appendGUIDText appends the GUID's text alone.
func appendGUIDText(dst []byte, b []byte) []byte {
	const digits = "0123456789abcdef"
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, digits[x>>4], digits[x&0x0f])
	}
	return dst
}

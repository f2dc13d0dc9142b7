package codec

import (
	"encoding/binary"
	"math"
	"unicode/utf8"
)

// The values of a colAny column: msgpack scalars, written and read here
// without the msgpack package, so that a hostile length costs nothing
// before it is checked against the bytes that remain.

// appendAnyValue appends v as one msgpack scalar: integers in their
// smallest form, floats as float64.
func appendAnyValue(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return append(dst, 0xc3), true
		}
		return append(dst, 0xc2), true
	case int64:
		return appendMsgpackInt(dst, x), true
	case uint64:
		if x <= math.MaxInt64 {
			return appendMsgpackInt(dst, int64(x)), true
		}
		return binary.BigEndian.AppendUint64(append(dst, 0xcf), x), true
	case float64:
		if !finite(x) {
			return dst, false
		}
		return binary.BigEndian.AppendUint64(append(dst, 0xcb), math.Float64bits(x)), true
	case string:
		if !utf8.ValidString(x) {
			return dst, false
		}
		return append(appendMsgpackLen(dst, len(x), 0xa0, 0xd9), x...), true
	case []byte:
		return append(appendMsgpackLen(dst, len(x), 0, 0xc4), x...), true
	}
	return dst, false
}

// appendMsgpackInt appends v in its smallest msgpack integer form.
func appendMsgpackInt(dst []byte, v int64) []byte {
	switch {
	case v >= 0 && v <= 127, v < 0 && v >= -32:
		return append(dst, byte(v))
	case v >= 0 && v <= math.MaxUint8:
		return append(dst, 0xcc, byte(v))
	case v >= 0 && v <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, 0xcd), uint16(v))
	case v >= 0 && v <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, 0xce), uint32(v))
	case v >= 0:
		return binary.BigEndian.AppendUint64(append(dst, 0xcf), uint64(v))
	case v >= math.MinInt8:
		return append(dst, 0xd0, byte(v))
	case v >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(dst, 0xd1), uint16(v))
	case v >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(dst, 0xd2), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xd3), uint64(v))
}

// appendMsgpackLen appends a str (fix 0xa0, base 0xd9) or bin (no fix
// form, base 0xc4) header of n bytes.
func appendMsgpackLen(dst []byte, n int, fix, base byte) []byte {
	switch {
	case fix != 0 && n < 32:
		return append(dst, fix|byte(n))
	case n <= math.MaxUint8:
		return append(dst, base, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, base+1), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(dst, base+2), uint32(n))
}

// anyValue reads one msgpack scalar: integers as int64 (uint64 beyond
// it), float32 and float64 as float64, str as string, bin as []byte.
func (r *colReader) anyValue() any {
	b := r.bytes(1)
	if r.err != nil {
		return nil
	}
	c := b[0]
	be := func(n uint64) uint64 {
		var v uint64
		for _, x := range r.bytes(n) {
			v = v<<8 | uint64(x)
		}
		return v
	}
	var v any
	switch {
	case c <= 0x7f:
		v = int64(c)
	case c >= 0xe0:
		v = int64(int8(c))
	case c == 0xc2 || c == 0xc3:
		v = c == 0xc3
	case c >= 0xcc && c <= 0xce:
		v = int64(be(1 << (c - 0xcc)))
	case c == 0xcf:
		if u := be(8); u <= math.MaxInt64 {
			v = int64(u)
		} else {
			v = u
		}
	case c >= 0xd0 && c <= 0xd3:
		n := uint(8) << (c - 0xd0)
		u := be(uint64(n / 8))
		v = int64(u<<(64-n)) >> (64 - n) // sign-extend
	case c == 0xca:
		v = float64(math.Float32frombits(uint32(be(4))))
	case c == 0xcb:
		v = math.Float64frombits(be(8))
	case c >= 0xa0 && c <= 0xbf:
		v = r.str(uint64(c & 0x1f))
	case c >= 0xd9 && c <= 0xdb:
		v = r.str(be(1 << (c - 0xd9)))
	case c >= 0xc4 && c <= 0xc6:
		b := r.bytes(be(1 << (c - 0xc4)))
		v = append(make([]byte, 0, len(b)), b...)
	default:
		r.fail(errColumnValue)
	}
	if f, ok := v.(float64); ok && !finite(f) {
		r.fail(errColumnValue)
	}
	if r.err != nil {
		return nil
	}
	return v
}

// str reads n bytes of UTF-8 as a string.
func (r *colReader) str(n uint64) string {
	b := r.bytes(n)
	if r.err == nil && !utf8.Valid(b) {
		r.fail(errBadUTF8)
	}
	return string(b)
}

package client

import (
	"math"

	"github.com/offsync/offsync/codec"
)

// The local store keeps rows in the codec's row encoding, written and read
// without reflection (codec.MarshalRow, codec.UnmarshalRow): a first load
// stores every row it receives. Rows stored by older versions (the
// reflective encoding of Row, with the same keys) decode the same way.

// encodeLocalRow encodes a row for the local store.
func encodeLocalRow(r *Row) ([]byte, error) {
	cr := codec.Row{ID: r.ID, OwnerID: r.OwnerID, OwningBusinessUnit: r.OwningBusinessUnit,
		CreatedOn: r.CreatedOn, ModifiedOn: r.ModifiedOn, Version: r.Version, Attrs: r.Attrs}
	return codec.MarshalRow(&cr)
}

// decodeLocalRow decodes a row of the local store into r.
func decodeLocalRow(b []byte, r *Row) error {
	var cr codec.Row
	if err := codec.UnmarshalRow(b, &cr); err != nil {
		return err
	}
	*r = Row{ID: cr.ID, OwnerID: cr.OwnerID, OwningBusinessUnit: cr.OwningBusinessUnit,
		CreatedOn: cr.CreatedOn, ModifiedOn: cr.ModifiedOn, Version: cr.Version, Attrs: cr.Attrs}
	return nil
}

// localModifiedOn reads only the modifiedon of a stored row: the fields
// the encoding writes before it (id, o, b, c: strings and integers) are
// skipped without decoding the row. Anything else falls back to
// decodeLocalRow.
func localModifiedOn(b []byte) (int64, error) {
	if m, ok := scanModifiedOn(b); ok {
		return m, nil
	}
	var r Row
	if err := decodeLocalRow(b, &r); err != nil {
		return 0, err
	}
	return r.ModifiedOn, nil
}

// scanModifiedOn finds the "m" field of a msgpack map of string keys
// whose values up to it are strings or integers.
func scanModifiedOn(b []byte) (int64, bool) {
	if len(b) == 0 || b[0]&0xf0 != 0x80 { // a fixmap: rows have at most 8 fields
		return 0, false
	}
	n, p := int(b[0]&0x0f), 1
	for range n {
		key, next, ok := scanStr(b, p)
		if !ok {
			return 0, false
		}
		p = next
		if string(key) == "m" {
			m, _, ok := scanInt(b, p)
			return m, ok
		}
		if _, next, ok = scanStr(b, p); !ok {
			if _, next, ok = scanInt(b, p); !ok {
				return 0, false
			}
		}
		p = next
	}
	return 0, false
}

// scanStr reads a msgpack string at b[p:].
func scanStr(b []byte, p int) ([]byte, int, bool) {
	if p >= len(b) {
		return nil, 0, false
	}
	c, n := b[p], 0
	switch {
	case c&0xe0 == 0xa0:
		n, p = int(c&0x1f), p+1
	case c == 0xd9 && p+1 < len(b):
		n, p = int(b[p+1]), p+2
	case c == 0xda && p+2 < len(b):
		n, p = int(b[p+1])<<8|int(b[p+2]), p+3
	default:
		return nil, 0, false
	}
	if p+n > len(b) {
		return nil, 0, false
	}
	return b[p : p+n], p + n, true
}

// scanInt reads a msgpack integer at b[p:] (a uint64 beyond int64 is not
// one).
func scanInt(b []byte, p int) (int64, int, bool) {
	if p >= len(b) {
		return 0, 0, false
	}
	c := b[p]
	if c <= 0x7f || c >= 0xe0 {
		return int64(int8(c)), p + 1, true
	}
	var size int
	switch c {
	case 0xcc, 0xd0:
		size = 1
	case 0xcd, 0xd1:
		size = 2
	case 0xce, 0xd2:
		size = 4
	case 0xcf, 0xd3:
		size = 8
	}
	if size == 0 || p+1+size > len(b) {
		return 0, 0, false
	}
	var u uint64
	for _, x := range b[p+1 : p+1+size] {
		u = u<<8 | uint64(x)
	}
	switch c {
	case 0xcf:
		if u > math.MaxInt64 {
			return 0, 0, false
		}
		return int64(u), p + 1 + size, true
	case 0xd0:
		return int64(int8(u)), p + 1 + size, true
	case 0xd1:
		return int64(int16(u)), p + 1 + size, true
	case 0xd2:
		return int64(int32(u)), p + 1 + size, true
	}
	return int64(u), p + 1 + size, true // 0xcc-0xce unsigned, 0xd3 int64
}

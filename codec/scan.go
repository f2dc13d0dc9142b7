package codec

import (
	"encoding/binary"
	"errors"
)

// maxDepth bounds how deeply msgpack arrays and maps may nest. Our own
// messages nest at most a handful of levels; the cap keeps the recursive
// msgpack decoder from exhausting the stack on hostile input.
const maxDepth = 64

var (
	errTruncated = errors.New("truncated input")
	errTrailing  = errors.New("trailing data after value")
	errTooDeep   = errors.New("nesting too deep")
	errBadCode   = errors.New("invalid msgpack code 0xc1")
)

// scanMsgpack checks that data holds exactly one well-formed msgpack value.
//
// msgpack v5 preallocates slices and maps from the element count in their
// headers (for []any, map[string]any and, through a bug in its alloc limit
// check, every typed slice), so a ten-byte input claiming 2^32 elements
// would allocate gigabytes before failing. scanMsgpack walks the value
// without allocating and rejects any header whose elements could not fit
// in the bytes that remain, since every element takes at least one byte.
// Decoded sizes are then bounded by a small constant times len(data).
// It also rejects truncated strings, binaries and extensions, nesting
// deeper than maxDepth, the never-used code 0xc1, and trailing bytes.
func scanMsgpack(data []byte) error {
	var open [maxDepth]int64 // values still to read in each open container
	depth := 0
	pending := int64(1) // values still to read, over all open containers
	pos := 0
	for pending > 0 {
		if pos >= len(data) {
			return errTruncated
		}
		c := data[pos]
		pos++
		pending--
		if depth > 0 {
			open[depth-1]--
		}
		skip, children, ok := headerSize(data, &pos, c)
		if !ok {
			if c == 0xc1 {
				return errBadCode
			}
			return errTruncated
		}
		rest := int64(len(data) - pos)
		if skip > rest {
			return errTruncated
		}
		pos += int(skip)
		rest -= skip
		if children > 0 {
			if depth == maxDepth {
				return errTooDeep
			}
			if pending+children > rest {
				return errTruncated
			}
			pending += children
			open[depth] = children
			depth++
		}
		for depth > 0 && open[depth-1] == 0 {
			depth--
		}
	}
	if pos != len(data) {
		return errTrailing
	}
	return nil
}

// headerSize reads the rest of the header that starts with code c, advancing
// *pos past it. It returns how many payload bytes follow the header and how
// many child values (two per map entry) the value contains. ok is false for
// an invalid code or a header cut short.
func headerSize(data []byte, pos *int, c byte) (skip, children int64, ok bool) {
	switch {
	case c <= 0x7f || c >= 0xe0: // positive and negative fixint
		return 0, 0, true
	case c <= 0x8f: // fixmap
		return 0, 2 * int64(c&0x0f), true
	case c <= 0x9f: // fixarray
		return 0, int64(c & 0x0f), true
	case c <= 0xbf: // fixstr
		return int64(c & 0x1f), 0, true
	}
	switch c {
	case 0xc0, 0xc2, 0xc3: // nil, false, true
		return 0, 0, true
	case 0xcc, 0xd0: // uint8, int8
		return 1, 0, true
	case 0xcd, 0xd1: // uint16, int16
		return 2, 0, true
	case 0xca, 0xce, 0xd2: // float32, uint32, int32
		return 4, 0, true
	case 0xcb, 0xcf, 0xd3: // float64, uint64, int64
		return 8, 0, true
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1, 2, 4, 8, 16 plus a type byte
		return 1 + int64(1)<<(c-0xd4), 0, true
	case 0xc4, 0xd9: // bin8, str8
		n, ok := readLen(data, pos, 1)
		return n, 0, ok
	case 0xc5, 0xda: // bin16, str16
		n, ok := readLen(data, pos, 2)
		return n, 0, ok
	case 0xc6, 0xdb: // bin32, str32
		n, ok := readLen(data, pos, 4)
		return n, 0, ok
	case 0xc7: // ext8: length, type byte, data
		n, ok := readLen(data, pos, 1)
		return n + 1, 0, ok
	case 0xc8: // ext16
		n, ok := readLen(data, pos, 2)
		return n + 1, 0, ok
	case 0xc9: // ext32
		n, ok := readLen(data, pos, 4)
		return n + 1, 0, ok
	case 0xdc: // array16
		n, ok := readLen(data, pos, 2)
		return 0, n, ok
	case 0xdd: // array32
		n, ok := readLen(data, pos, 4)
		return 0, n, ok
	case 0xde: // map16
		n, ok := readLen(data, pos, 2)
		return 0, 2 * n, ok
	case 0xdf: // map32
		n, ok := readLen(data, pos, 4)
		return 0, 2 * n, ok
	}
	return 0, 0, false // 0xc1, never used
}

// readLen reads a big-endian unsigned length of size 1, 2 or 4 bytes.
func readLen(data []byte, pos *int, size int) (int64, bool) {
	if len(data)-*pos < size {
		return 0, false
	}
	b := data[*pos : *pos+size]
	*pos += size
	switch size {
	case 1:
		return int64(b[0]), true
	case 2:
		return int64(binary.BigEndian.Uint16(b)), true
	default:
		return int64(binary.BigEndian.Uint32(b)), true
	}
}

package codec

import (
	"encoding/binary"
	"math/bits"
)

// A small zstd encoder for answers coded with the answer dictionary.
// klauspost/compress's dictionary encoders start every frame by copying
// their hash tables from the dictionary's (256 KB at its fastest level):
// at CRM-medium with 1,000 devices that copy was most of CompressDict,
// itself a tenth of the server's CPU, and the pooled encoders, about a
// megabyte each, were a third of the live heap (docs/benchmarks.md).
// Answers that use the dictionary are small (UseDict), so this encoder
// keeps a read-only hash index of the dictionary's content, built once
// per Dict and shared, and a small index of the answer on the stack. It
// writes the frame the format defines (RFC 8878): one single-segment
// frame without checksum or dictionary id, each block's literals stored
// raw and its sequences coded with the predefined tables (zstdseq.go).
// Any zstd decoder given the dictionary's content as a raw dictionary
// reads it.

const (
	// dictHashLog sizes the dictionary's index.
	dictHashLog = 12
	// localHashLog sizes an answer's index, cleared for each frame.
	localHashLog = 10
	// dictMinMatch is the shortest match taken: 4 bytes, hashed whole.
	dictMinMatch = 4
	// zstdMaxBlock is the largest block the format allows.
	zstdMaxBlock = 128 << 10
)

// dictIndex maps the hash of 4 bytes to 1 + the last position in the
// dictionary's content where they start (0: none).
type dictIndex [1 << dictHashLog]int32

// localIndex is dictIndex for the answer being coded.
type localIndex [1 << localHashLog]int32

// hash4 hashes the 4 bytes at b[i:] to log bits.
func hash4(b []byte, i int, log uint) uint32 {
	return (binary.LittleEndian.Uint32(b[i:]) * 2654435761) >> (32 - log)
}

// newDictIndex indexes content.
func newDictIndex(content []byte) *dictIndex {
	var x dictIndex
	for i := 0; i+dictMinMatch <= len(content); i++ {
		x[hash4(content, i, dictHashLog)] = int32(i + 1)
	}
	return &x
}

// matchLen returns how many bytes a[i:] and b[j:] share, at most limit.
func matchLen(a []byte, i int, b []byte, j, limit int) int {
	limit = min(limit, len(a)-i, len(b)-j)
	n := 0
	for ; n+8 <= limit; n += 8 {
		if x := binary.LittleEndian.Uint64(a[i+n:]) ^ binary.LittleEndian.Uint64(b[j+n:]); x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
	}
	for n < limit && a[i+n] == b[j+n] {
		n++
	}
	return n
}

// encodeDictFrame appends src coded as one zstd frame whose history
// starts with content (indexed by x).
func encodeDictFrame(dst []byte, content []byte, x *dictIndex, src []byte) []byte {
	dst = append(dst, 0x28, 0xb5, 0x2f, 0xfd)
	n := len(src)
	switch {
	case n < 256:
		dst = append(dst, 0x20, byte(n)) // single segment, 1-byte size
	case n < 65536+256:
		dst = append(dst, 0x60, byte(n-256), byte((n-256)>>8))
	default:
		dst = binary.LittleEndian.AppendUint32(append(dst, 0xa0), uint32(n))
	}
	if n == 0 {
		return append(dst, 1, 0, 0) // one empty raw block, the last
	}
	var local localIndex
	for from := 0; from < n; from += zstdMaxBlock {
		to := min(from+zstdMaxBlock, n)
		dst = appendDictBlock(dst, content, x, &local, src, from, to, to == n)
	}
	return dst
}

// appendDictBlock appends the block of src[from:to]; matches may reach
// back into earlier blocks and the dictionary.
func appendDictBlock(dst []byte, content []byte, x *dictIndex, local *localIndex, src []byte, from, to int, last bool) []byte {
	seqs := make([]zseq, 0, 16)
	lits := make([]byte, 0, to-from)
	anchor, i := from, from
	for i+dictMinMatch <= to {
		h := hash4(src, i, localHashLog)
		best, bestOff := 0, 0
		if p := int(local[h]) - 1; p >= 0 {
			if m := matchLen(src, i, src, p, to-i); m >= dictMinMatch {
				best, bestOff = m, i-p
			}
		}
		if p := int(x[hash4(src, i, dictHashLog)]) - 1; p >= 0 {
			if m := matchLen(src, i, content, p, to-i); m > best {
				best, bestOff = m, i+len(content)-p
			}
		}
		local[h] = int32(i + 1)
		if best < dictMinMatch {
			i++
			continue
		}
		lits = append(lits, src[anchor:i]...)
		seqs = append(seqs, zseq{lit: uint32(i - anchor), match: uint32(best), off: uint32(bestOff)})
		for j := i + 1; j < i+best && j+dictMinMatch <= to; j++ {
			local[hash4(src, j, localHashLog)] = int32(j + 1)
		}
		i += best
		anchor = i
	}
	lits = append(lits, src[anchor:to]...)
	hdr := len(dst)
	dst = append(dst, 0, 0, 0)
	dst = appendRawLiterals(dst, lits)
	dst = appendSequences(dst, seqs)
	size := len(dst) - hdr - 3
	if size >= to-from {
		// Not smaller: a raw block.
		dst = append(dst[:hdr+3], src[from:to]...)
		size = to - from
		putBlockHeader(dst[hdr:], size, 0, last)
		return dst
	}
	putBlockHeader(dst[hdr:], size, 2, last)
	return dst
}

// putBlockHeader writes a block header: last flag, type (0 raw, 2
// compressed), size.
func putBlockHeader(b []byte, size, typ int, last bool) {
	v := uint32(size)<<3 | uint32(typ)<<1
	if last {
		v |= 1
	}
	b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16)
}

// appendRawLiterals appends a literals section holding lits raw.
func appendRawLiterals(dst, lits []byte) []byte {
	switch n := len(lits); {
	case n < 32:
		dst = append(dst, byte(n<<3))
	case n < 4096:
		dst = append(dst, byte(n<<4)|1<<2, byte(n>>4))
	default:
		dst = append(dst, byte(n<<4)|3<<2, byte(n>>4), byte(n>>12))
	}
	return append(dst, lits...)
}

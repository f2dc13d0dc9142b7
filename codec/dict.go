package codec

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// The answer dictionary. A delta answer of a few rows is mostly fixed
// bytes (the keys of the answer, the entity's name and column names, the
// user's business unit) around a few random ones (ids, the cursor's
// MAC), too short for zstd to find repeats in. A device that holds the
// metadata of its profile can build the same bytes the server does and
// give them to zstd as a raw-content dictionary: no training, no
// download. The bytes are a template of an answer (docs/protocol.md,
// "The answer dictionary", gives them exactly):
//
//	for each entity, in the metadata's order:
//	  84 a1 'n' <name> a5 "pcols" 91
//	  for each attribute, in order: <attribute name> a1 'p' c4
//	  a4 "cols" <array of the attribute names>
//	  a1 'u' c4 a1 'r' a3 "cut" a3 "due" cf 00 00 01
//	then: 85 a1 'v' cd a2 "mv" ce <metadata version, 4 bytes big-endian>
//	      a2 "cb" c4 17 a4 "refs" 92 c4 10 <business unit, 16 bytes> a1 'e' 91
//
// Strings and arrays are msgpack's shortest forms. Measured on 130 delta
// answers of offsync bench (CRM-small): with this dictionary, 8-byte
// cursor MACs and the cursor as bytes, 0.795 of JSON+gzip against 1.022
// (docs/benchmarks.md).

// DictEntity is one entity of the metadata a dictionary is built from:
// its name and its attributes' names, in the metadata's order.
type DictEntity struct {
	Name    string
	Columns []string
}

// Dict is an answer dictionary: the raw content zstd starts from, and
// the metadata version it was built for. A Dict is safe for concurrent
// use; it pools its decoders.
type Dict struct {
	// ID is the metadata version the dictionary was built from (never 0).
	ID      uint32
	content []byte
	name    string
	// index is the encoder's index of content (dictframe.go), built by
	// the first CompressDict: a device only decodes, and never needs it.
	indexOnce sync.Once
	index     *dictIndex

	decoders sync.Pool
}

// dictDueHigh is the start of a due time (unix ms, msgpack uint64) from
// 2014 to 2039: the dictionary's template of one.
var dictDueHigh = []byte{0xcf, 0, 0, 1}

// NewDict builds the answer dictionary of metadata version mv (not 0)
// for a user of businessUnit (16 bytes, or nil for none: then 16 zero
// bytes) whose profile carries entities.
func NewDict(mv uint32, businessUnit []byte, entities []DictEntity) (*Dict, error) {
	if mv == 0 {
		return nil, fmt.Errorf("build dictionary: metadata version 0: %w", ErrMalformed)
	}
	if businessUnit != nil && len(businessUnit) != 16 {
		return nil, fmt.Errorf("build dictionary: business unit of %d bytes: %w", len(businessUnit), ErrMalformed)
	}
	var b []byte
	for _, e := range entities {
		b = append(b, 0x84, 0xa1, 'n')
		b = appendStr(b, e.Name)
		b = appendStr(b, "pcols")
		b = append(b, 0x91)
		for _, c := range e.Columns {
			b = appendStr(b, c)
			b = append(b, 0xa1, 'p', 0xc4)
		}
		b = appendStr(b, "cols")
		b = appendArrayLen(b, len(e.Columns))
		for _, c := range e.Columns {
			b = appendStr(b, c)
		}
		b = append(b, 0xa1, 'u', 0xc4, 0xa1, 'r', 0xa3, 'c', 'u', 't', 0xa3, 'd', 'u', 'e')
		b = append(b, dictDueHigh...)
	}
	b = append(b, 0x85, 0xa1, 'v', 0xcd, 0xa2, 'm', 'v', 0xce)
	b = binary.BigEndian.AppendUint32(b, mv)
	b = append(b, 0xa2, 'c', 'b', 0xc4, 0x17, 0xa4, 'r', 'e', 'f', 's', 0x92, 0xc4, 0x10)
	if businessUnit == nil {
		businessUnit = make([]byte, 16)
	}
	b = append(b, businessUnit...)
	b = append(b, 0xa1, 'e', 0x91)
	sum := sha256.Sum256(b)
	return &Dict{ID: mv, content: b, name: strconv.FormatUint(uint64(mv), 10) + "." + hex.EncodeToString(sum[:8])}, nil
}

// Content returns the dictionary's bytes (not to be modified).
func (d *Dict) Content() []byte { return d.content }

// Name names the dictionary in an answer's Offsync-Dictionary header:
// its id, a dot, and the first 8 bytes of the SHA-256 of its content in
// lowercase hex. A device whose dictionary has another name (its
// metadata changed and the version, a 31-bit hash, did not) refuses the
// answer rather than decode it with the wrong bytes.
func (d *Dict) Name() string { return d.name }

// appendStr appends s as a msgpack str in its shortest form.
func appendStr(b []byte, s string) []byte {
	switch n := len(s); {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n < 1<<8:
		b = append(b, 0xd9, byte(n))
	case n < 1<<16:
		b = append(b, 0xda, byte(n>>8), byte(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	}
	return append(b, s...)
}

// appendArrayLen appends a msgpack array header of n entries.
func appendArrayLen(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x90|byte(n))
	case n < 1<<16:
		return append(b, 0xdc, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(n))
}

// maxDictAnswer is the size from which an answer is not coded with the
// dictionary: past a few KB an answer's own repeats dominate, and zstd's
// Huffman-coded literals and block cuts (CompressCuts) beat our encoder's
// raw ones. On the columnar answers of codec's benchmarks, with the
// dictionary against CompressCuts: 2,103 B raw → 1,740 against 1,800;
// 3,064 → 2,426 against 2,459; 5,113 → 3,807 against 3,689; 12,428 →
// 8,767 against 7,938.
const maxDictAnswer = 4 << 10

// UseDict reports whether an answer of n bytes is worth coding with a
// dictionary (CompressDict).
func UseDict(n int) bool { return n < maxDictAnswer }

// CompressDict appends src coded as one zstd frame whose history starts
// with d's content (dictframe.go): literals stored raw, sequences coded
// with the format's predefined tables (with raw literals a block gains
// nothing from ending where the answer's bytes change kind, so it takes
// no cuts, unlike CompressCuts). The frame names no dictionary and has no
// checksum: the answer says which dictionary it used (docs/protocol.md),
// and the transport checks the bytes. Any zstd decoder given d's content
// as a raw dictionary reads it.
func CompressDict(d *Dict, dst, src []byte) []byte {
	d.indexOnce.Do(func() { d.index = newDictIndex(d.content) })
	return encodeDictFrame(dst, d.content, d.index, src)
}

// DecompressDict is Decompress for a zstd frame coded with d
// (CompressDict): at most limit bytes, [ErrTooLarge] past it,
// [ErrMalformed] for corrupt input.
func DecompressDict(d *Dict, src []byte, limit int64) ([]byte, error) {
	limit = max(limit, 0)
	if len(src) == 0 {
		return []byte{}, nil
	}
	return decompressZstdWith(&d.decoders, []zstd.DOption{zstd.WithDecoderDictRaw(0, d.content)}, src, limit)
}

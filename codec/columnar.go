package codec

import "errors"

// The columnar row block: how the upserts and patches of one entity
// travel in a msgpack pull answer (the `u` and `p` binaries of
// [EntityChanges]; docs/protocol.md specifies every byte for third-party
// clients).
//
// A block holds n rows of width columns, column after column:
//
//	block  = uvarint(n) column{width}
//	column = tag [presence bitmap, when tag&0x80] body
//
// The first six columns are the system fields: the id (guid kind, no
// nulls), the owner and business-unit refs (ints, -1 for none), createdon,
// modifiedon and version (ints). The others hold one attribute each, in
// the order of `cols` (or `pcols`). The low seven bits of the tag name
// the column's kind; when bit 0x80 is set, a bitmap of ceil(n/8) bytes
// follows, bit i (byte i/8, bit i%8, least significant first) set when
// row i has a value, and the body holds only the m values present, in
// row order. Without it every row has a value (m = n).
//
// Integers are unsigned LEB128 varints (uvarint) of their zigzag form
// ((v << 1) ^ (v >> 63)). Every column costs at least ceil(n/8) bytes,
// so a block of b bytes decodes to at most 8b+48 values: decoding costs
// a small constant times the input.

// Column kinds: the low seven bits of a column's tag.
const (
	// colBool: a bitmap of m bits, bit set for true.
	colBool = 1
	// colInt: m zigzag uvarints.
	colInt = 2
	// colIntDelta: m zigzag uvarints, each the difference (wrapping, in
	// 64-bit two's complement) from the value before it; the first from 0.
	colIntDelta = 3
	// colFloat: m IEEE 754 float64, 8 bytes each, little-endian.
	colFloat = 4
	// colString: m strings, each a uvarint byte length and UTF-8 bytes.
	// (Encoders now write colStringSplit and colStringDictSplit instead
	// of colString and colStringDict; decoders read all four.)
	colString = 5
	// colStringDict: a uvarint count k, k strings as in colString, then
	// m uvarint indexes into them.
	colStringDict = 6
	// colDecimal: one byte scale s (0-30), then m zigzag uvarints: the
	// decimal strings' digits without the point. The string is the
	// integer in base 10 with the point s digits from the right, at least
	// one digit before it ("0.05"), "-" when negative.
	colDecimal = 7
	// colGUID: m 16-byte binaries.
	colGUID = 8
	// colGUIDDict: a uvarint count k, k 16-byte binaries, then m uvarint
	// indexes into them.
	colGUIDDict = 9
	// colAny: m msgpack values, each a bool, integer, float, str or bin
	// (for a column whose values are of several types).
	colAny = 10
	// colIntFrame: a zigzag uvarint base b, a uvarint step s (at least
	// 1), then m uvarints x: each value is b + s*x (wrapping). For
	// timestamps: whole seconds or days, within a range.
	colIntFrame = 11
	// colIntPacked: a zigzag uvarint base b, a uvarint step s (at least
	// 1), a byte w (1 to 64), then the m values x in w bits each, packed
	// least significant bit first into ceil(m*w/8) bytes: each value is
	// b + s*x (wrapping). For times and numbers spread evenly over a
	// range, whose varints waste a bit a byte.
	colIntPacked = 12
	// colDecimalInts: one byte scale s (0-30), one byte k (colInt,
	// colIntDelta, colIntFrame or colIntPacked), then a body of kind k
	// of m integers: the decimal strings' digits without the point, as
	// in colDecimal.
	colDecimalInts = 13
	// colStringSplit: a byte k (an integer body kind), a body of kind k
	// of the m strings' byte lengths, then their UTF-8 bytes one after
	// another: text without lengths between the strings.
	colStringSplit = 14
	// colStringDictSplit: a uvarint count k; a byte and an integer body
	// of the k entries' byte lengths, their UTF-8 bytes one after
	// another; then a byte and an integer body of the m indexes, each
	// below k.
	colStringDictSplit = 15
	// colMapped: a uvarint j (an earlier attribute column), then a nested
	// column (a tag without colMapped and colJoined, its bitmap, its body)
	// of k values: the value of each distinct value of column j, in the
	// order they first appear in its n rows (null counts as one). Every
	// row's value is the one of its column j value. Never with a bitmap of
	// its own. Only in shared pages (columnar_derived.go).
	colMapped = 16
	// colJoined: uvarints a and b (earlier attribute columns of strings),
	// a uvarint length and that many bytes of separator, a bitmap of m
	// bits (set: an exception), then a nested column of strings (tag 5, 6,
	// 14 or 15, no bitmap) of the exceptions. A value that is not an
	// exception is the values of columns a and b in its row joined by the
	// separator, a null one left out (with it, the separator). Only in
	// shared pages (columnar_derived.go).
	colJoined = 17

	// ColumnKinds is the highest column kind: a device that reads every
	// kind up to it says so in its pulls (PullRequest.Kinds).
	ColumnKinds = colJoined

	// colNulls is the tag bit saying that a presence bitmap follows.
	colNulls = 0x80
)

// systemColumns is the number of system fields that start every row:
// id, owner ref, business unit ref, createdon, modifiedon and version.
const systemColumns = 6

// maxDecimalScale is the largest scale of a colDecimal column.
const maxDecimalScale = 30

var (
	errColumnKind  = errors.New("unknown column kind")
	errColumnShort = errors.New("column truncated")
	errColumnValue = errors.New("bad column value")
	errColumnRows  = errors.New("rows of the wrong width")
	errColumnTrail = errors.New("trailing bytes after the last column")
	errColumnPad   = errors.New("bitmap padding bits set")
	errSystemField = errors.New("bad system column")
)

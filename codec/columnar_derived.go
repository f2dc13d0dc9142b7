package codec

import (
	"strings"
	"unicode/utf8"
)

// Derived columns: kinds colMapped and colJoined, for a column whose
// values follow from other columns of the same rows. A CRM account's
// state and country follow from its city (one city, one state), and a
// contact's fullname is its firstname and lastname joined by a space:
// zstd codes such a column at the entropy of its own values, as if the
// others were not there. CRM-N's shared page: the two address columns
// 585 B, fullname 509 B (docs/benchmarks.md). Both kinds refer to
// earlier attribute columns only, so a reader decodes the columns in
// order. Choosing them costs a look at every pair of columns, so they
// are used in shared pages only (compressed once, sent to many), and
// only for devices that read them (PullRequest.Kinds).

// maxJoinSeparator is the longest separator colJoined is tried with.
const maxJoinSeparator = 8

// maxJoinedBytes bounds the bytes of the values a block's colJoined
// columns build (their exceptions not counted): each is a new string two
// earlier cells long, and joined columns may join joined columns, so
// without a bound a few bytes of input could make a decoder build strings
// of gigabytes. The encoder stays under it; a decoder refuses a block
// past it (docs/protocol.md).
const maxJoinedBytes = 4 << 20

// valueKey is a comparable key of a decoded or normalized value: equal
// values, equal keys, across types never.
func valueKey(v any) any {
	if b, ok := v.([]byte); ok {
		return bytesKey(b)
	}
	return v
}

// bytesKey is the key of a binary value (a []byte is not comparable).
type bytesKey string

// keyIndexes numbers the distinct values of column c of rows in the
// order they first appear (null is one), and returns each row's number
// and the row where each number first appears.
func keyIndexes(rows [][]any, c int) (keys []int32, first []int) {
	index := map[any]int32{}
	keys = make([]int32, len(rows))
	for i, r := range rows {
		v, _, _ := classify(r[c]) // as the reader will see it
		k := valueKey(v)
		x, ok := index[k]
		if !ok {
			x = int32(len(index))
			index[k] = x
			first = append(first, i)
		}
		keys[i] = x
	}
	return keys, first
}

// derived returns column c of rows as colMapped or colJoined (tag and
// body), whichever is smaller, or nil when neither applies.
func (ce *colEncoder) derived(rows [][]any, c int) []byte {
	if ce.keys == nil {
		ce.keys, ce.first = map[int][]int32{}, map[int][]int{}
	}
	keysOf := func(j int) ([]int32, []int) {
		if _, ok := ce.keys[j]; !ok {
			ce.keys[j], ce.first[j] = keyIndexes(rows, j)
		}
		return ce.keys[j], ce.first[j]
	}
	var best []byte
	kc, _ := keysOf(c)
	if out := ce.mapped(rows, c, kc, keysOf); out != nil {
		best = out
	}
	if out, built := ce.joined(rows, c); out != nil && (best == nil || len(out) < len(best)) && ce.joinedBytes+built <= maxJoinedBytes {
		best = out
		ce.joinedBytes += built
	}
	return best
}

// mapped codes column c as colMapped from the earlier attribute column
// with the fewest distinct values that determines it, or returns nil.
func (ce *colEncoder) mapped(rows [][]any, c int, kc []int32, keysOf func(int) ([]int32, []int)) []byte {
	bestJ, bestK := -1, len(rows)/2+1
	for j := systemColumns; j < c; j++ {
		kj, first := keysOf(j)
		if len(first) >= bestK {
			continue
		}
		to := make([]int32, len(first))
		for i := range to {
			to[i] = -1
		}
		ok := true
		for i, x := range kj {
			switch to[x] {
			case -1:
				to[x] = kc[i]
			case kc[i]:
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok {
			bestJ, bestK = j, len(first)
		}
	}
	if bestJ < 0 {
		return nil
	}
	_, first := keysOf(bestJ)
	vals := make([]any, len(first))
	for x, i := range first {
		vals[x] = rows[i][c]
	}
	out := appendUvarintInt([]byte{colMapped}, bestJ)
	out, err := appendValuesColumn(out, vals)
	if err != nil {
		return nil
	}
	return out
}

// joined codes column c (strings) as colJoined of the pair of earlier
// string columns that gives its value in most rows (at least half of
// them), or returns nil; built is the bytes of the values a decoder
// builds from the pair (maxJoinedBytes).
func (ce *colEncoder) joined(rows [][]any, c int) (out []byte, built int) {
	m := 0
	for _, r := range rows {
		if r[c] != nil {
			if _, ok := r[c].(string); !ok {
				return nil, 0
			}
			m++
		}
	}
	var texts []int // earlier columns of strings and nulls only
	for j := systemColumns; j < c; j++ {
		if stringsOnly(rows, j) {
			texts = append(texts, j)
		}
	}
	bestA, bestB, bestSep, bestHits := -1, -1, "", m/2
	for _, a := range texts {
		for _, b := range texts {
			if a == b {
				continue
			}
			sep, ok := separator(rows, a, b, c)
			if !ok {
				continue
			}
			hits := 0
			for _, r := range rows {
				if r[c] != nil && joinOf(r[a], r[b], sep) == r[c] {
					hits++
				}
			}
			if hits > bestHits {
				bestA, bestB, bestSep, bestHits = a, b, sep, hits
			}
		}
	}
	if bestA < 0 {
		return nil, 0
	}
	out = []byte{colJoined}
	if m < len(rows) {
		// Null rows: the tag's null flag and the bitmap of the present
		// rows come first, as in any column; the exceptions' bitmap
		// below has a bit for each present row only.
		out[0] |= colNulls
		out = appendBitmap(out, len(rows), func(i int) bool { return rows[i][c] != nil })
	}
	out = append(appendUvarintInt(appendUvarintInt(out, bestA), bestB), byte(len(bestSep)))
	out = append(out, bestSep...)
	var exceptions []any
	out = appendBitmap(out, m, func() func(int) bool {
		var present [][]any
		for _, r := range rows {
			if r[c] != nil {
				present = append(present, r)
			}
		}
		return func(i int) bool {
			r := present[i]
			if joinOf(r[bestA], r[bestB], bestSep) == r[c] {
				built += joinedLen(r[bestA], r[bestB], bestSep)
				return false
			}
			exceptions = append(exceptions, r[c])
			return true
		}
	}())
	out, err := appendValuesColumn(out, exceptions)
	if err != nil {
		return nil, 0
	}
	return out, built
}

// stringsOnly reports whether column j of rows holds strings and nulls
// only.
func stringsOnly(rows [][]any, j int) bool {
	for _, r := range rows {
		if _, ok := r[j].(string); !ok && r[j] != nil {
			return false
		}
	}
	return true
}

// separatorTries is how many rows holding all three values separator
// looks at.
const separatorTries = 8

// separator finds the separator that joins columns a and b into column
// c in the first of the rows where all three hold a value (among the
// first separatorTries) where one fits.
func separator(rows [][]any, a, b, c int) (string, bool) {
	tries := 0
	for _, r := range rows {
		v, _ := r[c].(string)
		x, xok := r[a].(string)
		y, yok := r[b].(string)
		if !xok || !yok || r[c] == nil {
			continue
		}
		if len(v) >= len(x)+len(y) && len(v)-len(x)-len(y) <= maxJoinSeparator && strings.HasPrefix(v, x) && strings.HasSuffix(v, y) {
			sep := v[len(x) : len(v)-len(y)]
			return sep, utf8.ValidString(sep)
		}
		if tries++; tries == separatorTries {
			break
		}
	}
	return "", false
}

// joinOf is the value colJoined gives a row whose columns hold x and y
// (strings or nil): both joined by sep, the one present, or "".
func joinOf(x, y any, sep string) any {
	xs, xok := x.(string)
	ys, yok := y.(string)
	switch {
	case xok && yok:
		return xs + sep + ys
	case xok:
		return xs
	case yok:
		return ys
	}
	return ""
}

// joinedLen is len(joinOf(x, y, sep)), without building it.
func joinedLen(x, y any, sep string) int {
	xs, xok := x.(string)
	ys, yok := y.(string)
	if xok && yok {
		return len(xs) + len(sep) + len(ys)
	}
	return len(xs) + len(ys)
}

// appendValuesColumn appends vals as a nested column: a tag, a bitmap
// when some are nil, and a body, chosen as for any column.
func appendValuesColumn(dst []byte, vals []any) ([]byte, error) {
	rows := make([][]any, len(vals))
	for i, v := range vals {
		rows[i] = make([]any, systemColumns+1)
		rows[i][systemColumns] = v
	}
	var sub colEncoder
	return sub.column(dst, rows, systemColumns)
}

// appendUvarintInt appends a non-negative int as a uvarint.
func appendUvarintInt(dst []byte, n int) []byte {
	for n >= 0x80 {
		dst = append(dst, byte(n)|0x80)
		n >>= 7
	}
	return append(dst, byte(n))
}

// nested reads a nested column of k values (colMapped, colJoined).
func (r *colReader) nested(k int) ([]any, error) {
	tag := r.bytes(1)
	if r.err != nil {
		return nil, r.err
	}
	kind := tag[0] &^ colNulls
	if kind == colMapped || kind == colJoined {
		return nil, errColumnKind
	}
	var present []byte
	m := k
	if tag[0]&colNulls != 0 {
		if present, m = r.bitmap(k); r.err != nil {
			return nil, r.err
		}
	}
	if uint64(k) > 8*uint64(len(r.b))+8 { // a value takes a bit at least
		return nil, errColumnShort
	}
	out := make([]any, k)
	row := -1
	err := r.body(kind, m, func(v any) {
		row++
		for present != nil && !bitSet(present, row) {
			row++
		}
		out[row] = v
	})
	if err != nil {
		return nil, err
	}
	return out, r.err
}

// mapped decodes a colMapped column c of n rows into cells.
func (r *colReader) mapped(cells []any, n, width, c int) error {
	j64 := r.uvarint()
	if r.err != nil {
		return r.err
	}
	if j64 < systemColumns || j64 >= uint64(c) {
		return errColumnValue
	}
	j := int(j64)
	index := map[any]int32{}
	keys := make([]int32, n)
	for i := range n {
		k := valueKey(cells[i*width+j])
		x, ok := index[k]
		if !ok {
			x = int32(len(index))
			index[k] = x
		}
		keys[i] = x
	}
	vals, err := r.nested(len(index))
	if err != nil {
		return err
	}
	for i, x := range keys {
		cells[i*width+c] = vals[x]
	}
	return nil
}

// joined decodes a colJoined column c of n rows, m of them present
// (present: their bitmap, nil for all), into cells.
func (r *colReader) joined(cells []any, n, width, c int, present []byte, m int) error {
	a64, b64, sl := r.uvarint(), r.uvarint(), r.uvarint()
	if r.err != nil {
		return r.err
	}
	if a64 < systemColumns || a64 >= uint64(c) || b64 < systemColumns || b64 >= uint64(c) || sl > maxJoinSeparator {
		return errColumnValue
	}
	sepb := r.bytes(sl)
	if r.err != nil {
		return r.err
	}
	if !utf8.Valid(sepb) {
		return errBadUTF8
	}
	sep := string(sepb)
	exc, e := r.bitmap(m)
	if r.err != nil {
		return r.err
	}
	ex, err := r.nested(e)
	if err != nil {
		return err
	}
	a, b := int(a64), int(b64)
	xi, j := 0, 0
	for row := range n {
		if present != nil && !bitSet(present, row) {
			continue
		}
		var v any
		if bitSet(exc, j) {
			v = ex[xi]
			xi++
			if _, ok := v.(string); !ok {
				return errColumnValue
			}
		} else {
			x, y := cells[row*width+a], cells[row*width+b]
			if _, ok := x.(string); !ok && x != nil {
				return errColumnValue
			}
			if _, ok := y.(string); !ok && y != nil {
				return errColumnValue
			}
			// Counted before it is built: a hostile block fails before
			// its strings grow.
			if r.joinedBytes += joinedLen(x, y, sep); r.joinedBytes > maxJoinedBytes {
				return errColumnValue
			}
			v = joinOf(x, y, sep)
		}
		cells[row*width+c] = v
		j++
	}
	return nil
}

package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/offsync/offsync/codec"
	"github.com/vmihailenco/msgpack/v5"
)

// docBlock reads a columnar block ("Rows: the columnar block" in
// docs/protocol.md) into rows of width values, as a third-party client
// would: GUIDs as 16-byte []byte, integers as int64, null as nil.
type docBlock struct {
	b   []byte
	err error
}

var errDocBlock = errors.New("malformed block")

func (r *docBlock) take(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errDocBlock
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *docBlock) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errDocBlock
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *docBlock) zigzag() int64 { z := r.uvarint(); return int64(z>>1) ^ -int64(z&1) }

func (r *docBlock) str() string {
	s := r.take(r.uvarint())
	if r.err == nil && !utf8.Valid(s) {
		r.err = errDocBlock
	}
	return string(s)
}

// bitmap reads n bits, least significant first, padding bits 0.
func (r *docBlock) bitmap(n int) []bool {
	bm := r.take(uint64(n+7) / 8)
	if r.err != nil || n%8 != 0 && bm[len(bm)-1]>>(n%8) != 0 {
		r.err = errDocBlock
		return nil
	}
	out := make([]bool, n)
	for i := range out {
		out[i] = bm[i/8]>>(i%8)&1 == 1
	}
	return out
}

// decimal writes v with the point s digits from the right.
func docDecimal(v int64, s int) string {
	neg := v < 0
	d := strconv.FormatUint(uint64(v), 10)
	if neg {
		d = strconv.FormatUint(-uint64(v), 10)
	}
	if len(d) <= s {
		d = strings.Repeat("0", s+1-len(d)) + d
	}
	if s > 0 {
		d = d[:len(d)-s] + "." + d[len(d)-s:]
	}
	if neg {
		d = "-" + d
	}
	return d
}

// lengthsFirst reads n strings of kind 14: an integer kind byte, the
// lengths as a body of that kind, then the bytes.
func (r *docBlock) lengthsFirst(n int) ([]string, error) {
	k := r.take(1)
	if r.err != nil {
		return nil, errDocBlock
	}
	lens, err := r.ints(k[0], n)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, n)
	for _, l := range lens {
		if l < 0 {
			return nil, errDocBlock
		}
		s := r.take(uint64(l))
		if r.err != nil || !utf8.Valid(s) {
			return nil, errDocBlock
		}
		out = append(out, string(s))
	}
	return out, nil
}

// ints reads m integers of kind 2, 3, 11 or 12.
func (r *docBlock) ints(kind byte, m int) ([]int64, error) {
	var out []int64
	switch kind {
	case 2, 3:
		prev := int64(0)
		for range m {
			v := r.zigzag()
			if kind == 3 {
				v += prev
				prev = v
			}
			out = append(out, v)
		}
	case 11:
		base, step := r.zigzag(), r.uvarint()
		if step == 0 {
			return nil, errDocBlock
		}
		for range m {
			out = append(out, base+int64(step*r.uvarint()))
		}
	case 12:
		base, step, w := r.zigzag(), r.uvarint(), r.take(1)
		if r.err != nil || step == 0 || w[0] < 1 || w[0] > 64 {
			return nil, errDocBlock
		}
		nbits := m * int(w[0])
		b := r.take(uint64(nbits+7) / 8)
		if r.err != nil {
			return nil, errDocBlock
		}
		bit := func(k int) uint64 { return uint64(b[k/8]>>(k%8)) & 1 }
		for k := nbits; k < 8*len(b); k++ {
			if bit(k) != 0 {
				return nil, errDocBlock
			}
		}
		for j := range m {
			var x uint64
			for i := range int(w[0]) {
				x |= bit(j*int(w[0])+i) << i
			}
			out = append(out, base+int64(step*x))
		}
	default:
		return nil, errDocBlock
	}
	return out, r.err
}

func decodeDocBlock(data []byte, width int) ([][]any, error) {
	rows, _, err := decodeDocBlockKinds(data, width)
	return rows, err
}

// decodeDocBlockKinds is decodeDocBlock that also returns the kind of
// each column.
func decodeDocBlockKinds(data []byte, width int) ([][]any, []byte, error) {
	r := &docBlock{b: data}
	var kinds []byte
	n64 := r.uvarint()
	if r.err != nil || n64 > uint64(len(r.b)) || uint64(width)*((n64+7)/8) > uint64(len(r.b)) {
		return nil, nil, errDocBlock
	}
	n := int(n64)
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = make([]any, width)
	}
	for c := 0; c < width && r.err == nil; c++ {
		tag := r.take(1)
		if r.err != nil {
			break
		}
		kind, present := tag[0]&0x7f, []bool(nil)
		kinds = append(kinds, kind)
		m := n
		if tag[0]&0x80 != 0 {
			if c < 6 {
				return nil, nil, errDocBlock
			}
			present = r.bitmap(n)
			m = 0
			for _, p := range present {
				if p {
					m++
				}
			}
		}
		vals := make([]any, 0, m)
		switch kind {
		case 1:
			for _, b := range r.bitmap(m) {
				vals = append(vals, b)
			}
		case 2, 3, 11, 12:
			ints, err := r.ints(kind, m)
			if err != nil {
				return nil, nil, err
			}
			for _, v := range ints {
				vals = append(vals, v)
			}
		case 13:
			s, k := r.take(1), r.take(1)
			if r.err != nil || s[0] > 30 {
				return nil, nil, errDocBlock
			}
			ints, err := r.ints(k[0], m)
			if err != nil {
				return nil, nil, err
			}
			for _, v := range ints {
				vals = append(vals, docDecimal(v, int(s[0])))
			}
		case 14:
			strs, err := r.lengthsFirst(m)
			if err != nil {
				return nil, nil, err
			}
			for _, s := range strs {
				vals = append(vals, s)
			}
		case 15:
			e := r.uvarint()
			if r.err != nil || e > uint64(len(r.b)) {
				return nil, nil, errDocBlock
			}
			dict, err := r.lengthsFirst(int(e))
			if err != nil {
				return nil, nil, err
			}
			k := r.take(1)
			if r.err != nil {
				return nil, nil, errDocBlock
			}
			idx, err := r.ints(k[0], m)
			if err != nil {
				return nil, nil, err
			}
			for _, i := range idx {
				if i < 0 || i >= int64(len(dict)) {
					return nil, nil, errDocBlock
				}
				vals = append(vals, dict[i])
			}
		case 4:
			for _, b := range [][]byte{r.take(8 * uint64(m))} {
				for j := 0; j < m && r.err == nil; j++ {
					f := math.Float64frombits(binary.LittleEndian.Uint64(b[8*j:]))
					if math.IsInf(f, 0) || math.IsNaN(f) {
						return nil, nil, errDocBlock
					}
					vals = append(vals, f)
				}
			}
		case 5:
			for range m {
				vals = append(vals, r.str())
			}
		case 6, 9:
			k := r.uvarint()
			if k > uint64(len(r.b)) {
				return nil, nil, errDocBlock
			}
			dict := make([]any, k)
			for i := range dict {
				if kind == 6 {
					dict[i] = r.str()
				} else {
					dict[i] = bytes.Clone(r.take(16))
				}
			}
			for range m {
				if i := r.uvarint(); i < k {
					vals = append(vals, dict[i])
				} else {
					return nil, nil, errDocBlock
				}
			}
		case 7:
			s := r.take(1)
			if r.err != nil || s[0] > 30 {
				return nil, nil, errDocBlock
			}
			for range m {
				vals = append(vals, docDecimal(r.zigzag(), int(s[0])))
			}
		case 8:
			for range m {
				vals = append(vals, bytes.Clone(r.take(16)))
			}
		case 10: // msgpack values, one after another
			br := bytes.NewReader(r.b)
			dec := msgpack.NewDecoder(br)
			for range m {
				v, err := dec.DecodeInterface()
				if err != nil || v == nil {
					return nil, nil, errDocBlock
				}
				vals = append(vals, v)
			}
			r.b = r.b[len(r.b)-br.Len():]
		default:
			return nil, nil, errDocBlock
		}
		if r.err != nil {
			break
		}
		j := 0
		for i := range rows {
			if present == nil || present[i] {
				rows[i][c] = vals[j]
				j++
			}
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return nil, nil, errDocBlock
	}
	return rows, kinds, nil
}

// TestDocBlockReadsEveryKind: blocks the codec writes, of columns that
// take each integer and decimal kind (2, 3, 11, 12, 7, 13) among others,
// decode with the reader written from docs/protocol.md to the rows
// codec.DecodeColumns gives; and the doc's worked examples of kinds 12
// and 13 decode to the values it says.
func TestDocBlockReadsEveryKind(t *testing.T) {
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	t.Logf("seed %d", seed)
	const day = 86_400_000
	t0 := int64(1767225600000)
	cols := []func(i int) any{
		func(i int) any { return int64(i % 3) },                                   // small: int
		func(i int) any { return t0 + int64(i)*1000 },                             // sorted: delta
		func(i int) any { return t0 + rng.Int64N(90)*day },                        // days: frame or packed
		func(i int) any { return t0 + rng.Int64N(90*day) },                        // ms over a range: packed
		func(i int) any { return docDecimal(rng.Int64N(1<<40), 2) },               // decimal: packed body
		func(i int) any { return docDecimal(100*rng.Int64N(1000), 2) },            // whole units: stepped
		func(i int) any { return docDecimal(rng.Int64N(50)-25, 1) },               // small: kind 7
		func(i int) any { return []any{nil, rng.Int64N(1 << 62)}[rng.IntN(2)] },   // nulls, wide
		func(i int) any { return strconv.Itoa(rng.IntN(1 << 30)) },                // text: kind 14
		func(i int) any { return []string{"Redmond", "Lisbon", ""}[rng.IntN(3)] }, // repeats: kind 15
	}
	seen := map[byte]bool{}
	for _, n := range []int{1, 7, 64, 300} {
		rows := make([][]any, n)
		for i := range rows {
			id := make([]byte, 16)
			binary.LittleEndian.PutUint64(id, rng.Uint64())
			rows[i] = []any{id, int64(0), int64(-1), t0 + rng.Int64N(day), t0 + int64(i), int64(5)}
			for _, c := range cols {
				rows[i] = append(rows[i], c(i))
			}
		}
		width := 6 + len(cols)
		b, err := codec.AppendColumns(nil, rows, width)
		if err != nil {
			t.Fatal(err)
		}
		want, err := codec.DecodeColumns(b, width)
		if err != nil {
			t.Fatal(err)
		}
		got, kinds, err := decodeDocBlockKinds(b, width)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%d rows: the doc reader gives %v (%v), the codec %v", n, got, err, want)
		}
		for _, k := range kinds {
			seen[k] = true
		}
	}
	for _, k := range []byte{2, 3, 7, 11, 12, 13, 14, 15} {
		if !seen[k] {
			t.Errorf("no column of kind %d among %v", k, seen)
		}
	}
	for _, ex := range []struct {
		col  []byte
		want []any
	}{
		{[]byte{0x0c, 0x0a, 0x01, 0x03, 0x8d, 0x01}, []any{int64(10), int64(6), int64(11)}},
		{[]byte{0x0d, 0x02, 0x0c, 0x0a, 0x01, 0x03, 0x8d, 0x01}, []any{"0.10", "0.06", "0.11"}},
		{[]byte{0x0e, 0x02, 0x04, 0x00, 0x06, 'a', 'b', 'c', 'd', 'e'}, []any{"ab", "", "cde"}},
		{[]byte{0x0f, 0x02, 0x02, 0x02, 0x04, 'x', 'y', 'y', 0x02, 0x00, 0x02, 0x00}, []any{"x", "yy", "x"}},
	} {
		// Three rows: ids (kind 8), five system columns of kind 2, then
		// the example column.
		b := []byte{3, 8}
		b = append(b, make([]byte, 48)...)
		for range 5 {
			b = append(b, 2, 0, 0, 0)
		}
		b = append(b, ex.col...)
		for _, read := range []func([]byte, int) ([][]any, error){decodeDocBlock, codec.DecodeColumns} {
			rows, err := read(b, 7)
			if err != nil {
				t.Fatalf("% x: %v", ex.col, err)
			}
			for i, r := range rows {
				if r[6] != ex.want[i] {
					t.Fatalf("% x: row %d is %v, the doc says %v", ex.col, i, r[6], ex.want[i])
				}
			}
		}
	}
}

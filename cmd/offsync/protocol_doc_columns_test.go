package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

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

func decodeDocBlock(data []byte, width int) ([][]any, error) {
	r := &docBlock{b: data}
	n64 := r.uvarint()
	if r.err != nil || n64 > uint64(len(r.b)) || uint64(width)*((n64+7)/8) > uint64(len(r.b)) {
		return nil, errDocBlock
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
		m := n
		if tag[0]&0x80 != 0 {
			if c < 6 {
				return nil, errDocBlock
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
		case 2, 3:
			prev := int64(0)
			for range m {
				v := r.zigzag()
				if kind == 3 {
					v += prev
					prev = v
				}
				vals = append(vals, v)
			}
		case 11:
			base, step := r.zigzag(), r.uvarint()
			if step == 0 {
				return nil, errDocBlock
			}
			for range m {
				vals = append(vals, base+int64(step*r.uvarint()))
			}
		case 4:
			for _, b := range [][]byte{r.take(8 * uint64(m))} {
				for j := 0; j < m && r.err == nil; j++ {
					f := math.Float64frombits(binary.LittleEndian.Uint64(b[8*j:]))
					if math.IsInf(f, 0) || math.IsNaN(f) {
						return nil, errDocBlock
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
				return nil, errDocBlock
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
					return nil, errDocBlock
				}
			}
		case 7:
			s := r.take(1)
			if r.err != nil || s[0] > 30 {
				return nil, errDocBlock
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
					return nil, errDocBlock
				}
				vals = append(vals, v)
			}
			r.b = r.b[len(r.b)-br.Len():]
		default:
			return nil, errDocBlock
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
		return nil, errDocBlock
	}
	return rows, nil
}

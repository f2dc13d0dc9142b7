package codec

import "math/bits"

// The sequences of a zstd block (RFC 8878, section 3.1.1.3.2), coded
// with the format's predefined FSE distributions only: no table is
// described in the block, which is what a block of a few dozen
// sequences would choose anyway. dictframe.go finds the sequences; this
// file turns them into codes, extra bits and the backward bit stream.

// zseq is one sequence: lit literals, then a copy of match bytes from
// off bytes back (off ≥ 1; the dictionary's content precedes the frame).
type zseq struct {
	lit, match, off uint32
}

// fseTable is an FSE encoding table built from a normalized
// distribution (-1 for "less than one"), as the format's decoder builds
// its states: symbols spread with step tableSize/2 + tableSize/8 + 3,
// "less than one" symbols in the last cells.
type fseTable struct {
	log       uint8
	next      []uint16 // state to go to, indexed by cumulative position
	deltaBits []uint32 // per symbol: (maxBitsOut << 16) - minStatePlus
	deltaFind []int32  // per symbol: cumulative start - count
}

// The predefined distributions (RFC 8878, section 3.1.1.3.2.2).
var (
	zstdLLNorm = []int16{4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1,
		2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
		-1, -1, -1, -1}
	zstdMLNorm = []int16{1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1,
		-1, -1, -1, -1, -1}
	zstdOFNorm = []int16{1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1}

	zstdLLTable = newFSETable(zstdLLNorm, 6)
	zstdMLTable = newFSETable(zstdMLNorm, 6)
	zstdOFTable = newFSETable(zstdOFNorm, 5)
)

// The extra bits of literal length codes 16-35 and match length codes
// 32-52, and the baselines they start from.
var (
	zstdLLBits = [36]uint8{16: 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	zstdMLBits = [53]uint8{32: 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	zstdLLBase = baselines(zstdLLBits[:], 0)
	zstdMLBase = baselines(zstdMLBits[:], 3)
)

// baselines returns the smallest value of each code whose extra bits
// are nb, codes starting at first.
func baselines(nb []uint8, first uint32) []uint32 {
	out := make([]uint32, len(nb))
	v := first
	for i, n := range nb {
		out[i] = v
		v += 1 << n
	}
	return out
}

// newFSETable builds the encoding table of distribution norm, whose
// counts sum to 1<<log.
func newFSETable(norm []int16, log uint8) *fseTable {
	size := 1 << log
	symbols := make([]int, size)
	high := size - 1
	for s, n := range norm {
		if n == -1 {
			symbols[high] = s
			high--
		}
	}
	pos, step, mask := 0, size>>1+size>>3+3, size-1
	for s, n := range norm {
		for i := 0; i < int(n); i++ {
			symbols[pos] = s
			for pos = (pos + step) & mask; pos > high; pos = (pos + step) & mask {
			}
		}
	}
	cumul := make([]int, len(norm)+1)
	for s, n := range norm {
		cumul[s+1] = cumul[s] + max(int(n), 1)
	}
	t := &fseTable{log: log, next: make([]uint16, size), deltaBits: make([]uint32, len(norm)), deltaFind: make([]int32, len(norm))}
	fill := append([]int(nil), cumul...)
	for u, s := range symbols {
		t.next[fill[s]] = uint16(size + u)
		fill[s]++
	}
	for s, n := range norm {
		c := max(int(n), 1)
		if c == 1 {
			t.deltaBits[s] = uint32(log)<<16 - uint32(size)
			t.deltaFind[s] = int32(cumul[s] - 1)
			continue
		}
		maxBitsOut := uint32(log) - uint32(bits.Len(uint(c-1))-1)
		minStatePlus := uint32(c) << maxBitsOut
		t.deltaBits[s] = maxBitsOut<<16 - minStatePlus
		t.deltaFind[s] = int32(cumul[s] - c)
	}
	return t
}

// init returns the state that decodes s, as the first symbol coded
// (the last one decoded) is started: no bits.
func (t *fseTable) init(s uint8) uint32 {
	nb := (t.deltaBits[s] + 1<<15) >> 16
	v := nb<<16 - t.deltaBits[s]
	return uint32(t.next[int32(v>>nb)+t.deltaFind[s]])
}

// encode codes s from state, writing the bits the decoder reads to come
// back, and returns the new state.
func (t *fseTable) encode(w *bitWriter, state uint32, s uint8) uint32 {
	nb := (state + t.deltaBits[s]) >> 16
	w.add(uint64(state), uint(nb))
	return uint32(t.next[int32(state>>nb)+t.deltaFind[s]])
}

// bitWriter writes a zstd backward bit stream: bits added first are read
// last.
type bitWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

// add appends the low n (≤ 32) bits of v.
func (w *bitWriter) add(v uint64, n uint) {
	w.acc |= (v & (1<<n - 1)) << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

// close ends the stream with its 1 bit and pads the last byte.
func (w *bitWriter) close() []byte {
	w.add(1, 1)
	if w.nbits > 0 {
		w.out = append(w.out, byte(w.acc))
	}
	return w.out
}

// llCodeOf returns the literal length code of n and its extra bits.
func llCodeOf(n uint32) uint8 {
	if n < 16 {
		return uint8(n)
	}
	c := uint8(16)
	for c < 35 && zstdLLBase[c+1] <= n {
		c++
	}
	return c
}

// mlCodeOf returns the match length code of n (≥ 3).
func mlCodeOf(n uint32) uint8 {
	if n < 35 {
		return uint8(n - 3)
	}
	c := uint8(32)
	for c < 52 && zstdMLBase[c+1] <= n {
		c++
	}
	return c
}

// appendSequences appends the sequences section of seqs: their count,
// the modes byte (all predefined) and the bit stream.
func appendSequences(dst []byte, seqs []zseq) []byte {
	n := len(seqs)
	switch {
	case n < 128:
		dst = append(dst, byte(n))
	case n < 0x7f00:
		dst = append(dst, byte(n>>8)+128, byte(n))
	default:
		dst = append(dst, 255, byte(n-0x7f00), byte((n-0x7f00)>>8))
	}
	if n == 0 {
		return dst
	}
	dst = append(dst, 0) // predefined literal length, offset and match length tables
	w := bitWriter{out: dst}
	last := seqs[n-1]
	ll, ml, of := llCodeOf(last.lit), mlCodeOf(last.match), uint8(bits.Len32(last.off+3)-1)
	llState, mlState, ofState := zstdLLTable.init(ll), zstdMLTable.init(ml), zstdOFTable.init(of)
	w.addExtras(last, ll, ml, of)
	for i := n - 2; i >= 0; i-- {
		s := seqs[i]
		ll, ml, of = llCodeOf(s.lit), mlCodeOf(s.match), uint8(bits.Len32(s.off+3)-1)
		ofState = zstdOFTable.encode(&w, ofState, of)
		mlState = zstdMLTable.encode(&w, mlState, ml)
		llState = zstdLLTable.encode(&w, llState, ll)
		w.addExtras(s, ll, ml, of)
	}
	w.add(uint64(mlState), uint(zstdMLTable.log))
	w.add(uint64(ofState), uint(zstdOFTable.log))
	w.add(uint64(llState), uint(zstdLLTable.log))
	return w.close()
}

// addExtras writes s's extra bits in the reverse of the order the
// decoder reads them (offset, match length, literal length).
func (w *bitWriter) addExtras(s zseq, ll, ml, of uint8) {
	w.add(uint64(s.lit-zstdLLBase[ll]), uint(zstdLLBits[ll]))
	w.add(uint64(s.match-zstdMLBase[ml]), uint(zstdMLBits[ml]))
	w.add(uint64(s.off+3), uint(of))
}

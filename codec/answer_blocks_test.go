package codec

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// zstdBlockCount counts the blocks of a single zstd frame (RFC 8878:
// frame header, then blocks of a 3-byte header each).
func zstdBlockCount(t *testing.T, f []byte) int {
	t.Helper()
	if len(f) < 6 || binary.LittleEndian.Uint32(f) != 0xFD2FB528 {
		t.Fatal("not a zstd frame")
	}
	fhd := f[4]
	at := 5
	if fhd&0x20 == 0 { // no single segment: a window descriptor
		at++
	}
	at += []int{0, 1, 2, 4}[fhd&3] // dictionary id
	fcs := []int{0, 2, 4, 8}[fhd>>6]
	if fcs == 0 && fhd&0x20 != 0 {
		fcs = 1
	}
	at += fcs
	n := 0
	for {
		if at+3 > len(f) {
			t.Fatal("truncated block header")
		}
		h := uint32(f[at]) | uint32(f[at+1])<<8 | uint32(f[at+2])<<16
		at += 3
		size := int(h >> 3)
		if (h>>1)&3 == 1 { // RLE: one byte
			size = 1
		}
		at += size
		n++
		if h&1 == 1 {
			return n
		}
	}
}

// TestCompressCutsBlocksOfSmallColumns: in an answer of 16 KB or more
// (and in a shared page), a cut that leaves 32 bytes or more on both
// sides ends a zstd block, so a column of a few dozen bytes gets tables
// of its own; in a smaller answer a block is 128 bytes at least, and an
// answer under minCutAnswer is one block.
func TestCompressCutsBlocksOfSmallColumns(t *testing.T) {
	var body []byte
	var cuts []int
	for i := 0; len(body) < 20<<10; i++ {
		if i > 0 {
			cuts = append(cuts, len(body))
		}
		body = append(body, bytes.Repeat([]byte{byte('a' + i%26), byte(i)}, 30)...) // 60 bytes
	}
	for name, compress := range map[string]func(Encoding, []byte, []byte, []int) ([]byte, error){
		"CompressCuts": CompressCuts, "CompressCutsOnce": CompressCutsOnce} {
		z, err := compress(Zstd, nil, body, cuts)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Decompress(Zstd, z, 1<<20); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%s: round trip: %v", name, err)
		}
		if n := zstdBlockCount(t, z); n != len(cuts)+1 {
			t.Errorf("%s: %d blocks for %d runs of 60 bytes", name, n, len(cuts)+1)
		}
	}
	small, err := CompressCuts(Zstd, nil, body[:6000], cuts[:99])
	if err != nil {
		t.Fatal(err)
	}
	if n := zstdBlockCount(t, small); n > 40 || n < 2 {
		t.Errorf("a 6,000-byte answer with cuts 60 bytes apart: %d blocks, want several, one per 128 bytes at most", n)
	}
	// Below minCutAnswer, one block whatever the cuts.
	tiny, err := CompressCuts(Zstd, nil, body[:minCutAnswer-1], cuts[:(minCutAnswer-1)/60])
	if err != nil {
		t.Fatal(err)
	}
	if n := zstdBlockCount(t, tiny); n != 1 {
		t.Errorf("a %d-byte answer: %d blocks, want 1", minCutAnswer-1, n)
	}
	if got, err := Decompress(Zstd, tiny, 1<<20); err != nil || !bytes.Equal(got, body[:minCutAnswer-1]) {
		t.Fatalf("round trip of the one-block answer: %v", err)
	}
}

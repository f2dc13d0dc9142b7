package codec

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

// TestReadBodySizedTrustsNoAnnouncement: whatever size a body is
// announced as (right, too small, too large, unknown), ReadBodySized
// returns the body whole, and a body over maxWire fails with
// ErrTooLarge even when announced as smaller.
func TestReadBodySizedTrustsNoAnnouncement(t *testing.T) {
	body := make([]byte, 20000)
	for i := range body {
		body[i] = byte(i * 7)
	}
	for _, size := range []int64{-1, 0, 1, 19999, 20000, 20001, 1 << 40} {
		got, err := ReadBodySized(bytes.NewReader(body), Identity, size, 1<<20, 1<<20)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("announced %d: %d bytes, %v", size, len(got), err)
		}
	}
	if _, err := ReadBodySized(bytes.NewReader(body), Identity, 100, 10000, 1<<20); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a 20,000-byte body announced as 100 against a cap of 10,000: %v", err)
	}
}

// TestReadBodyReadsIntoOneBuffer: a body of a known size (its Content-
// Length, or a reader's Len) is read into a buffer of that size, not one
// grown from 512 bytes; a zstd frame that says how long it is decodes
// into a buffer of that length, not one grown past it (which copied the
// whole answer once more: docs/benchmarks.md).
func TestReadBodyReadsIntoOneBuffer(t *testing.T) {
	body := make([]byte, 37741)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range body {
		body[i] = "abcdefgh"[rng.IntN(8)]
	}
	got, err := ReadBodySized(io.LimitReader(bytes.NewReader(body), 1<<30), Identity, int64(len(body)), 1<<20, 1<<20)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("identity: %d bytes, %v", len(got), err)
	}
	if cap(got) > len(body)+1 {
		t.Errorf("a body of %d bytes announced as such was read into %d", len(body), cap(got))
	}
	z, err := CompressCuts(Zstd, nil, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err = ReadBody(bytes.NewReader(z), Zstd, 1<<20, 1<<20)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("zstd: %d bytes, %v", len(got), err)
	}
	if cap(got) > len(body)+zstdOverAlloc {
		t.Errorf("a zstd frame of %d bytes decoded into %d", len(body), cap(got))
	}
}

// TestDecompressZstdFramesAfterTheFirst: a frame that says its size is
// decoded in one call; frames after it still count, whole and against
// the limit.
func TestDecompressZstdFramesAfterTheFirst(t *testing.T) {
	a, b := bytes.Repeat([]byte("first frame "), 300), bytes.Repeat([]byte("second "), 500)
	za, err := CompressCuts(Zstd, nil, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	both, err := CompressCuts(Zstd, za, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decompress(Zstd, both, 1<<20)
	if err != nil || !bytes.Equal(got, append(append([]byte(nil), a...), b...)) {
		t.Fatalf("two frames: %d bytes, %v", len(got), err)
	}
	if _, err := Decompress(Zstd, both, int64(len(a)+len(b)/2)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("two frames past the limit: %v", err)
	}
}

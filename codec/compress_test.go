package codec

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

var encodings = []Encoding{Identity, Gzip, Zstd}

// testPayloads are inputs for round trips: empty, tiny, compressible,
// incompressible, and bigger than a zstd block and window.
func testPayloads() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 300<<10)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	return map[string][]byte{
		"empty":  {},
		"byte":   {42},
		"text":   []byte(strings.Repeat("offsync row payload ", 5000)),
		"random": random,
		"large":  bytes.Repeat(random[:1000], 3000), // 3 MB, beyond the 1 MiB window
	}
}

func TestCompressRoundTrip(t *testing.T) {
	for _, e := range encodings {
		for name, src := range testPayloads() {
			dst := []byte("prefix")
			out, err := Compress(e, dst, src)
			if err != nil {
				t.Fatalf("%v %s: %v", e, name, err)
			}
			if !bytes.HasPrefix(out, []byte("prefix")) {
				t.Fatalf("%v %s: prefix lost", e, name)
			}
			got, err := Decompress(e, out[len("prefix"):], int64(len(src)))
			if err != nil {
				t.Fatalf("%v %s: %v", e, name, err)
			}
			if !bytes.Equal(got, src) {
				t.Fatalf("%v %s: round trip differs", e, name)
			}
			if len(src) > 0 {
				_, err := Decompress(e, out[len("prefix"):], int64(len(src))-1)
				wantErr(t, err, ErrTooLarge)
			}
		}
	}
}

func TestDecompressEmptyInput(t *testing.T) {
	for _, e := range encodings {
		if out, err := Decompress(e, nil, 0); err != nil || len(out) != 0 {
			t.Errorf("%v: %q, %v", e, out, err)
		}
	}
}

func TestDecompressTruncated(t *testing.T) {
	src := testPayloads()["text"]
	for _, e := range []Encoding{Gzip, Zstd} {
		full, err := Compress(e, nil, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 4, 10, len(full) / 2, len(full) - 1} {
			_, err := Decompress(e, full[:n], 1<<30)
			wantErr(t, err, ErrMalformed)
		}
	}
}

func TestDecompressCorrupt(t *testing.T) {
	src := testPayloads()["text"]
	for _, e := range []Encoding{Gzip, Zstd} {
		full, _ := Compress(e, nil, src)
		for _, pos := range []int{0, 3, len(full) / 2, len(full) - 2} {
			bad := bytes.Clone(full)
			bad[pos] ^= 0xff
			if _, err := Decompress(e, bad, 1<<30); !errors.Is(err, ErrMalformed) {
				t.Errorf("%v: flipped byte %d: %v", e, pos, err)
			}
		}
		_, err := Decompress(e, []byte("definitely not compressed"), 1<<30)
		wantErr(t, err, ErrMalformed)
		_, err = Decompress(e, append(bytes.Clone(full), "junk"...), 1<<30)
		wantErr(t, err, ErrMalformed)
	}
}

func TestUnsupportedEncoding(t *testing.T) {
	_, err := Compress(Encoding(9), nil, nil)
	wantErr(t, err, ErrUnsupportedEncoding)
	_, err = Decompress(Encoding(9), nil, 0)
	wantErr(t, err, ErrUnsupportedEncoding)
	_, err = ReadBody(strings.NewReader(""), Encoding(9), 1, 1)
	wantErr(t, err, ErrUnsupportedEncoding)
	_, err = NewWriter(io.Discard, Encoding(9))
	wantErr(t, err, ErrUnsupportedEncoding)
}

// zstdRLEBomb hand-builds a zstd frame of RLE blocks that expands to size
// bytes of zeros from about size/32768 bytes, with no declared content
// size. windowLog sets the window the frame asks for.
func zstdRLEBomb(size int64, windowLog int) []byte {
	const block = 128 << 10
	b := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, byte(windowLog-10) << 3}
	for left := size; left > 0; left -= block {
		n := min(left, block)
		h := uint32(n)<<3 | 1<<1 // RLE block
		if left <= block {
			h |= 1 // last block
		}
		b = append(b, byte(h), byte(h>>8), byte(h>>16), 0)
	}
	return b
}

// gzipBomb concatenates copies of one gzip member of 1 MiB of zeros;
// gzip readers decode concatenated members as one stream.
func gzipBomb(t *testing.T, mib int) []byte {
	member, err := Compress(Gzip, nil, make([]byte, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(member, mib)
}

func TestDecompressBombs(t *testing.T) {
	bigZstd, err := Compress(Zstd, nil, make([]byte, 16<<20))
	if err != nil {
		t.Fatal(err)
	}
	bigGzip, err := Compress(Gzip, nil, make([]byte, 16<<20))
	if err != nil {
		t.Fatal(err)
	}
	bombs := []struct {
		name string
		e    Encoding
		data []byte
	}{
		{"zstd rle 1GiB", Zstd, zstdRLEBomb(1<<30, 20)},
		{"zstd encoder 16MiB", Zstd, bigZstd},
		{"gzip members 1GiB", Gzip, gzipBomb(t, 1024)},
		{"gzip encoder 16MiB", Gzip, bigGzip},
	}
	const limit = 1 << 20
	for _, b := range bombs {
		var err error
		start := time.Now()
		n := allocated(func() { _, err = Decompress(b.e, b.data, limit) })
		wantErr(t, err, ErrTooLarge)
		t.Logf("%s: %d compressed bytes refused in %v, %d KiB allocated", b.name, len(b.data), time.Since(start), n>>10)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", b.name, d)
		}
		if n > 32<<20 {
			t.Errorf("%s: allocated %d MiB to refuse %d compressed bytes", b.name, n>>20, len(b.data))
		}
	}
}

func TestDecompressZstdHeaderLimits(t *testing.T) {
	// A declared content size over the limit is refused before decoding.
	frame, _ := Compress(Zstd, nil, make([]byte, 100<<10))
	_, err := Decompress(Zstd, frame, 1000)
	wantErr(t, err, ErrTooLarge)
	// A frame asking for a 1 GiB window is refused, however small.
	_, err = Decompress(Zstd, zstdRLEBomb(10, 30), 1<<40)
	wantErr(t, err, ErrTooLarge)
	// The largest allowed window still decodes.
	out, err := Decompress(Zstd, zstdRLEBomb(300<<10, 23), 1<<20)
	if err != nil || len(out) != 300<<10 {
		t.Fatalf("8 MiB window: %d bytes, %v", len(out), err)
	}
}

func TestReadBody(t *testing.T) {
	src := testPayloads()["text"]
	for _, e := range encodings {
		wire, _ := Compress(e, nil, src)
		w := int64(len(wire))
		got, err := ReadBody(bytes.NewReader(wire), e, w, int64(len(src)))
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("%v: %d bytes, %v", e, len(got), err)
		}
		_, err = ReadBody(bytes.NewReader(wire), e, w-1, 1<<30)
		wantErr(t, err, ErrTooLarge)
		if !strings.HasPrefix(err.Error(), "read body: ") {
			t.Errorf("error %q lacks prefix", err)
		}
		_, err = ReadBody(bytes.NewReader(wire), e, w, int64(len(src))-1)
		wantErr(t, err, ErrTooLarge)
	}
	// An endless body stops at the wire cap.
	_, err := ReadBody(zeroReader{}, Identity, 1<<20, 1<<30)
	wantErr(t, err, ErrTooLarge)
	// Reader errors come back as they are, not as malformed input.
	boom := errors.New("connection reset")
	_, err = ReadBody(io.MultiReader(strings.NewReader("abc"), errReader{boom}), Gzip, 100, 100)
	wantErr(t, err, boom)
	if errors.Is(err, ErrMalformed) || errors.Is(err, ErrTooLarge) {
		t.Errorf("reader error classified as %v", err)
	}
	// Huge caps do not overflow.
	got, err := ReadBody(strings.NewReader("abc"), Identity, 1<<63-1, 1<<63-1)
	if err != nil || string(got) != "abc" {
		t.Fatalf("max caps: %q, %v", got, err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// TestConcurrentUse hammers the pools from several goroutines; run it
// with -race.
func TestConcurrentUse(t *testing.T) {
	payloads := testPayloads()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 6 {
		wg.Go(func() {
			for i := range 20 {
				e := encodings[(g+i)%len(encodings)]
				for _, src := range [][]byte{payloads["text"], payloads["byte"], payloads["random"][:5000]} {
					out, err := Compress(e, nil, src)
					if err == nil {
						out, err = Decompress(e, out, int64(len(src)))
					}
					if err == nil && !bytes.Equal(out, src) {
						err = errors.New("round trip differs")
					}
					if err == nil {
						err = streamRoundTrip(e, src)
					}
					if err == nil {
						var r Row
						if err = Unmarshal(mustMarshal(t, sampleRow()), &r); err == nil && r.ID != sampleRow().ID {
							err = errors.New("row differs")
						}
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

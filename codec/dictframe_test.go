package codec

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
	"pgregory.net/rapid"
)

// dictFrameInput draws a dictionary content and an answer that repeats
// pieces of it and of itself among random bytes, as a small answer
// repeats its metadata's names.
func dictFrameInput(t *rapid.T) (content, src []byte) {
	content = rapid.SliceOfN(rapid.Byte(), 0, 600).Draw(t, "content")
	n := rapid.IntRange(0, 40).Draw(t, "pieces")
	for i := 0; i < n; i++ {
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0:
			src = append(src, rapid.SliceOfN(rapid.Byte(), 1, 40).Draw(t, "random")...)
		case 1:
			if len(content) > 0 {
				a := rapid.IntRange(0, len(content)-1).Draw(t, "from")
				b := rapid.IntRange(a, min(len(content), a+300)).Draw(t, "to")
				src = append(src, content[a:b]...)
			}
		case 2:
			if len(src) > 0 {
				a := rapid.IntRange(0, len(src)-1).Draw(t, "back")
				l := rapid.IntRange(1, 200).Draw(t, "len")
				for j := 0; j < l; j++ { // may overlap what it copies
					src = append(src, src[a+j])
				}
			}
		case 3:
			src = append(src, bytes.Repeat([]byte{rapid.Byte().Draw(t, "run")}, rapid.IntRange(1, 70000).Draw(t, "runlen"))...)
		}
	}
	return content, src
}

// TestDictFrameRoundTrips: every frame encodeDictFrame writes decodes,
// with klauspost/compress's decoder given the content as a raw
// dictionary, to exactly its input; inputs past a block (128 KB) and
// empty ones included.
func TestDictFrameRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		content, src := dictFrameInput(t)
		frame := encodeDictFrame([]byte("prefix"), content, newDictIndex(content), src)
		if !bytes.HasPrefix(frame, []byte("prefix")) {
			t.Fatalf("the frame did not append to dst")
		}
		frame = frame[len("prefix"):]
		dec, err := zstd.NewReader(nil, zstd.WithDecoderDictRaw(0, content), zstd.WithDecoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		defer dec.Close()
		out, err := dec.DecodeAll(frame, nil)
		if err != nil {
			t.Fatalf("decode %d bytes (input %d): %v", len(frame), len(src), err)
		}
		if !bytes.Equal(out, src) {
			t.Fatalf("round trip of %d bytes gave %d different bytes", len(src), len(out))
		}
		if len(src) > 64 && len(frame) > len(src)+20 {
			t.Fatalf("%d bytes coded in %d", len(src), len(frame))
		}
	})
}

// TestDictFrameReferenceDecoder: the reference implementation (the zstd
// command, when installed: CI installs it) decodes the frames too, so a
// client on libzstd reads our answers.
func TestDictFrameReferenceDecoder(t *testing.T) {
	bin, err := exec.LookPath("zstd")
	if err != nil {
		t.Skip("no zstd command")
	}
	d := testDict(t, 7)
	a, err := MarshalAnswer(benchAnswer())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, src := range [][]byte{a.Body, a.Body[:200], append(append([]byte{}, d.Content()...), d.Content()...), nil} {
		frame := CompressDict(d, nil, src)
		in, dict, out := filepath.Join(dir, "in.zst"), filepath.Join(dir, "dict"), filepath.Join(dir, "out")
		if err := os.WriteFile(in, frame, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dict, d.Content(), 0o600); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command(bin, "-q", "-f", "-d", "-D", dict, in, "-o", out).CombinedOutput(); err != nil {
			t.Fatalf("case %d: zstd -d: %v: %s", i, err, msg)
		}
		got, _ := os.ReadFile(out)
		if !bytes.Equal(got, src) {
			t.Fatalf("case %d: the reference decoder gave %d bytes, want %d", i, len(got), len(src))
		}
	}
}

// FuzzDictFrame: any content and input round-trip.
func FuzzDictFrame(f *testing.F) {
	f.Add([]byte("account name description"), []byte("name description account account"))
	f.Fuzz(func(t *testing.T, content, src []byte) {
		frame := encodeDictFrame(nil, content, newDictIndex(content), src)
		dec, err := zstd.NewReader(nil, zstd.WithDecoderDictRaw(0, content), zstd.WithDecoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		defer dec.Close()
		out, err := dec.DecodeAll(frame, nil)
		if err != nil || !bytes.Equal(out, src) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// BenchmarkCompressDict codes a two-row delta answer with the answer
// dictionary: this encoder against klauspost/compress's fastest
// dictionary encoder, which CompressDict used before (dictframe.go).
func BenchmarkCompressDict(b *testing.B) {
	d := testDict(b, 7)
	a := benchAnswer()
	a.Entities = a.Entities[:1]
	a.Entities[0].Entity = "account"
	a.Entities[0].Rows = a.Entities[0].Rows[1:3]
	a.Cursor, a.CursorBytes = "", make([]byte, 23)
	m, err := MarshalAnswer(a)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("offsync", func(b *testing.B) {
		var out []byte
		for b.Loop() {
			out = CompressDict(d, out[:0], m.Body)
		}
		b.ReportMetric(float64(len(out)), "bytes")
	})
	b.Run("klauspost-fastest", func(b *testing.B) {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(32<<10),
			zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false), zstd.WithEncoderDictRaw(0, d.Content()))
		if err != nil {
			b.Fatal(err)
		}
		var out []byte
		for b.Loop() {
			out = enc.EncodeAll(m.Body, out[:0])
		}
		b.ReportMetric(float64(len(out)), "bytes")
	})
}

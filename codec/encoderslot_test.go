package codec

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// TestBestLevelCompressionsShareOneEncoder: CompressCutsOnce calls made
// one after another, from goroutines on any P, make and keep one
// best-level encoder (about 34 MB), not one per P.
func TestBestLevelCompressionsShareOneEncoder(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	}
	src := bytes.Repeat([]byte("offsync shared page "), 4<<10)
	var first *zstd.Encoder // held, so that no collection drops it meanwhile
	for i := range 16 {
		done := make(chan []byte)
		go func() {
			out, err := CompressCutsOnce(Zstd, nil, src, []int{len(src) / 2})
			if err != nil {
				t.Error(err)
			}
			done <- out
		}()
		out := <-done
		if got, err := Decompress(Zstd, out, int64(len(src))); err != nil || !bytes.Equal(got, src) {
			t.Fatalf("compression %d does not decompress to its input: %v", i, err)
		}
		enc, _ := onceStreams.Get().(*zstd.Encoder)
		switch {
		case enc == nil:
			t.Fatalf("no encoder is kept after compression %d", i)
		case first == nil:
			first = enc
		case enc != first:
			t.Fatalf("compression %d made another encoder", i)
		}
		onceStreams.Put(enc)
	}
}

// TestEncoderSlotKeepsOne: a slot keeps the first encoder put back and
// drops the others; a Get empties it.
func TestEncoderSlotKeepsOne(t *testing.T) {
	var s encoderSlot
	if v := s.Get(); v != nil {
		t.Fatalf("an empty slot gave %v", v)
	}
	a, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	b, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	s.Put(a)
	s.Put(b)
	if v, _ := s.Get().(*zstd.Encoder); v != a {
		t.Fatalf("the slot gave %p, want the first put %p", v, a)
	}
	if v := s.Get(); v != nil {
		t.Fatalf("the slot gave a second encoder %v", v)
	}
	runtime.KeepAlive(b)
}

// TestEncoderSlotSpillsToItsOverflow: a slot with spill keeps the first
// encoder put back and gives a second one put back meanwhile to its
// overflow, from which a Get takes it once the first is taken.
func TestEncoderSlotSpillsToItsOverflow(t *testing.T) {
	s := encoderSlot{spill: true}
	a, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	b, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	s.Put(a)
	s.Put(b)
	if v, _ := s.Get().(*zstd.Encoder); v != a {
		t.Fatalf("the slot gave %p, want the kept %p", v, a)
	}
	switch v, _ := s.Get().(*zstd.Encoder); {
	case v == nil && raceEnabled: // the overflow's sync.Pool dropped it
	case v != b:
		t.Fatalf("the second get gave %p, want %p from the overflow", v, b)
	}
}

// TestAnswerEncodersOutliveCollections: the encoder an answer was
// compressed with is still there for the next answer after garbage
// collections (a sync.Pool drops it after two), at both answer levels.
func TestAnswerEncodersOutliveCollections(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		slot *encoderSlot
	}{{"small", smallAnswer / 4, &smallStreams}, {"large", 2 * smallAnswer, &answerStreams}} {
		t.Run(tc.name, func(t *testing.T) {
			src := bytes.Repeat([]byte("offsync answer "), tc.size/15)
			if _, err := CompressCuts(Zstd, nil, src, nil); err != nil {
				t.Fatal(err)
			}
			kept, _ := tc.slot.Get().(*zstd.Encoder)
			if kept == nil {
				t.Fatal("no encoder is kept after a compression")
			}
			tc.slot.Put(kept)
			for range 4 {
				runtime.GC()
			}
			out, err := CompressCuts(Zstd, nil, src, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := Decompress(Zstd, out, int64(len(src))); err != nil || !bytes.Equal(got, src) {
				t.Fatalf("the answer does not decompress to its input: %v", err)
			}
			if again, _ := tc.slot.Get().(*zstd.Encoder); again != kept {
				t.Fatalf("after 4 collections the answer used encoder %p, not the kept %p", again, kept)
			} else {
				tc.slot.Put(again)
			}
		})
	}
}

// TestEncoderSlotDropsAnIdleEncoder: an encoder taken and put back
// within the slot's idle time is kept; one nobody took for that long is
// dropped.
func TestEncoderSlotDropsAnIdleEncoder(t *testing.T) {
	s := encoderSlot{after: 50 * time.Millisecond}
	a, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	s.Put(a)
	if v, _ := s.Get().(*zstd.Encoder); v != a {
		t.Fatalf("the slot gave %p, want %p", v, a)
	}
	s.Put(a)
	kept := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.idle != nil
	}
	for deadline := time.Now().Add(5 * time.Second); kept(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the slot still keeps its encoder 5 s after its idle time")
		}
	}
	if v := s.Get(); v != nil {
		t.Fatalf("the slot gave %v after dropping it", v)
	}
}

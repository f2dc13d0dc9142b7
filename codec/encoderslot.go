package codec

import (
	"runtime"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// encoderPool is where compressCuts takes its zstd encoder from and puts
// it back: an encoderSlot, or a sync.Pool in tests.
type encoderPool interface {
	Get() any
	Put(any)
}

// encoderSlotIdle is how long an encoderSlot keeps encoders nobody
// uses: past it they are dropped, for the collector to free.
const encoderSlotIdle = 10 * time.Second

// encoderSlot keeps up to keep idle zstd encoders (one when keep is 0),
// until none has been taken for encoderSlotIdle. A new encoder costs far
// more than the compression of an answer: 0.6 ms at zstd's default level
// and 7.5 ms at its better one, against 20–30 µs to compress a 3 KB
// answer with a kept one (docs/benchmarks.md), so the encoders must
// outlive garbage collections, which a sync.Pool's do not: it drops them
// after two. Then the first answer after a group build (which collects
// several times) paid for a new encoder, and so did any answer in a busy
// server that found the pool emptied.
//
// A sync.Pool also keeps the last encoder put on each P in that P's
// private slot, which a Get on another P does not see, so compressions
// that run one after another on two Ps make and keep two encoders. Of the
// best level's (about 34 MB each: CompressCutsOnce) that is one too many:
// its slot keeps one. Its zero value is ready.
type encoderSlot struct {
	mu    sync.Mutex
	idle  []*zstd.Encoder
	keep  int // at most this many idle encoders; 0 is 1
	drop  *time.Timer
	after time.Duration // encoderSlotIdle, but in tests
}

// encodersPerCPU is the keep of the answer encoders' slots: as many as
// compressions can run at once.
func encodersPerCPU() int {
	return min(runtime.GOMAXPROCS(0), 8)
}

// Get returns an idle encoder, or nil (as any) when there is none.
func (s *encoderSlot) Get() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.idle)
	if n == 0 {
		return nil
	}
	enc := s.idle[n-1]
	s.idle[n-1] = nil
	s.idle = s.idle[:n-1]
	return enc
}

// Put keeps enc as an idle encoder, unless the slot keeps as many as it
// may already, and (re)starts the idle timer.
func (s *encoderSlot) Put(v any) {
	enc, ok := v.(*zstd.Encoder)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.idle) < max(s.keep, 1) {
		s.idle = append(s.idle, enc)
	}
	after := s.after
	if after == 0 {
		after = encoderSlotIdle
	}
	if s.drop == nil {
		s.drop = time.AfterFunc(after, s.dropIdle)
	} else {
		s.drop.Reset(after)
	}
}

// dropIdle lets the idle encoders go.
func (s *encoderSlot) dropIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.idle)
	s.idle = s.idle[:0]
}

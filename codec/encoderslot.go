package codec

import (
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// encoderPool is where compressCuts takes its zstd encoder from and puts
// it back: a sync.Pool, or an encoderSlot.
type encoderPool interface {
	Get() any
	Put(any)
}

// encoderSlotIdle is how long an encoderSlot keeps an encoder nobody
// uses: past it the encoder is dropped, for the collector to free.
const encoderSlotIdle = 10 * time.Second

// encoderSlot keeps one idle zstd encoder, until it has been idle for
// encoderSlotIdle. It is for encoders too large to keep several of: a
// sync.Pool keeps the last encoder put on each P in that P's private
// slot, which a Get on another P does not see, so compressions that run
// one after another on two Ps make and keep two encoders. Of the best
// level's (about 34 MB each: CompressCutsOnce) that is one too many. It
// does not drop its encoder at each collection either (as a sync.Pool
// does after two): a group build compresses its pages one after another
// with allocations in between, and a new 34 MB encoder for each page
// would bring the next collection closer. Its zero value is ready.
type encoderSlot struct {
	mu    sync.Mutex
	idle  *zstd.Encoder
	drop  *time.Timer
	after time.Duration // encoderSlotIdle, but in tests
}

// Get returns the idle encoder, or nil (as any) when there is none.
func (s *encoderSlot) Get() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	enc := s.idle
	s.idle = nil
	if enc == nil {
		return nil
	}
	return enc
}

// Put keeps enc as the idle encoder, unless one is kept already, and
// (re)starts the idle timer.
func (s *encoderSlot) Put(v any) {
	enc, ok := v.(*zstd.Encoder)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idle == nil {
		s.idle = enc
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

// dropIdle lets the idle encoder go.
func (s *encoderSlot) dropIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idle = nil
}

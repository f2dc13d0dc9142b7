package codec

import (
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// encoderSlotIdle is how long an encoderSlot keeps an encoder nobody
// uses: past it the encoder is dropped, for the collector to free.
const encoderSlotIdle = 10 * time.Second

// encoderSlot keeps one idle zstd encoder until it has been idle for
// encoderSlotIdle, whatever garbage collections come in between. A new
// encoder costs far more than the compression of an answer: 0.6 ms at
// zstd's default level and 7.5 ms at its better one, against 20–40 µs
// to compress a 3 KB answer with a kept one (docs/benchmarks.md). A
// sync.Pool drops its encoders after two collections, so a server that
// had collected twice since its last answer (after a group build, say)
// paid for a new encoder on the next one.
//
// Encoders put back while the slot is full go to its overflow, a
// sync.Pool, when spill is set: compressions that run at once then find
// them there, as they did in the sync.Pool alone, and the collector
// frees them when they are not used. Without spill they are dropped:
// that is for encoders too large to keep several of. A sync.Pool keeps
// the last encoder put on each P in that P's private slot, which a Get on
// another P does not see, so compressions that run one after another on
// two Ps make and keep two encoders; of the best level's (about 34 MB
// each: CompressCutsOnce) that is one too many. Its zero value is ready.
type encoderSlot struct {
	mu       sync.Mutex
	idle     *zstd.Encoder
	spill    bool      // encoders put back while idle is taken go to overflow
	overflow sync.Pool // used only when spill is set
	drop     *time.Timer
	after    time.Duration // encoderSlotIdle, but in tests
}

// Get returns the idle encoder, else one from the overflow, or nil (as
// any) when there is none.
func (s *encoderSlot) Get() any {
	s.mu.Lock()
	enc := s.idle
	s.idle = nil
	s.mu.Unlock()
	if enc != nil {
		return enc
	}
	if s.spill {
		return s.overflow.Get()
	}
	return nil
}

// Put keeps enc as the idle encoder, unless one is kept already (then it
// goes to the overflow, or is dropped), and (re)starts the idle timer.
func (s *encoderSlot) Put(v any) {
	enc, ok := v.(*zstd.Encoder)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.idle == nil:
		s.idle = enc
	case s.spill:
		s.overflow.Put(enc)
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

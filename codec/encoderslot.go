package codec

import (
	"sync"
	"weak"

	"github.com/klauspost/compress/zstd"
)

// encoderPool is where compressCuts takes its zstd encoder from and puts
// it back: a sync.Pool, or an encoderSlot.
type encoderPool interface {
	Get() any
	Put(any)
}

// encoderSlot keeps one idle zstd encoder, until the next garbage
// collection. It is for encoders too large to keep several of: a
// sync.Pool keeps the last encoder put on each P in that P's private
// slot, which a Get on another P does not see, so compressions that run
// one after another on two Ps make and keep two encoders. Of the best
// level's (about 34 MB each: CompressCutsOnce) that is one too many.
// Its zero value is ready.
type encoderSlot struct {
	mu   sync.Mutex
	idle weak.Pointer[zstd.Encoder]
}

// Get returns the idle encoder, or nil (as any) when there is none.
func (s *encoderSlot) Get() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	enc := s.idle.Value()
	s.idle = weak.Pointer[zstd.Encoder]{}
	if enc == nil {
		return nil
	}
	return enc
}

// Put keeps enc as the idle encoder, unless one is kept already.
func (s *encoderSlot) Put(v any) {
	enc, ok := v.(*zstd.Encoder)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idle.Value() == nil {
		s.idle = weak.Make(enc)
	}
}

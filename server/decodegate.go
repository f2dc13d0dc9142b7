package server

import (
	"context"
	"sync"
)

// decodeGate bounds the request bodies decompressed at once
// (BodyCaps.MaxConcurrentDecodes). Each decompression may hold its
// route's decoded cap, so without a bound a few hundred small bombs sent
// at once hold gigabytes; decompressing is CPU work, so a few per core
// lose no throughput. Its zero value is ready: the slots are made on
// first use.
type decodeGate struct {
	once  sync.Once
	slots chan struct{}
}

// enter waits for one of n slots, or for ctx's end.
func (g *decodeGate) enter(ctx context.Context, n int) error {
	g.once.Do(func() { g.slots = make(chan struct{}, n) })
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// leave frees the slot enter took.
func (g *decodeGate) leave() { <-g.slots }

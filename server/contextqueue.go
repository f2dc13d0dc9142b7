package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/offsync/offsync/engine"
)

// Registering access contexts. A cursor names the access context of its
// view by fingerprint only; the context itself must be in the replicated
// registry (engine/contextstore.go) for a pull after an access change to
// be a delta rather than a reload. Whenever a node hands out a cursor
// whose context the registry lacks, it queues the context here, and a
// flusher goroutine proposes the queue in batches (KindRecordContexts),
// through the leader when this node is a follower, so a context
// registered through any node is known on every node. A pull never waits
// for this: until the context is registered (or if the proposal is lost,
// say the node stops first), the worst outcome is that the device's next
// pull after an access change reloads its view. The next full pull that
// hands the context out again queues it again.

const (
	// DefaultContextQueueMax caps the contexts queued on one node; past
	// it, new ones are dropped (they are queued again by a later pull).
	DefaultContextQueueMax = 10_000
	// DefaultContextBatchDelay is how long the flusher gathers contexts
	// before proposing them.
	DefaultContextBatchDelay = 50 * time.Millisecond
	// DefaultContextRetryMax bounds the wait between failed proposals.
	DefaultContextRetryMax = 5 * time.Second
	// contextAttempts is how many failed proposals in a row make the
	// flusher drop its queue and stop (a cluster without a leader for a
	// while: later pulls queue the contexts again).
	contextAttempts = 8
	// maxKnownContexts bounds the set of fingerprints known registered.
	maxKnownContexts = 100_000
)

// contextQueue is the node's queue of contexts to register. The zero
// value is ready.
type contextQueue struct {
	mu      sync.Mutex
	pending map[uint64]engine.CursorContext
	// known holds fingerprints known to be registered (or queued), so
	// that a pull checks the registry once per context; it starts over
	// when the change-log horizon moves (a prune may delete entries) or
	// when it is full.
	known    map[uint64]struct{}
	horizon  uint64
	flushing bool
}

// contextRegistry is what the engine tells about registered contexts.
type contextRegistry interface {
	ContextRegistered(fp uint64) (bool, error)
}

// horizonReader reports the change-log horizon (engine.Engine).
type horizonReader interface {
	Horizon() uint64
}

// rememberContext makes sure the context c of fingerprint fp, which a
// cursor this node hands out names, gets registered. It never blocks on
// the log.
func (s *Server) rememberContext(fp uint64, c *engine.CursorContext) {
	reg, ok := s.r.(contextRegistry)
	if !ok || c == nil {
		return
	}
	q := &s.contexts
	var horizon uint64
	if h, ok := s.r.(horizonReader); ok {
		horizon = h.Horizon()
	}
	q.mu.Lock()
	if q.horizon != horizon || len(q.known) >= maxKnownContexts {
		q.known, q.horizon = nil, horizon
	}
	_, known := q.known[fp]
	q.mu.Unlock()
	if known {
		return
	}
	if registered, err := reg.ContextRegistered(fp); err != nil || registered {
		if err == nil {
			q.markKnown(fp)
		}
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pending == nil {
		q.pending = map[uint64]engine.CursorContext{}
	}
	if _, ok := q.pending[fp]; !ok && len(q.pending) >= DefaultContextQueueMax {
		return
	}
	q.pending[fp] = *c
	if !q.flushing {
		q.flushing = true
		go s.flushContexts()
	}
}

func (q *contextQueue) markKnown(fps ...uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.known == nil {
		q.known = map[uint64]struct{}{}
	}
	for _, fp := range fps {
		q.known[fp] = struct{}{}
	}
}

// take removes up to n queued contexts; with none left, it marks the
// flusher stopped (under the same lock, so that a context queued next
// starts a new one).
func (q *contextQueue) take(n int) []engine.RecordedContext {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []engine.RecordedContext
	for fp, c := range q.pending {
		if len(out) == n {
			break
		}
		out = append(out, engine.RecordedContext{Fingerprint: fp, Context: c})
		delete(q.pending, fp)
	}
	if len(out) == 0 {
		q.flushing = false
	}
	return out
}

// putBack queues contexts whose proposal failed again, unless newer ones
// fill the queue.
func (q *contextQueue) putBack(batch []engine.RecordedContext) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pending == nil {
		q.pending = map[uint64]engine.CursorContext{}
	}
	for _, rc := range batch {
		if len(q.pending) >= DefaultContextQueueMax {
			return
		}
		if _, ok := q.pending[rc.Fingerprint]; !ok {
			q.pending[rc.Fingerprint] = rc.Context
		}
	}
}

// drop empties the queue and marks the flusher stopped.
func (q *contextQueue) drop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := len(q.pending)
	q.pending, q.flushing = nil, false
	return n
}

// flushContexts proposes the queued contexts in batches until the queue
// is empty. A proposal that fails waits (doubling up to
// DefaultContextRetryMax) and is retried; after contextAttempts failures
// in a row the queue is dropped. A refused batch (invalid) is dropped.
func (s *Server) flushContexts() {
	q := &s.contexts
	wait, failures := DefaultContextBatchDelay, 0
	for {
		time.Sleep(wait)
		batch := q.take(engine.MaxRecordedContexts)
		if len(batch) == 0 {
			return
		}
		_, err := s.propose(context.Background(), &engine.Command{Kind: engine.KindRecordContexts, Contexts: batch})
		switch {
		case err == nil:
			fps := make([]uint64, len(batch))
			for i := range batch {
				fps[i] = batch[i].Fingerprint
			}
			q.markKnown(fps...)
			wait, failures = DefaultContextBatchDelay, 0
		case errors.Is(err, engine.ErrInvalid):
			s.log.Warn("register cursor contexts: refused", "contexts", len(batch), "err", err)
		default:
			if failures++; failures >= contextAttempts {
				n := q.drop()
				s.log.Warn("register cursor contexts: giving up for now", "contexts", n+len(batch), "err", err)
				return
			}
			q.putBack(batch)
			wait = min(2*wait, DefaultContextRetryMax)
		}
	}
}

package replication

import (
	"sync"

	"github.com/hashicorp/raft"
)

// stableStore is Raft's stable store (current term, last vote) over the
// log store's database, made safe to close under a running transport.
//
// hashicorp/raft's NetworkTransport.Close does not wait for the goroutines
// that handle incoming RPCs, and a heartbeat that was already decoded when
// the node shut down can still reach setCurrentTerm, which panics when the
// write fails ("failed to save current term: database not open"). After
// close, a write here blocks instead of failing: that goroutine never
// answers (so no peer is told a term was saved that was not) and the
// process goes on closing. Reads after close fail as usual.
type stableStore struct {
	mu     sync.RWMutex
	closed bool
	s      raft.StableStore
}

func (s *stableStore) write(fn func() error) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		select {} // shutting down: never claim the write was made
	}
	defer s.mu.RUnlock()
	return fn()
}

// Set implements raft.StableStore.
func (s *stableStore) Set(k, v []byte) error { return s.write(func() error { return s.s.Set(k, v) }) }

// SetUint64 implements raft.StableStore.
func (s *stableStore) SetUint64(k []byte, v uint64) error {
	return s.write(func() error { return s.s.SetUint64(k, v) })
}

// Get implements raft.StableStore.
func (s *stableStore) Get(k []byte) ([]byte, error) { return s.s.Get(k) }

// GetUint64 implements raft.StableStore.
func (s *stableStore) GetUint64(k []byte) (uint64, error) { return s.s.GetUint64(k) }

// close makes later writes block, once the writes in flight are done; the
// caller then closes the database underneath.
func (s *stableStore) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

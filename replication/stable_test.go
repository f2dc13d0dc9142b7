package replication

import (
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// TestStableStoreWritesBlockAfterClose: writes pass through until close;
// after it a write never returns (rather than fail, which makes
// hashicorp/raft panic in a heartbeat that raced the shutdown), and reads
// still answer.
func TestStableStoreWritesBlockAfterClose(t *testing.T) {
	inner := raft.NewInmemStore()
	s := &stableStore{s: inner}
	if err := s.SetUint64([]byte("term"), 3); err != nil {
		t.Fatal(err)
	}
	if v, err := s.GetUint64([]byte("term")); err != nil || v != 3 {
		t.Fatalf("read back %d %v", v, err)
	}
	s.close()
	done := make(chan error, 1)
	go func() { done <- s.SetUint64([]byte("term"), 4) }()
	select {
	case err := <-done:
		t.Fatalf("a write after close returned (%v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	if v, _ := inner.GetUint64([]byte("term")); v != 3 {
		t.Fatalf("a write after close reached the store: %d", v)
	}
}

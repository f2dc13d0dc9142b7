package replication

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// ReadIndex returns a version that makes a read linearizable: once a node
// has applied it, its state holds every write acknowledged before
// ReadIndex was called. Only the leader can answer (elsewhere
// ErrNotLeader). It commits a Raft barrier, which needs a quorum, so a
// leader cut off from the majority cannot answer with a stale index; then
// it returns the leader's applied version, which the barrier guarantees
// covers every entry committed before it.
func (n *Node) ReadIndex(ctx context.Context) (uint64, error) {
	if n.closed.Load() {
		return 0, ErrClosed
	}
	if n.raft.State() != raft.Leader {
		return 0, fmt.Errorf("read index: %w", ErrNotLeader)
	}
	timeout := n.cfg.ApplyTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = time.Until(dl)
	}
	if err := n.raft.Barrier(timeout).Error(); err != nil {
		switch {
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost):
			return 0, fmt.Errorf("read index: %w", ErrNotLeader)
		case errors.Is(err, raft.ErrEnqueueTimeout):
			return 0, fmt.Errorf("read index: %w", ErrTimeout)
		}
		return 0, fmt.Errorf("read index: %w", err)
	}
	// The barrier has been through the FSM; wait for its last batch to
	// commit (the FSM applies pipelined).
	if err := n.eng.Drain(); err != nil {
		return 0, fmt.Errorf("read index: %w", err)
	}
	return n.eng.Applied(), nil
}

// WaitApplied waits until this node has applied version v, or ctx ends.
func (n *Node) WaitApplied(ctx context.Context, v uint64) error {
	for n.eng.Applied() < v {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for version %d: %w", v, ErrTimeout)
		case <-n.eng.Changed():
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

package replication

import (
	"fmt"
	"math"
	"time"

	"github.com/hashicorp/raft"
)

// A node answers reads from its own engine, at its applied version. That
// is only safe while the node knows it is close to the cluster: the leader
// is (hashicorp/raft steps a leader down once it has not reached a quorum
// for LeaderLeaseTimeout), and a follower is while its leader keeps
// contacting it and it keeps up with what is committed.

// Staleness is how old this node's knowledge of the cluster may be: zero
// on the leader, the time since the leader last contacted it on a
// follower, and effectively forever on a node that never heard from one.
func (n *Node) Staleness() time.Duration {
	if n.closed.Load() {
		return math.MaxInt64
	}
	if n.raft.State() == raft.Leader {
		return 0
	}
	last := n.raft.LastContact()
	if last.IsZero() {
		return math.MaxInt64
	}
	return time.Since(last)
}

// Lag is how many committed entries this node has not applied yet.
func (n *Node) Lag() uint64 {
	commit, applied := n.raft.CommitIndex(), n.raft.AppliedIndex()
	if applied >= commit {
		return 0
	}
	return commit - applied
}

// Fresh returns nil when reads here are within the bounds: staleness at
// most maxStale and at most maxLag committed entries not applied yet.
// Otherwise it returns ErrStale with the reason.
func (n *Node) Fresh(maxStale time.Duration, maxLag uint64) error {
	if st := n.Staleness(); st > maxStale {
		if st == math.MaxInt64 {
			return fmt.Errorf("check freshness: no contact with a leader: %w", ErrStale)
		}
		return fmt.Errorf("check freshness: no contact with the leader for %s (bound %s): %w", st.Round(time.Millisecond), maxStale, ErrStale)
	}
	if lag := n.Lag(); lag > maxLag {
		return fmt.Errorf("check freshness: %d committed versions not applied yet (bound %d): %w", lag, maxLag, ErrStale)
	}
	return nil
}

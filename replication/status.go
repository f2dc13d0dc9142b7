package replication

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/raft"
)

// Status is what a node knows about itself and the cluster, for operators
// (GET /v1/admin/cluster) and tests.
type Status struct {
	ID    string `json:"id"`
	State string `json:"state"` // Leader, Follower, Candidate or Shutdown
	// LeaderID is the leader this node knows, or "".
	LeaderID string `json:"leaderId"`
	Term     uint64 `json:"term"`
	// LastIndex is the newest log entry held, CommitIndex the newest known
	// committed, Applied the newest applied to the engine (its version).
	LastIndex   uint64 `json:"lastIndex"`
	CommitIndex uint64 `json:"commitIndex"`
	Applied     uint64 `json:"applied"`
	// LastSnapshotIndex is the index of the newest snapshot taken or
	// installed here.
	LastSnapshotIndex uint64 `json:"lastSnapshotIndex"`
	// SnapshotRestores counts snapshots installed into the engine since
	// the node opened.
	SnapshotRestores uint64 `json:"snapshotRestores"`
	// StalenessMs is Staleness in milliseconds (-1: never heard from a
	// leader).
	StalenessMs int64 `json:"stalenessMs"`
}

// Status returns the node's status.
func (n *Node) Status() Status {
	st := Status{
		ID: n.cfg.NodeID, State: n.raft.State().String(), LeaderID: n.LeaderID(),
		Term: n.raft.CurrentTerm(), LastIndex: n.raft.LastIndex(), CommitIndex: n.raft.CommitIndex(),
		Applied: n.eng.Applied(), SnapshotRestores: n.fsm.restores.Load(), StalenessMs: -1,
	}
	st.LastSnapshotIndex, _ = strconv.ParseUint(n.raft.Stats()["last_snapshot_index"], 10, 64)
	if s := n.Staleness(); s < time.Duration(1<<62) {
		st.StalenessMs = s.Milliseconds()
	}
	return st
}

// LastIndex is the newest log entry this node holds. Raft adopts a
// configuration when its entry is appended, so a node whose LastIndex
// reached a change's index lists it in Members.
func (n *Node) LastIndex() uint64 { return n.raft.LastIndex() }

// Snapshot takes a Raft snapshot now and compacts the log behind it
// (keeping TrailingLogs entries).
func (n *Node) Snapshot() error {
	if err := n.raft.Snapshot().Error(); err != nil {
		return fmt.Errorf("take snapshot: %w", err)
	}
	return nil
}

// snapshotLoop takes a snapshot whenever the FSM says the commands applied
// since the last one passed SnapshotBytes.
func (n *Node) snapshotLoop() {
	defer close(n.snapDone)
	for {
		select {
		case <-n.stop:
			return
		case <-n.fsm.bigLog:
		}
		if err := n.Snapshot(); err != nil && !errors.Is(err, raft.ErrNothingNewToSnapshot) {
			n.log.Warn("snapshot after a large log", "err", err)
		}
	}
}

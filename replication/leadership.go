package replication

import (
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// TransferLeadership hands leadership to the voter with id to, or to the
// most up-to-date other voter when to is "", and waits (up to timeout)
// until a new leader is known here. It returns the new leader's id. Only
// the leader can: elsewhere it returns ErrNotLeader. Writes are refused
// (ErrNotLeader, so forwarded callers retry) while the transfer runs.
func (n *Node) TransferLeadership(to string, timeout time.Duration) (string, error) {
	if n.raft.State() != raft.Leader {
		return "", fmt.Errorf("transfer leadership: %w", ErrNotLeader)
	}
	var f raft.Future
	if to == "" {
		f = n.raft.LeadershipTransfer()
	} else {
		m, err := n.member(to)
		if err != nil {
			return "", fmt.Errorf("transfer leadership to %s: %w", to, err)
		}
		if m.ID == n.cfg.NodeID {
			return "", fmt.Errorf("transfer leadership to %s: it leads already: %w", to, ErrInvalid)
		}
		if !m.Voter {
			return "", fmt.Errorf("transfer leadership to %s: a non-voter cannot lead: %w", to, ErrInvalid)
		}
		f = n.raft.LeadershipTransferToServer(raft.ServerID(m.ID), raft.ServerAddress(m.Address))
	}
	if err := f.Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) {
			return "", fmt.Errorf("transfer leadership: %w", ErrNotLeader)
		}
		return "", fmt.Errorf("transfer leadership: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		if id := n.LeaderID(); id != "" && id != n.cfg.NodeID {
			return id, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("transfer leadership: no new leader after %s: %w", timeout, ErrTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package replication

import (
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// Member is one server of the cluster configuration.
type Member struct {
	ID      string `json:"id"`
	Address string `json:"address"`
	Voter   bool   `json:"voter"`
	Leader  bool   `json:"leader"`
}

// Join adds a voter to the cluster (or updates its address). Only the
// leader can: elsewhere it returns ErrNotLeader.
func (n *Node) Join(id, addr string, timeout time.Duration) error {
	f := n.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(addr), 0, timeout)
	if err := f.Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) {
			return fmt.Errorf("join %s: %w", id, ErrNotLeader)
		}
		return fmt.Errorf("join %s: %w", id, err)
	}
	return nil
}

// Remove takes a server out of the cluster (leader only).
func (n *Node) Remove(id string, timeout time.Duration) error {
	if err := n.raft.RemoveServer(raft.ServerID(id), 0, timeout).Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) {
			return fmt.Errorf("remove %s: %w", id, ErrNotLeader)
		}
		return fmt.Errorf("remove %s: %w", id, err)
	}
	return nil
}

// Members returns the cluster configuration as this node knows it.
func (n *Node) Members() ([]Member, error) {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	_, leader := n.raft.LeaderWithID()
	var out []Member
	for _, s := range f.Configuration().Servers {
		out = append(out, Member{ID: string(s.ID), Address: string(s.Address), Voter: s.Suffrage == raft.Voter, Leader: s.ID == leader})
	}
	return out, nil
}

// RaftAddr is the address this node's transport listens on.
func (n *Node) RaftAddr() string { return string(n.trans.LocalAddr()) }

// LeaderID returns the id of the leader this node knows, or "".
func (n *Node) LeaderID() string {
	_, id := n.raft.LeaderWithID()
	return string(id)
}

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
	return n.change("join "+id, n.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(addr), 0, timeout))
}

// AddNonvoter adds a server that receives the log but does not vote: a
// read replica, or a node catching up before Promote (leader only).
func (n *Node) AddNonvoter(id, addr string, timeout time.Duration) error {
	return n.change("add nonvoter "+id, n.raft.AddNonvoter(raft.ServerID(id), raft.ServerAddress(addr), 0, timeout))
}

// Promote makes a non-voter a voter (leader only).
func (n *Node) Promote(id string, timeout time.Duration) error {
	m, err := n.member(id)
	if err != nil {
		return fmt.Errorf("promote %s: %w", id, err)
	}
	return n.change("promote "+id, n.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(m.Address), 0, timeout))
}

// Demote makes a voter a non-voter (leader only).
func (n *Node) Demote(id string, timeout time.Duration) error {
	if _, err := n.member(id); err != nil {
		return fmt.Errorf("demote %s: %w", id, err)
	}
	return n.change("demote "+id, n.raft.DemoteVoter(raft.ServerID(id), 0, timeout))
}

// Remove takes a server out of the cluster (leader only).
func (n *Node) Remove(id string, timeout time.Duration) error {
	if _, err := n.member(id); err != nil {
		return fmt.Errorf("remove %s: %w", id, err)
	}
	return n.change("remove "+id, n.raft.RemoveServer(raft.ServerID(id), 0, timeout))
}

// change waits for a configuration change and names its failure.
func (n *Node) change(what string, f raft.IndexFuture) error {
	if err := f.Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
			return fmt.Errorf("%s: %w", what, ErrNotLeader)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// member finds id in the configuration, or ErrUnknownMember.
func (n *Node) member(id string) (Member, error) {
	ms, err := n.Members()
	if err != nil {
		return Member{}, err
	}
	for _, m := range ms {
		if m.ID == id {
			return m, nil
		}
	}
	return Member{}, ErrUnknownMember
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

package server

import (
	"context"
)

// A cursor names the version it was issued at. A node behind it waits
// (the cursor came from a node further ahead), but a cursor ahead of the
// whole cluster will never be reached: it was issued by another copy of
// the data, for example a node restored from a backup that took writes of
// its own, and the device came back. Such a cursor gets a reset (a new
// load of the device's view) instead of an endless 503 retry.

// aheadOfCluster says whether version v is past the newest entry of the
// leader's log (its LastIndex, which holds everything ever committed, even
// right after an election), asking the leader when this node is not it.
// It is false when that cannot be known (no leader, no answer).
func (s *Server) aheadOfCluster(ctx context.Context, v uint64) bool {
	sr, ok := s.w.(statusReporter)
	if !ok {
		return v > s.r.Applied() // a server without Raft: its own state is all there is
	}
	if sr.IsLeader() {
		return v > sr.LastIndex()
	}
	lk, ok := s.w.(leaderKnower)
	if !ok {
		return false
	}
	id := lk.LeaderID()
	nodes, err := s.r.ClusterNodes()
	if id == "" || err != nil {
		return false
	}
	for _, n := range nodes {
		if n.ID != id {
			continue
		}
		st, _, ok := s.peerStatus(ctx, n.HTTPAddr)
		return ok && st.State == "Leader" && v > st.LastIndex
	}
	return false
}

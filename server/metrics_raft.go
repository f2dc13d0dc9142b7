package server

import (
	"github.com/prometheus/client_golang/prometheus"
)

// raftCollector reads the node's Raft status at each scrape.
type raftCollector struct {
	s  *Server
	sr statusReporter
}

var raftStates = []string{"Leader", "Follower", "Candidate", "Shutdown"}

var (
	descState      = prometheus.NewDesc("offsync_raft_state", "1 for this node's Raft state (Leader, Follower, Candidate or Shutdown), 0 for the others.", []string{"state"}, nil)
	descLeader     = prometheus.NewDesc("offsync_raft_leader", "1 while this node leads.", nil, nil)
	descTerm       = prometheus.NewDesc("offsync_raft_term", "The current Raft term.", nil, nil)
	descLast       = prometheus.NewDesc("offsync_raft_last_index", "The newest Raft log entry this node holds.", nil, nil)
	descCommit     = prometheus.NewDesc("offsync_raft_commit_index", "The newest Raft log entry this node knows to be committed.", nil, nil)
	descApplied    = prometheus.NewDesc("offsync_raft_applied_index", "The newest Raft log entry applied to the engine (its version).", nil, nil)
	descSnapIndex  = prometheus.NewDesc("offsync_raft_last_snapshot_index", "The index of the newest snapshot taken or installed here.", nil, nil)
	descRestores   = prometheus.NewDesc("offsync_raft_snapshot_restores_total", "Snapshots installed into the engine since the node started.", nil, nil)
	descLag        = prometheus.NewDesc("offsync_raft_lag_entries", "Committed entries this node has not applied yet.", nil, nil)
	descLeaderLag  = prometheus.NewDesc("offsync_raft_leader_lag_versions", "Versions this node is behind the leader's applied version as last heard (0 on the leader).", nil, nil)
	descStaleness  = prometheus.NewDesc("offsync_raft_last_contact_seconds", "Seconds since the leader last contacted this node (0 on the leader, -1 never).", nil, nil)
	raftCollectors = []*prometheus.Desc{descState, descLeader, descTerm, descLast, descCommit, descApplied, descSnapIndex, descRestores, descLag, descLeaderLag, descStaleness}
)

// Describe implements prometheus.Collector.
func (c *raftCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range raftCollectors {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *raftCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.sr.Status()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, s := range raftStates {
		gauge(descState, b2f(st.State == s), s)
	}
	gauge(descLeader, b2f(st.State == "Leader"))
	gauge(descTerm, float64(st.Term))
	gauge(descLast, float64(st.LastIndex))
	gauge(descCommit, float64(st.CommitIndex))
	gauge(descApplied, float64(st.Applied))
	gauge(descSnapIndex, float64(st.LastSnapshotIndex))
	ch <- prometheus.MustNewConstMetric(descRestores, prometheus.CounterValue, float64(st.SnapshotRestores))
	var lag uint64
	if l, ok := c.sr.(interface{ Lag() uint64 }); ok {
		lag = l.Lag()
	}
	gauge(descLag, float64(lag))
	var behind uint64
	if st.State != "Leader" {
		c.s.mark.mu.Lock()
		if c.s.mark.applied > st.Applied {
			behind = c.s.mark.applied - st.Applied
		}
		c.s.mark.mu.Unlock()
	}
	gauge(descLeaderLag, float64(behind))
	stale := float64(st.StalenessMs) / 1000
	if st.StalenessMs < 0 {
		stale = -1
	}
	gauge(descStaleness, stale)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

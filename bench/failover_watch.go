package bench

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/offsync/offsync/replication"
)

// The election watch of a failover run: it asks every running node for
// its own Raft status every watchInterval and follows the leader and the
// term. A leader change whose old leader was killed is the failover the
// run asked for; any other is a false election: a leader that lost its
// leadership while it ran, to its own load or to a restarted node.

// watchInterval is how often the watch asks the nodes.
const watchInterval = 100 * time.Millisecond

// foWatch follows the leader; safe for concurrent use.
type foWatch struct {
	mu sync.Mutex
	// kills counts the kills of each node, by index.
	kills map[int]int
	// seen says whether a leader was seen yet: leader, when its kill
	// count was leaderKills.
	seen        bool
	leader      int
	leaderKills int
	// firstTerm and lastTerm are the lowest and highest terms seen.
	firstTerm, lastTerm uint64
	changes, falseCount int
	// maxGap is the longest time a follower had not heard from a running
	// leader, as sampled (its staleness).
	maxGap time.Duration
}

// gap records that a follower of a running leader had not heard from it
// for d.
func (w *foWatch) gap(d time.Duration) {
	w.mu.Lock()
	w.maxGap = max(w.maxGap, d)
	w.mu.Unlock()
}

// killed records that node i is being killed.
func (w *foWatch) killed(i int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.kills == nil {
		w.kills = map[int]int{}
	}
	w.kills[i]++
}

// observe records that node leader leads at term (leader -1: none seen
// this round), given which nodes run now. It returns the previous leader
// and whether the change from it was a false election: the previous
// leader runs and was not killed since it was seen leading.
func (w *foWatch) observe(leader int, term uint64, runs func(int) bool) (prev int, falseElection bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if term > 0 {
		if w.firstTerm == 0 || term < w.firstTerm {
			w.firstTerm = term
		}
		w.lastTerm = max(w.lastTerm, term)
	}
	prev = w.leader
	if leader < 0 {
		return prev, false
	}
	if !w.seen {
		w.seen, w.leader, w.leaderKills = true, leader, w.kills[leader]
		return prev, false
	}
	prevKills := w.leaderKills
	w.leader, w.leaderKills = leader, w.kills[leader]
	if prev == leader && w.kills[leader] == prevKills {
		return prev, false
	}
	w.changes++
	if w.kills[prev] != prevKills || !runs(prev) {
		return prev, false // the old leader was killed: the failover asked for
	}
	w.falseCount++
	return prev, true
}

// stats returns the leader changes seen, the false elections among them,
// how far the term rose and the longest heartbeat gap seen.
func (w *foWatch) stats() (changes, falseElections, elections int, maxGap time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lastTerm > w.firstTerm {
		elections = int(w.lastTerm - w.firstTerm)
	}
	return w.changes, w.falseCount, elections, w.maxGap
}

// watchLeader asks each running node for its status every watchInterval
// until ctx ends, and feeds the leader it finds (the one that says so
// with the highest term) to r.watch, and the staleness of its followers
// (how long since they heard from it: a gap in its heartbeats).
func (r *FailoverRun) watchLeader(ctx context.Context) {
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		leader, term, leaderTerm := -1, uint64(0), uint64(0)
		stale := map[string]int64{} // follower staleness in ms, by leader id
		for i := 0; i < r.Cluster.Len(); i++ {
			if !r.Cluster.Running(i) {
				continue
			}
			var st replication.Status
			sctx, cancel := context.WithTimeout(ctx, time.Second)
			err := r.Cluster.Admin(i).Do(sctx, http.MethodGet, "/v1/cluster/status", nil, &st)
			cancel()
			if err != nil {
				continue
			}
			term = max(term, st.Term)
			if st.State == "Leader" && st.Term >= leaderTerm {
				leader, leaderTerm = i, st.Term
			}
			if st.State == "Follower" && st.StalenessMs >= 0 && st.LeaderID != "" {
				stale[st.LeaderID] = max(stale[st.LeaderID], st.StalenessMs)
			}
		}
		if leader >= 0 {
			if ms, ok := stale[r.Cluster.ID(leader)]; ok {
				r.watch.gap(time.Duration(ms) * time.Millisecond)
			}
		}
		if prev, bad := r.watch.observe(leader, term, r.Cluster.Running); bad {
			r.note("false election: %s lost its leadership to %s while it ran (term %d)", r.Cluster.ID(prev), r.Cluster.ID(leader), term)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package bench

import (
	"slices"
	"sync"
	"time"
)

// The kills of a failover run and what happened around each: the plan
// (which kills are of the leader, which of a follower), the log of every
// device sync, and the per-kill statistics built from them.

// KillSyncWindow is how long after a kill a sync still counts as around
// it: the syncs of a kill are those in flight at some time in [kill,
// kill+KillSyncWindow].
const KillSyncWindow = 5 * time.Second

// FailoverKill is one kill of a run and the device syncs around it.
type FailoverKill struct {
	// Node is the id of the node killed; Leader says whether it led.
	Node   string
	Leader bool
	// At is when it was killed (RFC 3339, UTC).
	At string
	// FailoverSeconds is the time from the kill until a write was
	// accepted again (failover-s; a follower's kill barely stops
	// writes); RestartSeconds the time the node then took, once
	// restarted, to be ready again.
	FailoverSeconds float64
	RestartSeconds  float64
	// Syncs counts the device syncs in flight during the KillSyncWindow
	// after the kill (retries included), FailedSyncs those that failed;
	// SyncP50Ms, SyncP99Ms and SyncMaxMs are their latencies.
	Syncs       int
	FailedSyncs int
	SyncP50Ms   float64
	SyncP99Ms   float64
	SyncMaxMs   float64
	// LostAckedWrites counts the rows lost (see
	// FailoverResult.LostAckedWrites) whose write was acknowledged after
	// this kill and before the next.
	LostAckedWrites int
}

// foKill is a kill as the run records it.
type foKill struct {
	node           int
	id             string
	leader         bool
	at             time.Time
	failover       float64 // seconds until a write was accepted again
	restart        float64 // seconds until ready once restarted
	lostAckedWrite int
}

// foSync is one device sync: when it started, how long it took, retries
// included, and whether it failed in the end.
type foSync struct {
	start  time.Time
	dur    time.Duration
	failed bool
}

// foSyncLog collects the syncs of every device; safe for concurrent use.
type foSyncLog struct {
	mu    sync.Mutex
	syncs []foSync
}

func (l *foSyncLog) add(s foSync) {
	l.mu.Lock()
	l.syncs = append(l.syncs, s)
	l.mu.Unlock()
}

func (l *foSyncLog) reset() {
	l.mu.Lock()
	l.syncs = nil
	l.mu.Unlock()
}

func (l *foSyncLog) all() []foSync {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.syncs)
}

// killPlan says, for each of leaders+followers kill cycles, whether it
// kills the leader: the follower kills are spread evenly among the
// leader kills, never first when there is a leader kill (the first kill
// measures a cluster that has not failed over yet).
func killPlan(leaders, followers int) []bool {
	n := leaders + followers
	plan := make([]bool, n)
	for i := range plan {
		plan[i] = true
	}
	for k := 0; k < followers; k++ {
		// Follower k takes slot round((k+1)*n/(followers+1)), clamped
		// and moved on past slots already taken. Slot 0 is never taken
		// while there is a leader kill for it.
		i := min((2*(k+1)*n+followers+1)/(2*(followers+1)), n-1)
		for !plan[i] || (i == 0 && leaders > 0) {
			i = (i + 1) % n
		}
		plan[i] = false
	}
	return plan
}

// killStats returns the statistics of each kill: its syncs (those in
// flight during the window after it), their latency and failures.
func killStats(kills []foKill, syncs []foSync, window time.Duration) []FailoverKill {
	out := make([]FailoverKill, len(kills))
	for i, k := range kills {
		fk := FailoverKill{Node: k.id, Leader: k.leader, At: k.at.UTC().Format(time.RFC3339Nano),
			FailoverSeconds: k.failover, RestartSeconds: k.restart, LostAckedWrites: k.lostAckedWrite}
		var s samples
		for _, sy := range syncs {
			if sy.start.After(k.at.Add(window)) || sy.start.Add(sy.dur).Before(k.at) {
				continue
			}
			s.add(sy.dur, 0)
			if sy.failed {
				fk.FailedSyncs++
			}
		}
		l := s.summarize(window)
		fk.Syncs, fk.SyncP50Ms, fk.SyncP99Ms, fk.SyncMaxMs = l.Count, l.P50, l.P99, l.Max
		out[i] = fk
	}
	return out
}

// killAt returns the index of the last kill at or before t, or -1 when t
// is before every kill; kills are in time order.
func killAt(kills []foKill, t time.Time) int {
	i := -1
	for j, k := range kills {
		if k.at.After(t) {
			break
		}
		i = j
	}
	return i
}

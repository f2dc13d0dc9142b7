package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/offsync/offsync/replication"
)

// A follower's own Raft state cannot say how far behind the leader it is:
// after a restart its commit index stays at 0, and the leader's heartbeats
// refresh its last contact without carrying the leader's commit index.
// So each node asks the leader for its applied version a few times a
// second (WatchLeader). Reads are then served only when that word is
// recent, the node has caught up with it once since it started, and it
// stays within MaxLag of it.

// DefaultLeaderPoll is how often WatchLeader asks the leader.
const DefaultLeaderPoll = 200 * time.Millisecond

// leaderMark is the leader's applied version as this node last heard it.
type leaderMark struct {
	mu       sync.Mutex
	watching bool
	applied  uint64    // the leader's applied version
	at       time.Time // when it was heard
	caughtUp bool      // this node reached a heard version since it started
}

// WillWatchLeader says that WatchLeader is about to run. Call it before
// the node serves, then run WatchLeader in the background: from then on,
// until the first word from the leader, reads and /readyz count the node
// as stale. (Without it, a node restarted behind the cluster answered
// ready in the moment before WatchLeader's goroutine started.)
func (s *Server) WillWatchLeader() {
	if _, ok := s.w.(statusReporter); !ok {
		return
	}
	s.mark.mu.Lock()
	s.mark.watching = true
	s.mark.mu.Unlock()
}

// WatchLeader keeps the leader mark fresh until ctx ends; serve runs it on
// every node. Without it, reads rely on the Raft checks alone.
func (s *Server) WatchLeader(ctx context.Context) {
	sr, ok := s.w.(statusReporter)
	if !ok {
		return
	}
	s.WillWatchLeader()
	t := time.NewTicker(DefaultLeaderPoll)
	defer t.Stop()
	for {
		s.pollLeader(ctx, sr)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pollLeader records the leader's applied version: this node's own when
// it leads, else the leader's answer to GET /v1/cluster/status.
func (s *Server) pollLeader(ctx context.Context, sr statusReporter) {
	applied := s.r.Applied()
	if !sr.IsLeader() {
		base, err := s.leaderURL()
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/cluster/status", nil)
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+s.cfg.AdminToken)
		resp, err := s.peers.Do(req)
		if err != nil {
			return
		}
		var ls replication.Status
		err = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&ls)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || ls.State != "Leader" {
			return // not the leader after all: ask again next time
		}
		applied = ls.Applied
	}
	s.mark.mu.Lock()
	s.mark.applied, s.mark.at = applied, time.Now()
	s.mark.mu.Unlock()
}

// check returns replication.ErrStale (wrapped) when this node, at version
// applied, is past the bounds relative to the leader mark.
func (m *leaderMark) check(applied uint64, maxStale time.Duration, maxLag uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case !m.watching:
		return nil
	case m.at.IsZero():
		return fmt.Errorf("check freshness: no word from the leader yet: %w", replication.ErrStale)
	case time.Since(m.at) > maxStale:
		return fmt.Errorf("check freshness: no word from the leader for %s: %w", time.Since(m.at).Round(time.Millisecond), replication.ErrStale)
	}
	if !m.caughtUp {
		if applied < m.applied {
			return fmt.Errorf("check freshness: catching up, at version %d of %d: %w", applied, m.applied, replication.ErrStale)
		}
		m.caughtUp = true
	}
	if applied+maxLag < m.applied {
		return fmt.Errorf("check freshness: %d versions behind the leader: %w", m.applied-applied, replication.ErrStale)
	}
	return nil
}

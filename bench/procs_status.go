package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/server"
)

// Inspecting a ProcCluster: each node's addresses, files and admin
// client, what its admin API and /readyz report (members, leader, applied
// version), and the waits built on them.

// Len is the number of nodes.
func (pc *ProcCluster) Len() int { return len(pc.nodes) }

// ID is node i's Raft id (n1, n2, ...).
func (pc *ProcCluster) ID(i int) string { return pc.nodes[i].id }

// URL is node i's HTTP base URL.
func (pc *ProcCluster) URL(i int) string { return "http://" + pc.nodes[i].httpAddr }

// HTTPAddr is node i's HTTP host:port.
func (pc *ProcCluster) HTTPAddr(i int) string { return pc.nodes[i].httpAddr }

// URLs are every node's HTTP base URLs, running or not.
func (pc *ProcCluster) URLs() []string {
	out := make([]string, len(pc.nodes))
	for i := range pc.nodes {
		out[i] = pc.URL(i)
	}
	return out
}

// DataDir is node i's --data directory; its engine is in DataDir/engine.
func (pc *ProcCluster) DataDir(i int) string { return pc.nodes[i].data }

// LogPath is node i's log file: every run's stdout and stderr.
func (pc *ProcCluster) LogPath(i int) string { return pc.nodes[i].logPath }

// Admin returns an admin API client for node i.
func (pc *ProcCluster) Admin(i int) *client.Admin {
	return &client.Admin{Server: pc.URL(i), Token: pc.cfg.AdminToken, HTTP: pc.http}
}

// Status is GET /v1/admin/cluster as node i sees it.
func (pc *ProcCluster) Status(ctx context.Context, i int) ([]server.MemberStatus, error) {
	var st []server.MemberStatus
	if err := pc.Admin(i).Do(ctx, http.MethodGet, "/v1/admin/cluster", nil, &st); err != nil {
		return nil, fmt.Errorf("read cluster status of %s: %w", pc.ID(i), err)
	}
	return st, nil
}

// Applied returns node i's applied version and whether /readyz says it
// is ready.
func (pc *ProcCluster) Applied(ctx context.Context, i int) (uint64, bool, error) {
	var body struct{ Version uint64 }
	err := pc.Admin(i).Do(ctx, http.MethodGet, "/readyz", nil, &body)
	var ae *client.APIError
	if errors.As(err, &ae) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read readiness of %s: %w", pc.ID(i), err)
	}
	return body.Version, true, nil
}

// procPoll calls fn every 50ms until it returns true or an error, or ctx ends.
func procPoll(ctx context.Context, what string, fn func() (bool, error)) error {
	for {
		ok, err := fn()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: %w", what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// WaitNodeReady waits until node i answers /readyz with 200. It fails at
// once if the process exits.
func (pc *ProcCluster) WaitNodeReady(ctx context.Context, i int) error {
	return procPoll(ctx, pc.ID(i)+" ready", func() (bool, error) {
		if !pc.Running(i) {
			return false, fmt.Errorf("wait for %s: %w (see %s)", pc.ID(i), ErrNodeExited, pc.LogPath(i))
		}
		_, ready, _ := pc.Applied(ctx, i)
		return ready, nil
	})
}

// WaitReady waits until every node runs and is ready, and node 1 lists
// all of them as registered, ready voters (every node must run: it is
// meant for the start of a run).
func (pc *ProcCluster) WaitReady(ctx context.Context) error {
	for i := range pc.nodes {
		if err := pc.WaitNodeReady(ctx, i); err != nil {
			return err
		}
	}
	return procPoll(ctx, "cluster members", func() (bool, error) {
		st, err := pc.Status(ctx, 0)
		if err != nil || len(st) != len(pc.nodes) {
			return false, nil
		}
		for _, m := range st {
			if !m.Voter || m.HTTPAddr == "" || !m.Ready {
				return false, nil
			}
		}
		return true, nil
	})
}

// Leader returns the index of the leader, as a running node reports it.
// It waits until a running node names a running leader.
func (pc *ProcCluster) Leader(ctx context.Context) (int, error) {
	leader := -1
	err := procPoll(ctx, "a leader", func() (bool, error) {
		for i := range pc.nodes {
			if !pc.Running(i) {
				continue
			}
			st, err := pc.Status(ctx, i)
			if err != nil {
				continue
			}
			for _, m := range st {
				for j := range pc.nodes {
					if m.Leader && m.ID == pc.ID(j) && pc.Running(j) && pc.isLeader(ctx, j) {
						leader = j
						return true, nil
					}
				}
			}
		}
		return false, nil
	})
	return leader, err
}

// isLeader says whether node j names itself the leader (another node's
// view may be stale).
func (pc *ProcCluster) isLeader(ctx context.Context, j int) bool {
	st, err := pc.Status(ctx, j)
	if err != nil {
		return false
	}
	for _, m := range st {
		if m.ID == pc.ID(j) {
			return m.Leader
		}
	}
	return false
}

// WaitCaughtUp waits until every node runs, is ready and has applied the
// same version, at least min, and returns that version. Call it when no
// writes are coming.
func (pc *ProcCluster) WaitCaughtUp(ctx context.Context, min uint64) (uint64, error) {
	var v uint64
	err := procPoll(ctx, "every node to catch up", func() (bool, error) {
		v = 0
		for i := range pc.nodes {
			if !pc.Running(i) {
				return false, fmt.Errorf("wait for %s to catch up: %w", pc.ID(i), ErrNodeExited)
			}
			a, ready, _ := pc.Applied(ctx, i)
			if !ready || a < min || (i > 0 && a != v) {
				return false, nil
			}
			v = a
		}
		return true, nil
	})
	return v, err
}

// LogTail returns the last max bytes of node i's log file.
func (pc *ProcCluster) LogTail(i, max int) string {
	b, err := os.ReadFile(pc.LogPath(i))
	if err != nil {
		return err.Error()
	}
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

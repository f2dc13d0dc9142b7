package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/offsync/offsync/replication"
)

// Membership changes run on the leader. A node that is not the leader
// passes the admin's request on to it and relays the answer, so that
// `offsync cluster add|remove|promote|demote` works against any node.

// memberChanger changes the Raft configuration (replication.Node).
type memberChanger interface {
	Join(id, addr string, timeout time.Duration) error
	AddNonvoter(id, addr string, timeout time.Duration) error
	Promote(id string, timeout time.Duration) error
	Demote(id string, timeout time.Duration) error
	Remove(id string, timeout time.Duration) error
}

// statusReporter reports a node's own Raft status (replication.Node).
// Status is for operators; the cheap accessors serve the polling loops.
type statusReporter interface {
	Status() replication.Status
	IsLeader() bool
	LastIndex() uint64
}

// newPeerClient is the HTTP client nodes use to reach each other: https
// with cfg's certificates when it has TLS.
func newPeerClient(cfg *tls.Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg != nil {
		// Each new connection takes the TLS material of the moment (a
		// replication.CertReloader's config reloads it).
		tr.DialTLSContext = replication.TLSDialer(cfg)
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// peerURL is the base URL of the node serving HTTP at addr.
func (s *Server) peerURL(addr string) string {
	if s.cfg.TLS != nil {
		return "https://" + addr
	}
	return "http://" + addr
}

// onLeader runs change here when this node leads; otherwise it relays
// the request (method, path and body) to the leader. ok is the answer on
// success.
func (s *Server) onLeader(w http.ResponseWriter, r *http.Request, body []byte, change func(memberChanger) error, ok any) {
	m, isNode := s.w.(memberChanger)
	if !isNode {
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "this node has no cluster")
		return
	}
	err := change(m)
	if errors.Is(err, replication.ErrNotLeader) {
		s.relayToLeader(w, r, body)
		return
	}
	if errors.Is(err, replication.ErrUnknownMember) {
		writeError(w, http.StatusNotFound, CodeNotFound, "no member has that id")
		return
	}
	if err != nil {
		writeError(w, http.StatusConflict, CodeConflict, err.Error())
		return
	}
	if sr, isSR := s.w.(statusReporter); isSR {
		// A relaying node waits until its own log holds the change, so
		// that its cluster status shows it at once.
		w.Header().Set(headerRaftIndex, strconv.FormatUint(sr.LastIndex(), 10))
	}
	writeJSON(w, http.StatusOK, ok)
}

// headerRaftIndex carries the leader's last log index after a membership
// change, in its answer to a relayed request.
const headerRaftIndex = "Offsync-Raft-Index"

// waitLogIndex waits (up to the write timeout) until this node's Raft log
// reaches idx: Raft adopts a configuration when its entry is appended.
func (s *Server) waitLogIndex(ctx context.Context, idx uint64) {
	sr, ok := s.w.(statusReporter)
	if !ok {
		return
	}
	deadline := time.Now().Add(s.cfg.WriteTimeout)
	for sr.LastIndex() < idx && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
}

// relayToLeader sends the request to the leader and copies its answer.
func (s *Server) relayToLeader(w http.ResponseWriter, r *http.Request, body []byte) {
	base, err := s.leaderURL()
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.Path, bytes.NewReader(body))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.peers.Do(req)
	if err != nil {
		s.writeErr(w, r, replication.ErrNotLeader)
		return
	}
	defer resp.Body.Close()
	if idx, err := strconv.ParseUint(resp.Header.Get(headerRaftIndex), 10, 64); err == nil && resp.StatusCode == http.StatusOK {
		s.waitLogIndex(r.Context(), idx)
	}
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, io.LimitReader(resp.Body, 1<<20))
}

// clusterMemberChange handles POST /v1/admin/cluster/members/{id}/promote
// and .../demote, and DELETE /v1/admin/cluster/members/{id}.
func (s *Server) clusterMemberChange(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		s.onLeader(w, r, nil, func(m memberChanger) error {
			switch op {
			case "promote":
				return m.Promote(id, s.cfg.WriteTimeout)
			case "demote":
				return m.Demote(id, s.cfg.WriteTimeout)
			}
			return m.Remove(id, s.cfg.WriteTimeout)
		}, map[string]string{op: id})
	}
}

// nodeStatus handles GET /v1/cluster/status: this node's own status.
func (s *Server) nodeStatus(w http.ResponseWriter, r *http.Request) {
	sr, ok := s.w.(statusReporter)
	if !ok {
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "this node has no cluster")
		return
	}
	writeJSON(w, http.StatusOK, sr.Status())
}

// peerStatus asks the node at addr for its status and readiness; ok is
// false when it does not answer.
func (s *Server) peerStatus(ctx context.Context, addr string) (st replication.Status, ready, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	get := func(path string, auth bool) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.peerURL(addr)+path, nil)
		if err != nil {
			return nil, err
		}
		if auth {
			req.Header.Set("Authorization", "Bearer "+s.cfg.AdminToken)
		}
		return s.peers.Do(req)
	}
	resp, err := get("/v1/cluster/status", true)
	if err != nil {
		return st, false, false
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&st)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return st, false, false
	}
	resp, err = get("/readyz", false)
	if err != nil {
		return st, false, true
	}
	resp.Body.Close()
	return st, resp.StatusCode == http.StatusOK, true
}

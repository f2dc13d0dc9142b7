package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// Writes on any node reach the leader: a node that is not the leader
// forwards the command (already stamped with its time) to the leader's
// /v1/cluster/propose, then waits until it has applied the answer's
// version itself, so the client reads its own write on the node it asked.
// Nodes find each other's HTTP addresses in the replicated node list
// (KindPutNode), and share the admin token.

// leaderKnower is what forwarding needs from the Writer (replication.Node).
type leaderKnower interface{ LeaderID() string }

// proposeAnswer is a command's result on the wire between nodes.
type proposeAnswer struct {
	Version         uint64                  `msgpack:"v"`
	Rows            int                     `msgpack:"r"`
	MetadataVersion uint64                  `msgpack:"mv"`
	Mutations       []engine.MutationResult `msgpack:"m"`
	Code            string                  `msgpack:"c"`
	Message         string                  `msgpack:"msg"`
}

// clusterPropose handles POST /v1/cluster/propose: a command forwarded by
// another node, proposed here (the leader).
func (s *Server) clusterPropose(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(r)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	var cmd engine.Command
	if err := codec.Unmarshal(body, &cmd); err != nil {
		s.writeErr(w, r, err)
		return
	}
	res, err := s.w.Propose(r.Context(), &cmd)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	ans := proposeAnswer{Version: res.Version, Rows: res.Rows, MetadataVersion: res.MetadataVersion, Mutations: res.Mutations}
	if res.Err != nil {
		ans.Code, ans.Message = errorCode(res.Err), res.Err.Error()
	}
	b, err := codec.Marshal(&ans)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/msgpack")
	_, _ = w.Write(b)
}

func errorCode(err error) string {
	switch {
	case errors.Is(err, engine.ErrConflict):
		return CodeConflict
	case errors.Is(err, engine.ErrNotFound):
		return CodeNotFound
	}
	return CodeInvalid
}

// leaderURL is the leader's HTTP base URL, from the replicated node list.
func (s *Server) leaderURL() (string, error) {
	lk, ok := s.w.(leaderKnower)
	if !ok {
		return "", replication.ErrNotLeader
	}
	id := lk.LeaderID()
	nodes, err := s.r.ClusterNodes()
	if err != nil {
		return "", err
	}
	for _, n := range nodes {
		if n.ID == id && id != "" {
			return s.peerURL(n.HTTPAddr), nil
		}
	}
	return "", replication.ErrNotLeader
}

// forward sends cmd to the leader and waits until this node has applied
// its version.
func (s *Server) forward(ctx context.Context, cmd *engine.Command) (*engine.Result, error) {
	base, err := s.leaderURL()
	if err != nil {
		return nil, err
	}
	body, err := codec.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	raw, err := s.postLeader(ctx, base+"/v1/cluster/propose", "application/msgpack", body)
	if err != nil {
		return nil, err
	}
	var ans proposeAnswer
	if err := codec.Unmarshal(raw, &ans); err != nil {
		return nil, fmt.Errorf("forward command: %w", err)
	}
	res := &engine.Result{Version: ans.Version, Rows: ans.Rows, MetadataVersion: ans.MetadataVersion, Mutations: ans.Mutations}
	if ans.Code != "" {
		sentinel := map[string]error{CodeConflict: engine.ErrConflict, CodeNotFound: engine.ErrNotFound}[ans.Code]
		if sentinel == nil {
			sentinel = engine.ErrInvalid
		}
		res.Err = &engine.Error{Err: sentinel, Msg: ans.Message}
	}
	if err := s.awaitVersion(ctx, res.Version); err != nil { // read your writes here
		return nil, err
	}
	return res, nil
}

// postLeader posts to the leader with the admin token.
func (s *Server) postLeader(ctx context.Context, url, ct string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.AdminToken)
	req.Header.Set("Content-Type", ct)
	resp, err := s.peers.Do(req)
	if err != nil {
		return nil, fmt.Errorf("forward to the leader: %v: %w", err, replication.ErrNotLeader)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxDecodedBytes))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusInsufficientStorage {
		return nil, fmt.Errorf("forward to the leader: %w", replication.ErrInsufficientStorage)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("forward to the leader: status %d: %w", resp.StatusCode, replication.ErrNotLeader)
	}
	return b, nil
}

// JoinRequest asks the cluster to add a node: a voter, or a non-voter
// (a read replica) when Nonvoter is set.
type JoinRequest struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raftAddr"`
	Nonvoter bool   `json:"nonvoter,omitempty"`
}

// clusterJoin handles POST /v1/cluster/join (a starting node asks to be
// added) and POST /v1/admin/cluster/members (an operator adds one): the
// leader adds the node; another node passes the request on to the leader.
func (s *Server) clusterJoin(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(r)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	var req JoinRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "decode JSON body: "+err.Error())
		return
	}
	if req.ID == "" || req.RaftAddr == "" {
		writeError(w, http.StatusBadRequest, CodeInvalid, "id and raftAddr are required")
		return
	}
	s.onLeader(w, r, body, func(m memberChanger) error {
		if req.Nonvoter {
			return m.AddNonvoter(req.ID, req.RaftAddr, s.cfg.WriteTimeout)
		}
		return m.Join(req.ID, req.RaftAddr, s.cfg.WriteTimeout)
	}, map[string]string{"joined": req.ID})
}

// Register records this node's addresses in the replicated node list, so
// that others can forward writes to it when it leads.
func (s *Server) Register(ctx context.Context, node engine.ClusterNode) error {
	_, err := s.propose(ctx, &engine.Command{Kind: engine.KindPutNode, Node: &node})
	return err
}

// membersLister lists the Raft configuration (replication.Node).
type membersLister interface {
	Members() ([]replication.Member, error)
}

// MemberStatus is one node in GET /v1/admin/cluster.
type MemberStatus struct {
	replication.Member
	HTTPAddr string `json:"httpAddr,omitempty"`
	// Status is what the node says about itself (GET /v1/cluster/status;
	// when it does not answer: only its id, the state "Unreachable" and
	// staleness -1).
	Status replication.Status `json:"status"`
	// Applied is Status.Applied, the node's version.
	Applied uint64 `json:"applied"`
	// Ready says whether the node's /readyz answers 200: it knows a
	// leader, has applied what it knows committed, and is not stale.
	Ready bool `json:"ready"`
}

// clusterStatus handles GET /v1/admin/cluster: the members, sorted by id,
// the leader and each node's applied version. A member that does not
// answer has the state "Unreachable", staleness -1 and is not ready.
func (s *Server) clusterStatus(w http.ResponseWriter, r *http.Request) {
	ml, ok := s.w.(membersLister)
	if !ok {
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "this node has no cluster")
		return
	}
	members, err := ml.Members()
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	nodes, err := s.r.ClusterNodes()
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	out := []MemberStatus{}
	for _, m := range members {
		st := MemberStatus{Member: m}
		for _, n := range nodes {
			if n.ID == m.ID {
				st.HTTPAddr = n.HTTPAddr
			}
		}
		st.Status = replication.Status{ID: m.ID, State: "Unreachable", StalenessMs: -1}
		if st.HTTPAddr != "" {
			if ps, ready, ok := s.peerStatus(r.Context(), st.HTTPAddr); ok {
				st.Status, st.Ready, st.Applied = ps, ready, ps.Applied
			}
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b MemberStatus) int { return strings.Compare(a.ID, b.ID) })
	writeJSON(w, http.StatusOK, out)
}

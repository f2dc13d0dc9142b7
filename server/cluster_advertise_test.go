package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// advertiseWriter is a Writer that lists a Raft configuration.
type advertiseWriter struct {
	members []replication.Member
}

func (a advertiseWriter) Propose(context.Context, *engine.Command) (*engine.Result, error) {
	return nil, errors.New("not used")
}

func (a advertiseWriter) Members() ([]replication.Member, error) { return a.members, nil }

// advertiseReader is a Reader that knows the registered nodes and one
// device token; its other methods are not used.
type advertiseReader struct {
	Reader
	nodes []engine.ClusterNode
}

func (a advertiseReader) ClusterNodes() ([]engine.ClusterNode, error) { return a.nodes, nil }

func (a advertiseReader) Authenticate(secret string) (engine.DeviceToken, error) {
	if secret != TokenPrefix+"good" {
		return engine.DeviceToken{}, engine.ErrNotFound
	}
	return engine.DeviceToken{UserID: "u1"}, nil
}

// TestDeviceAnswersNameTheMembers: an authenticated device answer lists
// the members that registered a usable HTTP address, sorted by id, and
// nothing else: not a registered node outside the Raft configuration,
// not a member without an address or one registered on 0.0.0.0; a
// single usable member, and a request without a valid token, get no
// header.
func TestDeviceAnswersNameTheMembers(t *testing.T) {
	members := []replication.Member{{ID: "n3"}, {ID: "n1"}, {ID: "n2"}, {ID: "n4"}, {ID: "n5"}}
	nodes := []engine.ClusterNode{
		{ID: "n1", HTTPAddr: "10.0.0.1:7070"},
		{ID: "n2", HTTPAddr: "0.0.0.0:7070"},
		{ID: "n3", HTTPAddr: "node3.example:7070"},
		{ID: "n5", HTTPAddr: "[::]:7070"},
		{ID: "gone", HTTPAddr: "10.0.0.9:7070"}, // registered, then removed
	}
	header := func(s *Server, token string) string {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/v1/sync/metadata", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		s.deviceToken(rec, req)
		return rec.Header().Get(MembersHeader)
	}
	s := &Server{w: advertiseWriter{members}, r: advertiseReader{nodes: nodes}}
	if got, want := header(s, TokenPrefix+"good"), "http://10.0.0.1:7070,http://node3.example:7070"; got != want {
		t.Errorf("members header %q, want %q", got, want)
	}
	if got := header(s, TokenPrefix+"bad"); got != "" {
		t.Errorf("a request with a wrong token learned the members: %q", got)
	}
	single := &Server{w: advertiseWriter{members[:1]}, r: advertiseReader{nodes: nodes}}
	if got := header(single, TokenPrefix+"good"); got != "" {
		t.Errorf("a single node advertised %q", got)
	}
}

package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// fakeCluster is a Writer that reports a membership, for the cluster-wide
// activity.
type fakeCluster struct {
	directWriter
	members []replication.Member
	self    string
}

func (f fakeCluster) Members() ([]replication.Member, error) { return f.members, nil }
func (f fakeCluster) Status() replication.Status             { return replication.Status{ID: f.self} }
func (f fakeCluster) IsLeader() bool                         { return true }
func (f fakeCluster) LastIndex() uint64                      { return 0 }

// TestActivityScopeClusterSumsTheNodes: ?scope=cluster adds every node's
// figures, point by point, and names a node that does not answer.
func TestActivityScopeClusterSumsTheNodes(t *testing.T) {
	_, e := newTestServer(t)
	now := time.UnixMilli(1_700_000_000_000)
	step := ActivityStep.Milliseconds()
	last := (now.UnixMilli()/step + 1) * step
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken || r.URL.Query().Get("scope") != "" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		writeJSON(w, http.StatusOK, Activity{Devices: 2, Streams: 1, Totals: ActivityCounts{Pulls: 9, Bytes: 900},
			Series: []ActivityPoint{{Time: last - 1000*step, ActivityCounts: ActivityCounts{Pulls: 7}}, {Time: last, ActivityCounts: ActivityCounts{Pulls: 5, Bytes: 500}}}})
	}))
	t.Cleanup(peer.Close)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	w := fakeCluster{directWriter: directWriter{e}, self: "n1", members: []replication.Member{{ID: "n1", Leader: true}, {ID: "n2"}, {ID: "n3"}}}
	for id, u := range map[string]string{"n2": peer.URL, "n3": gone.URL} {
		if _, err := w.Propose(context.Background(), &engine.Command{Kind: engine.KindPutNode, Node: &engine.ClusterNode{ID: id, HTTPAddr: strings.TrimPrefix(u, "http://")}}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := DefaultConfig(testToken)
	cfg.Now = func() time.Time { return now }
	s, err := New(cfg, w, e, alwaysReady(true))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	resp, b := do(t, "GET", ts.URL+"/v1/admin/activity?scope=cluster", nil, nil)
	var a Activity
	if resp.StatusCode != 200 || json.Unmarshal(b, &a) != nil {
		t.Fatalf("%d %.300s", resp.StatusCode, b)
	}
	lastPoint := a.Series[len(a.Series)-1]
	if a.Devices != 2 || a.Streams != 1 || a.Totals != (ActivityCounts{Pulls: 9, Bytes: 900}) || lastPoint.Time != last || lastPoint.ActivityCounts != (ActivityCounts{Pulls: 5, Bytes: 500}) {
		t.Fatalf("sums: devices %d streams %d totals %+v last point %+v", a.Devices, a.Streams, a.Totals, lastPoint)
	}
	if len(a.Nodes) != 3 || a.Nodes[0].ID != "n1" || a.Nodes[0].Error != "" || a.Nodes[1].Devices != 2 || a.Nodes[1].LastMinute.Pulls != 5 || a.Nodes[2].ID != "n3" || a.Nodes[2].Error == "" {
		t.Fatalf("nodes %+v", a.Nodes)
	}
	// Without the scope, this node alone.
	_, b = do(t, "GET", ts.URL+"/v1/admin/activity", nil, nil)
	a = Activity{}
	if json.Unmarshal(b, &a) != nil || a.Devices != 0 || a.Nodes != nil {
		t.Fatalf("this node alone: %.300s", b)
	}
}

package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

type clusterMember struct {
	e    *engine.Engine
	node *replication.Node
	ts   *httptest.Server
}

func startMember(t *testing.T, id string, bootstrap bool) *clusterMember {
	t.Helper()
	ecfg := engine.DefaultConfig(t.TempDir())
	ecfg.MemTableSize, ecfg.BlockCacheSize = 8<<20, 1<<20
	e, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	rcfg := replication.DefaultConfig(id, t.TempDir())
	rcfg.RaftAddr, rcfg.Bootstrap = "127.0.0.1:0", bootstrap
	rcfg.HeartbeatTimeout, rcfg.ElectionTimeout, rcfg.LeaderLeaseTimeout = 100*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond
	n, err := replication.Open(rcfg, e)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(DefaultConfig(testToken), n, e, n)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() { ts.Close(); n.Close(); e.Close() })
	return &clusterMember{e: e, node: n, ts: ts}
}

// TestClusterForwardsWritesToTheLeader: three nodes; schema, org and rows
// written through followers reach the leader, and each follower answers
// only once it holds the write itself.
func TestClusterForwardsWritesToTheLeader(t *testing.T) {
	m1 := startMember(t, "n1", true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := m1.node.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	register := func(m *clusterMember, id string) {
		s, _ := New(DefaultConfig(testToken), m.node, m.e, m.node)
		// A new follower may not hold the leader's address yet: retry,
		// as serve does.
		for {
			err := s.Register(ctx, engine.ClusterNode{ID: id, RaftAddr: m.node.RaftAddr(), HTTPAddr: strings.TrimPrefix(m.ts.URL, "http://")})
			if err == nil {
				return
			}
			if ctx.Err() != nil {
				t.Fatalf("register %s: %v", id, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	register(m1, "n1")
	members := []*clusterMember{m1}
	for i := 2; i <= 3; i++ {
		m := startMember(t, fmt.Sprintf("n%d", i), false)
		body, _ := json.Marshal(JoinRequest{ID: fmt.Sprintf("n%d", i), RaftAddr: m.node.RaftAddr()})
		target := members[len(members)-1].ts.URL // n3 asks n2, which passes it on
		if resp, b := do(t, "POST", target+"/v1/cluster/join", body, nil); resp.StatusCode != 200 {
			t.Fatalf("join n%d: %d %s", i, resp.StatusCode, b)
		}
		for m.node.LeaderID() == "" {
			time.Sleep(10 * time.Millisecond)
		}
		register(m, fmt.Sprintf("n%d", i))
		members = append(members, m)
	}
	follower := members[2]
	draft := []byte(`{"entities":[{"name":"account","offline":true,"attributes":[{"name":"name","type":"string","required":true}]}]}`)
	for _, c := range []struct {
		method, path string
		body         []byte
	}{
		{"PUT", "/v1/admin/schema/draft", draft},
		{"POST", "/v1/admin/schema/publish", nil},
		{"POST", "/v1/admin/org", []byte(`{"businessUnits":[{"id":"` + bu + `","name":"Root"}],"users":[{"id":"` + owner + `","name":"A","businessUnit":"` + bu + `","enabled":true}]}`)},
		{"POST", "/v1/records", []byte(`{"records":[{"entity":"account","id":"` + acc1 + `","ownerid":"` + owner + `","attributes":{"name":"via follower"}}]}`)},
	} {
		// A 503 asks the client to retry (docs/protocol.md): a follower
		// that has not yet applied the registrations does not know where
		// the leader serves HTTP. Under a loaded machine that lasts a while.
		deadline := time.Now().Add(15 * time.Second)
		for {
			resp, b := do(t, c.method, follower.ts.URL+c.path, c.body, nil)
			if resp.StatusCode == 200 {
				break
			}
			if resp.StatusCode != 503 || time.Now().After(deadline) {
				t.Fatalf("%s %s on a follower: %d %s", c.method, c.path, resp.StatusCode, b)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Read-your-writes: the follower that answered holds the row already.
	if row, err := follower.e.Get("account", acc1); err != nil || row.Attrs["name"] != "via follower" {
		t.Fatalf("follower row: %+v %v", row, err)
	}
	// A rejected command comes back as such through the forwarding.
	resp, b := do(t, "POST", follower.ts.URL+"/v1/records", []byte(`{"records":[{"entity":"nope","id":"`+acc1+`"}]}`), nil)
	if resp.StatusCode != 400 || !bytes.Contains(b, []byte("unknown entity")) {
		t.Fatalf("bad batch through a follower: %d %s", resp.StatusCode, b)
	}
	var status []MemberStatus
	if getJSON(t, follower.ts.URL+"/v1/admin/cluster", &status) != 200 || len(status) != 3 {
		t.Fatalf("cluster status: %+v", status)
	}
	leaders := 0
	for _, st := range status {
		if st.Leader {
			leaders++
		}
		if !st.Voter || st.HTTPAddr == "" || st.Applied == 0 {
			t.Fatalf("member %+v", st)
		}
	}
	if leaders != 1 {
		t.Fatalf("%d leaders in %+v", leaders, status)
	}
	want := m1.e.Applied()
	leaderRow, _ := m1.e.Get("account", acc1)
	for i, m := range members {
		for m.e.Applied() < want {
			time.Sleep(5 * time.Millisecond)
		}
		if row, err := m.e.Get("account", acc1); err != nil || row.Version != leaderRow.Version {
			t.Fatalf("member %d: row %+v %v, the leader's is at version %d", i+1, row, err, leaderRow.Version)
		}
	}
}

package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
	"github.com/offsync/offsync/replication/clustertest"
)

// leaderProposer proposes through whichever node leads.
type leaderProposer struct{ c *clustertest.Cluster }

// Propose implements dataset.Proposer. A proposal that reaches a node
// which lost the leadership meanwhile (the race detector on a loaded
// 2-core machine can delay heartbeats past the election timeout) goes
// to the new leader: "not the leader" means the command was not
// appended, so nothing is applied twice.
func (p leaderProposer) Propose(ctx context.Context, cmd *engine.Command) (*engine.Result, error) {
	for try := 0; ; try++ {
		res, err := p.c.Leader().Propose(ctx, cmd)
		if !errors.Is(err, replication.ErrNotLeader) || try == 4 {
			return res, err
		}
	}
}

// servedCluster is a clustertest cluster with the demo data and an HTTP
// server on every node, each registered in the node list.
type servedCluster struct {
	c   *clustertest.Cluster
	ts  []*httptest.Server
	now time.Time
}

func newServedCluster(t *testing.T, n int, tune func(i int, c *Config)) *servedCluster {
	t.Helper()
	c := clustertest.New(t, n, nil)
	dc, _ := dataset.ConfigFor(dataset.SizeDemo)
	dc.Now = time.UnixMilli(1_700_000_000_000)
	if _, err := dataset.Load(context.Background(), leaderProposer{c}, dc, 1000, nil); err != nil {
		t.Fatal(err)
	}
	sc := &servedCluster{c: c, now: dc.Now}
	leader := c.Index(c.Leader())
	order := []int{leader} // the leader registers first, so that the others can forward
	for i := 0; i < n; i++ {
		if i != leader {
			order = append(order, i)
		}
	}
	servers := make([]*Server, n)
	sc.ts = make([]*httptest.Server, n)
	for i := 0; i < n; i++ {
		cfg := DefaultConfig(testToken)
		cfg.Now = func() time.Time { return dc.Now }
		if tune != nil {
			tune(i, &cfg)
		}
		node := c.Node(i)
		s, err := New(cfg, node, node.Engine(), node)
		if err != nil {
			t.Fatal(err)
		}
		servers[i], sc.ts[i] = s, httptest.NewServer(s.Handler())
		t.Cleanup(sc.ts[i].Close)
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		s.WillWatchLeader()
		go s.WatchLeader(ctx)
	}
	for _, i := range order {
		self := engine.ClusterNode{ID: c.ID(i), RaftAddr: c.Node(i).RaftAddr(), HTTPAddr: strings.TrimPrefix(sc.ts[i].URL, "http://")}
		ctx, cancel := context.WithTimeout(context.Background(), clustertest.WaitTimeout)
		for servers[i].Register(ctx, self) != nil && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	}
	c.EnsureSame()
	return sc
}

// splitRoutes sends pushes to one node and everything else to another,
// like a load balancer that spreads one device's requests.
type splitRoutes struct{ push, rest *url.URL }

// RoundTrip implements http.RoundTripper.
func (s splitRoutes) RoundTrip(r *http.Request) (*http.Response, error) {
	to := s.rest
	if r.URL.Path == "/v1/sync/push" {
		to = s.push
	}
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = to.Scheme, to.Host, to.Host
	return http.DefaultTransport.RoundTrip(r)
}

// TestClusterReadYourWrites: a device pushes through node A and pulls
// from node B. While B cannot have the write (it is cut off), its pull is
// refused rather than answered without the write; once B catches up the
// device reads its own write there.
func TestClusterReadYourWrites(t *testing.T) {
	sc := newServedCluster(t, 3, func(i int, c *Config) { c.MaxStaleness = time.Minute })
	leader := sc.c.Index(sc.c.Leader())
	a, b := leader, (leader+1)%3
	token, user := fieldSalesToken(t, sc.ts[a])
	sc.c.EnsureSame() // the token is on B too
	au, _ := url.Parse(sc.ts[a].URL)
	bu, _ := url.Parse(sc.ts[b].URL)
	d, err := client.OpenDevice(client.DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: sc.ts[b].URL, Token: token,
		HTTP: &http.Client{Transport: splitRoutes{push: au, rest: bu}, Timeout: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	if _, err := d.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	var own client.Row
	_ = d.Rows("account", func(r client.Row) error {
		if r.OwnerID == user && own.ID == "" {
			own = r
		}
		return nil
	})
	if own.ID == "" {
		t.Skip("the demo user owns no account in view")
	}
	sc.c.Partition(b)
	if _, err := d.Queue(codec.Mutation{ID: "m1", Entity: "account", RowID: own.ID, Op: "update", Attrs: map[string]any{"telephone1": "+1 555 0199"}}); err != nil {
		t.Fatal(err)
	}
	sum, err := d.Sync(ctx)
	var apiErr *client.APIError
	if sum.Applied != 1 || !errors.As(err, &apiErr) || apiErr.Code != CodeRetry {
		t.Fatalf("sync with the pull on a node without the write: applied %d, err %v", sum.Applied, err)
	}
	sc.c.Heal()
	if _, err := d.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	var got client.Row
	_ = d.Rows("account", func(r client.Row) error {
		if r.ID == own.ID {
			got = r
		}
		return nil
	})
	if got.Attrs["telephone1"] != "+1 555 0199" {
		t.Fatalf("the device does not read its own write on node B: %+v", got.Attrs)
	}
}

// TestClusterStaleNodeRefusesReads: a node cut off from the leader past
// its bound fails /readyz and refuses device and admin reads with 503
// "stale", while cluster status still answers; healing brings it back.
func TestClusterStaleNodeRefusesReads(t *testing.T) {
	sc := newServedCluster(t, 3, func(i int, c *Config) { c.MaxStaleness = 500 * time.Millisecond })
	token, _ := fieldSalesToken(t, sc.ts[0])
	sc.c.EnsureSame()
	lone := (sc.c.Index(sc.c.Leader()) + 1) % 3
	base := sc.ts[lone].URL
	sc.c.Partition(lone)
	deadline := time.Now().Add(clustertest.WaitTimeout)
	for {
		resp, body := do(t, "GET", base+"/readyz", nil, nil)
		var eb ErrorBody
		_ = json.Unmarshal(body, &eb)
		if resp.StatusCode == http.StatusServiceUnavailable && eb.Code == CodeStale {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a cut-off node stays ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, c := range []struct{ method, path, token string }{
		{"GET", "/readyz", ""},
		{"POST", "/v1/sync/pull", token},
		{"GET", "/v1/sync/metadata", token},
		{"GET", "/v1/admin/users", ""},
	} {
		hdr := map[string]string{}
		if c.token != "" {
			hdr["Authorization"] = "Bearer " + c.token
		}
		resp, body := do(t, c.method, base+c.path, nil, hdr)
		var eb ErrorBody
		_ = json.Unmarshal(body, &eb)
		if resp.StatusCode != http.StatusServiceUnavailable || eb.Code != CodeStale || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("%s %s on a stale node: %d %s", c.method, c.path, resp.StatusCode, body)
		}
	}
	if resp, body := do(t, "GET", base+"/v1/admin/cluster", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("cluster status on a stale node: %d %s", resp.StatusCode, body)
	}
	sc.c.Heal()
	for {
		if resp, _ := do(t, "GET", base+"/readyz", nil, nil); resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the node stays unready after healing")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestClusterMembershipThroughAnyNode adds a non-voter, promotes it and
// removes it through a follower, which relays each change to the leader.
func TestClusterMembershipThroughAnyNode(t *testing.T) {
	sc := newServedCluster(t, 3, nil)
	follower := sc.ts[(sc.c.Index(sc.c.Leader())+1)%3].URL
	extra := sc.c.Add(false) // started and added as a non-voter by the harness
	id := sc.c.ID(extra)
	sc.c.Stop(extra) // it needs no process to be promoted and removed
	members := func() map[string]replication.Member {
		var st []MemberStatus
		if code := getJSON(t, follower+"/v1/admin/cluster", &st); code != 200 {
			t.Fatalf("cluster status: %d", code)
		}
		out := map[string]replication.Member{}
		for _, m := range st {
			out[m.ID] = m.Member
		}
		return out
	}
	if m, ok := members()[id]; !ok || m.Voter {
		t.Fatalf("%s after add: %+v", id, m)
	}
	if resp, b := do(t, "POST", follower+"/v1/admin/cluster/members/"+id+"/promote", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("promote: %d %s", resp.StatusCode, b)
	}
	if m := members()[id]; !m.Voter {
		t.Fatalf("%s after promote: %+v", id, m)
	}
	if resp, b := do(t, "DELETE", follower+"/v1/admin/cluster/members/"+id, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("remove: %d %s", resp.StatusCode, b)
	}
	if _, ok := members()[id]; ok {
		t.Fatalf("%s is still a member", id)
	}
	if resp, _ := do(t, "DELETE", follower+"/v1/admin/cluster/members/nosuch", nil, nil); resp.StatusCode != 404 {
		t.Fatalf("removing an unknown member: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "POST", follower+"/v1/admin/cluster/members", []byte(`{"id":""}`), nil); resp.StatusCode != 400 {
		t.Fatalf("adding without an id: %d", resp.StatusCode)
	}
}

// TestClusterRestartedNodeIsNotReadyUntilCaughtUp: a follower that was
// down while the cluster moved on answers /readyz 200 (and serves reads)
// only once it has applied what the leader had, although its Raft state
// alone looks fresh as soon as the leader's heartbeats reach it.
func TestClusterRestartedNodeIsNotReadyUntilCaughtUp(t *testing.T) {
	sc := newServedCluster(t, 3, nil)
	f := (sc.c.Index(sc.c.Leader()) + 1) % 3
	sc.c.Stop(f)
	for i := 0; i < 100; i++ {
		var recs []codec.Record
		for j := 0; j < 50; j++ {
			recs = append(recs, codec.Record{Entity: "account", ID: fmt.Sprintf("20000000-0000-4000-8000-%012d", i*50+j), OwnerID: demoOwner(t, sc), Attrs: map[string]any{"name": "catch up"}})
		}
		sc.c.Propose(&engine.Command{Kind: engine.KindIngest, Now: sc.now.UnixMilli(), Records: recs})
	}
	want := sc.c.Leader().Engine().Applied()
	sc.c.Restart(f)
	node := sc.c.Node(f)
	cfg := DefaultConfig(testToken)
	cfg.Now = func() time.Time { return sc.now }
	s, err := New(cfg, node, node.Engine(), node)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s.WillWatchLeader()
	go s.WatchLeader(ctx)
	refused := 0
	deadline := time.Now().Add(clustertest.WaitTimeout)
	for {
		resp, _ := do(t, "GET", ts.URL+"/readyz", nil, nil)
		if resp.StatusCode == 200 {
			if got := node.Engine().Applied(); got < want {
				t.Fatalf("ready at version %d, the leader had %d before the restart", got, want)
			}
			break
		}
		refused++
		if time.Now().After(deadline) {
			t.Fatal("the restarted node never became ready")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("refused %d readiness probes while catching up", refused)
}

// demoOwner is a user of the demo organization, to own test rows.
func demoOwner(t *testing.T, sc *servedCluster) string {
	t.Helper()
	users, err := sc.c.Leader().Engine().Users()
	if err != nil || len(users) == 0 {
		t.Fatalf("demo users: %v", err)
	}
	return users[0].ID
}

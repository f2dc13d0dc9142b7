package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
)

// This file holds a model test of a device moving between the nodes of a
// fake cluster while nodes go down, answer 503, lag behind, and lose or
// cut off answers in transit: the device's queue and cursor are never
// lost or duplicated.

// fakeEntry is one applied mutation of the fake cluster's log.
type fakeEntry struct {
	version uint64
	rowID   string
	mark    string // the mutation id that wrote the row
}

// fakeCluster is the state all fake nodes share: the log, and each
// mutation id's first result (pushes are idempotent by id, as on the
// real server).
type fakeCluster struct {
	t       *testing.T
	mu      sync.Mutex
	log     []fakeEntry
	results map[string]codec.PushResult
	nodes   []*fakeNode
}

// fakeNode is one node: its applied version, whether it has a leader,
// and the faults its connections suffer.
type fakeNode struct {
	ts       *httptest.Server
	applied  uint64
	noLeader bool
	down     bool
	// lose and cut are the chances that an answer is lost, or cut off
	// half way, after the node handled the request.
	lose, cut float64
}

// version is the log's last version.
func (c *fakeCluster) version() uint64 {
	if len(c.log) == 0 {
		return 0
	}
	return c.log[len(c.log)-1].version
}

// rows is the state at the log's end: row id -> mark.
func (c *fakeCluster) rows() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]string{}
	for _, e := range c.log {
		out[e.rowID] = e.mark
	}
	return out
}

func newFakeCluster(t *testing.T, n int) *fakeCluster {
	c := &fakeCluster{t: t, results: map[string]codec.PushResult{}}
	for i := 0; i < n; i++ {
		node := &fakeNode{}
		node.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.serve(node, w, r) }))
		t.Cleanup(node.ts.Close)
		c.nodes = append(c.nodes, node)
	}
	return c
}

// serve answers a push or a pull on node.
func (c *fakeCluster) serve(node *fakeNode, w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var urls []string
	for _, n := range c.nodes {
		urls = append(urls, n.ts.URL)
	}
	w.Header().Set(MembersHeader, strings.Join(urls, ","))
	unavailable := func(code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"code":%q,"message":"try another node"}`, code)
	}
	var body []byte
	switch r.URL.Path {
	case "/v1/sync/push":
		if node.noLeader {
			unavailable("unavailable")
			return
		}
		req, err := codec.DecodePushRequest(raw, codec.FormatMsgpack, 1000)
		if err != nil {
			c.t.Errorf("fake node: push: %v", err)
			return
		}
		res := codec.PushResponse{}
		for _, m := range req.Mutations {
			first, seen := c.results[m.ID]
			if !seen {
				v := c.version() + 1
				c.log = append(c.log, fakeEntry{version: v, rowID: m.RowID, mark: m.ID})
				first = codec.PushResult{ID: m.ID, Applied: true, Version: v}
				c.results[m.ID] = first
			}
			res.Results = append(res.Results, first)
		}
		// The answering node has applied the push (read-your-writes),
		// and the answer's version is a new one, also for a retry.
		res.Version = c.version()
		node.applied = res.Version
		body, err = codec.Marshal(res)
	case "/v1/sync/pull":
		req, err := codec.DecodePullRequest(raw, codec.FormatMsgpack)
		if err != nil {
			c.t.Errorf("fake node: pull: %v", err)
			return
		}
		from, err := strconv.ParseUint(strings.TrimPrefix(req.Cursor, "v"), 10, 64)
		if req.Cursor == "" {
			from, err = 0, nil
		}
		if err != nil {
			c.t.Errorf("fake node: pull with cursor %q, not one it gave", req.Cursor)
			return
		}
		if from > node.applied || req.MinVersion > node.applied {
			unavailable("retry")
			return
		}
		body, err = codec.MarshalCompact(c.page(from, node.applied))
	}
	if err != nil {
		c.t.Errorf("fake node: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/msgpack")
	_, _ = w.Write(body)
}

// page answers a pull from version from, at most 3 log entries of those
// up to the node's applied version.
func (c *fakeCluster) page(from, upTo uint64) codec.PullResponse {
	res := codec.PullResponse{Version: upTo, Cursor: "v" + strconv.FormatUint(upTo, 10)}
	ec := codec.EntityChanges{Entity: "task", Columns: []string{"m"}}
	for _, e := range c.log {
		if e.version <= from || e.version > upTo {
			continue
		}
		if len(ec.Rows) == 3 {
			res.More = true
			break
		}
		id, _ := codec.GUIDBytes(e.rowID)
		ec.Rows = append(ec.Rows, []any{id, int64(-1), int64(-1), int64(1), int64(e.version), e.version, e.mark})
		res.Cursor = "v" + strconv.FormatUint(e.version, 10)
	}
	if len(ec.Rows) > 0 {
		res.Entities = []codec.EntityChanges{ec}
	}
	return res
}

// faultyTransport makes a node's connections fail as its fields say.
type faultyTransport struct {
	c   *fakeCluster
	rng *rand.Rand // under c.mu
}

// RoundTrip implements http.RoundTripper.
func (f *faultyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	f.c.mu.Lock()
	var node *fakeNode
	for _, n := range f.c.nodes {
		if strings.HasPrefix(req.URL.String(), n.ts.URL+"/") {
			node = n
		}
	}
	down, lose, cut := node == nil || node.down, false, false
	if node != nil {
		lose, cut = f.rng.Float64() < node.lose, f.rng.Float64() < node.cut
	}
	f.c.mu.Unlock()
	if down {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	switch {
	case err != nil:
		return nil, err
	case lose:
		resp.Body.Close()
		return nil, io.ErrUnexpectedEOF
	case cut:
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(io.MultiReader(strings.NewReader(string(b[:len(b)/2])), errReader{}))
	}
	return resp, nil
}

// errReader fails every read, as a connection reset does.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

// deviceRows reads the device's task rows: row id -> mark.
func deviceRows(t *testing.T, d *Device) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err := d.Rows("task", func(r Row) error {
		out[r.ID], _ = r.Attrs["m"].(string)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeviceMovesBetweenNodes drives a device, configured with the first
// node only, through random steps (set OFFSYNC_SEED to replay a seed):
// queue changes, sync, take nodes down and up (the first one for good,
// half way), make them lose their leader, lag behind, or lose or cut off
// answers, and reopen the device. After every step:
//   - each queued change is still queued or applied on the cluster, never
//     both gone and unapplied, and never queued twice;
//   - the cursor never goes back;
//   - a sync that succeeded with nothing left queued leaves the device
//     holding exactly the cluster's rows (it read its own writes).
//
// At the end, with every node healthy, one sync converges.
func TestDeviceMovesBetweenNodes(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("OFFSYNC_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (replay with OFFSYNC_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewSource(seed))
	c := newFakeCluster(t, 3)
	store := tempStore(t)
	hc := &http.Client{Transport: &faultyTransport{c: c, rng: rand.New(rand.NewSource(seed + 1))}}
	open := func() *Device {
		d, err := OpenDevice(DeviceConfig{Store: store, Server: c.nodes[0].ts.URL, Token: "t", HTTP: hc,
			Retry: RetryConfig{Rounds: 3, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := open()
	defer func() { d.Close() }()
	var queued []string // every mutation id queued, in order
	var lastCursor uint64
	rows := 0
	served := map[string]int{}
	failed := 0
	for step := 0; step < 300; step++ {
		where := fmt.Sprintf("seed %d step %d", seed, step)
		c.mu.Lock()
		for i, n := range c.nodes {
			switch k := rng.Intn(10); {
			case k == 0:
				n.down = !n.down
			case k == 1:
				n.noLeader = !n.noLeader
			case k == 2:
				n.lose, n.cut = rng.Float64()*0.5, rng.Float64()*0.3
			case k == 3:
				n.lose, n.cut = 0, 0
			case k < 6:
				n.applied = c.version() // catches up
			}
			if i == 0 && step >= 150 {
				n.down = true // the configured node is gone
			}
		}
		c.mu.Unlock()
		switch k := rng.Intn(10); {
		case k < 4:
			for range 1 + rng.Intn(3) {
				id := fmt.Sprintf("m%d", len(queued))
				row := modelGUID(rng.Intn(8) + 1)
				if rows < 8 && rng.Intn(2) == 0 {
					rows++
					row = modelGUID(rows)
				}
				if _, err := d.Queue(codec.Mutation{ID: id, Entity: "task", RowID: row, Op: "update", Attrs: map[string]any{"m": id}}); err != nil {
					t.Fatal(err)
				}
				queued = append(queued, id)
			}
		case k < 9:
			sum, err := d.Sync(context.Background())
			cursor, cerr := d.cursor()
			if cerr != nil {
				t.Fatal(cerr)
			}
			cv, _ := strconv.ParseUint(strings.TrimPrefix(cursor, "v"), 10, 64)
			if cv < lastCursor {
				t.Fatalf("%s: the cursor went back from v%d to %q", where, lastCursor, cursor)
			}
			lastCursor = cv
			if err == nil && sum.Deferred == 0 {
				if got, want := deviceRows(t, d), c.rows(); !mapsEqual(got, want) {
					t.Fatalf("%s: after a sync served by %s the device holds %v, the cluster %v", where, sum.Server, got, want)
				}
			}
			if err == nil {
				served[sum.Server]++
			} else {
				failed++
			}
			if err != nil && anyNodeCouldServe(c) {
				t.Logf("%s: sync failed with a healthy node up: %v", where, err)
			}
		default:
			d.Close()
			d = open()
		}
		checkQueue(t, where, d, c, queued)
	}
	c.mu.Lock()
	for _, n := range c.nodes[1:] {
		n.down, n.noLeader, n.lose, n.cut, n.applied = false, false, 0, 0, c.version()
	}
	c.mu.Unlock()
	sum, err := d.Sync(context.Background())
	if err != nil || sum.Deferred != 0 {
		t.Fatalf("seed %d: final sync with two healthy nodes: %+v, %v", seed, sum, err)
	}
	if sum.Server == c.nodes[0].ts.URL {
		t.Fatalf("seed %d: final sync served by the node that is down", seed)
	}
	checkQueue(t, "final", d, c, queued)
	if got, want := deviceRows(t, d), c.rows(); !mapsEqual(got, want) {
		t.Fatalf("seed %d: the device holds %v, the cluster %v", seed, got, want)
	}
	if pending, _ := d.Pending(); pending != 0 {
		t.Fatalf("seed %d: %d changes still queued", seed, pending)
	}
	c.mu.Lock()
	applied := len(c.results)
	c.mu.Unlock()
	if applied != len(queued) {
		t.Fatalf("seed %d: %d changes queued, %d applied", seed, len(queued), applied)
	}
	t.Logf("%d changes applied once each; syncs served per node %v, %d failed under the faults", applied, served, failed)
}

// anyNodeCouldServe says whether some node is up, has a leader, is
// caught up and loses nothing (a sync may still fail, when a faulty node
// before it cut answers off on every try: it is only logged).
func anyNodeCouldServe(c *fakeCluster) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if !n.down && !n.noLeader && n.lose == 0 && n.cut == 0 && n.applied == c.version() {
			return true
		}
	}
	return false
}

// checkQueue checks that each queued mutation id is still queued exactly
// once, or applied on the cluster, or both (an answer lost in transit).
func checkQueue(t *testing.T, where string, d *Device, c *fakeCluster, queued []string) {
	t.Helper()
	_, muts, err := d.queued()
	if err != nil {
		t.Fatal(err)
	}
	inQueue := map[string]int{}
	for _, m := range muts {
		inQueue[m.ID]++
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range queued {
		if inQueue[id] > 1 {
			t.Fatalf("%s: %s queued %d times", where, id, inQueue[id])
		}
		if _, applied := c.results[id]; !applied && inQueue[id] == 0 {
			t.Fatalf("%s: %s left the queue but the cluster never applied it", where, id)
		}
	}
	for id := range c.results {
		if !slices.Contains(queued, id) {
			t.Fatalf("%s: the cluster applied %s, which was never queued", where, id)
		}
	}
}

func modelGUID(n int) string {
	s, _ := codec.GUIDString(modelID(n))
	return s
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

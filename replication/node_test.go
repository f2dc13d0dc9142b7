package replication

import (
	"context"
	"fmt"
	"github.com/hashicorp/raft"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

const (
	bu    = "00000000-0000-4000-8000-000000000001"
	owner = "00000000-0000-4000-8000-0000000000a1"
)

func testSchema() *engine.Schema {
	return &engine.Schema{Entities: []engine.EntityDef{{Name: "account", Offline: true, Attributes: []engine.Attribute{
		{Name: "name", Type: engine.TypeString, Required: true},
	}}}}
}

// openNode starts an engine and a one-voter node in dir, closed at cleanup.
func openNode(t testing.TB, dir string) *Node { return openNodeWith(t, dir, nil) }

// openNodeWith is openNode with a config hook.
func openNodeWith(t testing.TB, dir string, tune func(*Config)) *Node {
	t.Helper()
	ecfg := engine.DefaultConfig(dir + "/engine")
	ecfg.MemTableSize, ecfg.BlockCacheSize = 16<<20, 1<<20
	eng, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig("n1", dir+"/raft")
	cfg.RaftAddr = "127.0.0.1:0"
	cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = 50*time.Millisecond, 50*time.Millisecond, 50*time.Millisecond
	if tune != nil {
		tune(&cfg)
	}
	n, err := Open(cfg, eng)
	if err != nil {
		eng.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.Close()
		eng.Close()
	})
	if !cfg.Bootstrap {
		return n // it waits to be joined
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	for !n.Ready() {
		time.Sleep(5 * time.Millisecond)
	}
	return n
}

func propose(t testing.TB, n *Node, cmd *engine.Command) *engine.Result {
	t.Helper()
	r, err := n.Propose(context.Background(), cmd)
	if err != nil {
		t.Fatal(err)
	}
	if r.Err != nil {
		t.Fatalf("%s rejected: %v", cmd.Kind, r.Err)
	}
	return r
}

func setup(t testing.TB, n *Node) {
	propose(t, n, &engine.Command{Kind: engine.KindSetSchemaDraft, Schema: testSchema()})
	propose(t, n, &engine.Command{Kind: engine.KindPublishSchema})
	propose(t, n, &engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{
		BusinessUnits: []engine.BusinessUnit{{ID: bu, Name: "Root"}},
		Users:         []engine.User{{ID: owner, Name: "A", BusinessUnit: bu, Enabled: true}},
	}})
}

func rowID(i int) string { return fmt.Sprintf("10000000-0000-4000-8000-%012d", i) }

func TestProposeVersionsAreRaftIndexes(t *testing.T) {
	n := openNode(t, t.TempDir())
	setup(t, n)
	var last uint64
	for i := 0; i < 5; i++ {
		r := propose(t, n, &engine.Command{Kind: engine.KindIngest, Now: 1, Records: []codec.Record{{Entity: "account", ID: rowID(i), OwnerID: owner, Attrs: map[string]any{"name": "x"}}}})
		if r.Version <= last || r.Version != n.Engine().Applied() {
			t.Fatalf("version %d after %d; engine applied %d", r.Version, last, n.Engine().Applied())
		}
		last = r.Version
		row, err := n.Engine().Get("account", rowID(i))
		if err != nil || row.Version != r.Version {
			t.Fatalf("row %d = %+v, %v", i, row, err)
		}
	}
	// A rejected command is a result, not an error, and writes nothing.
	r, err := n.Propose(context.Background(), &engine.Command{Kind: engine.KindIngest, Records: []codec.Record{{Entity: "nosuch", ID: rowID(99)}}})
	if err != nil || r.Err == nil {
		t.Fatalf("bad command: %v %v", r, err)
	}
}

func TestConcurrentProposalsShareLogWrites(t *testing.T) {
	n := openNode(t, t.TempDir())
	setup(t, n)
	const writers, each = 16, 20
	var wg sync.WaitGroup
	versions := make(chan uint64, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				r, err := n.Propose(context.Background(), &engine.Command{Kind: engine.KindIngest, Now: 1, Records: []codec.Record{{Entity: "account", ID: rowID(w*each + i), OwnerID: owner, Attrs: map[string]any{"name": "x"}}}})
				if err != nil || r.Err != nil {
					t.Errorf("propose: %v %v", err, r)
					return
				}
				versions <- r.Version
			}
		}(w)
	}
	wg.Wait()
	close(versions)
	seen := map[uint64]bool{}
	for v := range versions {
		if seen[v] {
			t.Fatalf("version %d given to two commands", v)
		}
		seen[v] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("%d versions, want %d", len(seen), writers*each)
	}
	for i := 0; i < writers*each; i++ {
		if _, err := n.Engine().Get("account", rowID(i)); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
}

func TestRestartResumesWithoutReapplying(t *testing.T) {
	dir := t.TempDir()
	n := openNode(t, dir)
	setup(t, n)
	r := propose(t, n, &engine.Command{Kind: engine.KindIngest, Now: 1, Records: []codec.Record{{Entity: "account", ID: rowID(1), OwnerID: owner, Attrs: map[string]any{"name": "before"}}}})
	eng := n.Engine()
	n.Close()
	eng.Close()

	n2 := openNode(t, dir)
	if got := n2.Engine().Applied(); got < r.Version {
		t.Fatalf("applied after restart = %d, want >= %d", got, r.Version)
	}
	row, err := n2.Engine().Get("account", rowID(1))
	if err != nil || row.Version != r.Version || row.Attrs["name"] != "before" {
		t.Fatalf("row after restart = %+v, %v", row, err)
	}
	r2 := propose(t, n2, &engine.Command{Kind: engine.KindIngest, Now: 2, Records: []codec.Record{{Entity: "account", ID: rowID(1), Attrs: map[string]any{"name": "after"}}}})
	if r2.Version <= r.Version {
		t.Fatalf("version went backwards across restart: %d then %d", r.Version, r2.Version)
	}
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	n := openNode(t, t.TempDir())
	setup(t, n)
	for i := 0; i < 50; i++ {
		propose(t, n, &engine.Command{Kind: engine.KindIngest, Now: 1, Records: []codec.Record{{Entity: "account", ID: rowID(i), OwnerID: owner, Attrs: map[string]any{"name": "x"}}}})
	}
	if err := n.raft.Snapshot().Error(); err != nil {
		t.Fatal(err)
	}
	// A fresh engine catches up from the snapshot alone.
	dir := t.TempDir()
	ecfg := engine.DefaultConfig(dir)
	ecfg.MemTableSize, ecfg.BlockCacheSize = 16<<20, 1<<20
	fresh, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	metaSnap, err := n.Engine().Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := ioPipe()
	go func() { _, err := metaSnap.WriteTo(pw); pw.CloseWithError(err) }()
	if err := NewFSM(fresh).Restore(pr); err != nil {
		t.Fatal(err)
	}
	if fresh.Applied() != n.Engine().Applied() || fresh.Schema().Version != 1 {
		t.Fatalf("restored applied=%d schema=%d", fresh.Applied(), fresh.Schema().Version)
	}
	for i := 0; i < 50; i++ {
		if _, err := fresh.Get("account", rowID(i)); err != nil {
			t.Fatalf("row %d after restore: %v", i, err)
		}
	}
}

func TestLeaderPrunesTheChangeLog(t *testing.T) {
	n := openNodeWith(t, t.TempDir(), func(c *Config) { c.RetainVersions = 10 })
	setup(t, n)
	for i := 0; i < 30; i++ {
		propose(t, n, &engine.Command{Kind: engine.KindIngest, Now: 1, Records: []codec.Record{{Entity: "account", ID: rowID(i % 3), OwnerID: owner, Attrs: map[string]any{"name": fmt.Sprint(i)}}}})
	}
	if err := n.PruneOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	h := n.Engine().Horizon()
	if h == 0 || n.Engine().Applied()-h > 11 {
		t.Fatalf("horizon %d at version %d", h, n.Engine().Applied())
	}
	below := 0
	_ = n.Engine().Changes("account", 0, 0, func(c engine.ChangeEntry) error {
		if c.Row.Version < h {
			below++
		}
		return nil
	})
	if below > 3 {
		t.Fatalf("%d entries below the horizon, want at most one per row", below)
	}
}

// TestSnapshotAfterManyBytes: big commands trigger a snapshot by size long
// before SnapshotThreshold entries.
func TestSnapshotAfterManyBytes(t *testing.T) {
	n := openNodeWith(t, t.TempDir(), func(c *Config) { c.SnapshotBytes = 4 << 10 })
	setup(t, n)
	for i := 0; i < 20; i++ {
		propose(t, n, &engine.Command{Kind: engine.KindIngest, Now: 1, Records: []codec.Record{{Entity: "account", ID: rowID(i), OwnerID: owner, Attrs: map[string]any{"name": strings.Repeat("x", 500)}}}})
	}
	deadline := time.Now().Add(10 * time.Second)
	for n.Status().LastSnapshotIndex == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot after 10 KB of commands: %+v", n.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReplayedEntriesAreNotDecoded: entries the engine already applied
// (replayed after a restart) are answered without decoding them, so a
// replay costs no decoding; new ones are decoded as before.
func TestReplayedEntriesAreNotDecoded(t *testing.T) {
	n := openNode(t, t.TempDir())
	setup(t, n)
	f := NewFSM(n.Engine())
	applied := n.Engine().Applied()
	out := f.ApplyBatch([]*raft.Log{
		{Index: applied, Type: raft.LogCommand, Data: []byte("not a command")},
		{Index: applied + 1000, Type: raft.LogCommand, Data: []byte("not a command")},
	})
	if r := out[0].(*engine.Result); r.Err != nil || r.Version != applied {
		t.Fatalf("replayed entry: %+v", r)
	}
	if r := out[1].(*engine.Result); r.Err == nil {
		t.Fatalf("a new undecodable entry was accepted: %+v", r)
	}
}

package replication

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestBootstrapAfterRestore restores a backup into a new directory and
// starts a one-node cluster on it: new writes get versions after the
// restored one and are applied (not skipped as already held), and a node
// that joins it gets the restored rows and the new ones.
func TestBootstrapAfterRestore(t *testing.T) {
	src := openNode(t, t.TempDir())
	setup(t, src)
	for i := range 30 {
		propose(t, src, &engine.Command{Kind: engine.KindIngest, Now: 1, Records: []codec.Record{{Entity: "account", ID: rowID(i), OwnerID: owner, Attrs: map[string]any{"name": fmt.Sprint(i)}}}})
	}
	var file bytes.Buffer
	if _, err := src.Engine().Backup(&file, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ecfg := engine.DefaultConfig(dir + "/engine")
	ecfg.MemTableSize, ecfg.BlockCacheSize = 16<<20, 1<<20
	eng, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	restored, err := eng.RestoreBackup(&file)
	if err != nil {
		t.Fatal(err)
	}
	eng.Close()

	slow := func(c *Config) {
		c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout = 250*time.Millisecond, 250*time.Millisecond, 125*time.Millisecond
	}
	n := openNodeWith(t, dir, slow)
	if got := n.Engine().Applied(); got < restored {
		t.Fatalf("restored node at version %d, backup at %d", got, restored)
	}
	r := propose(t, n, &engine.Command{Kind: engine.KindIngest, Now: 2, Records: []codec.Record{{Entity: "account", ID: rowID(100), OwnerID: owner, Attrs: map[string]any{"name": "after"}}}})
	if r.Version <= restored || n.Engine().Applied() != r.Version {
		t.Fatalf("write after restore at version %d (restored %d), engine applied %d", r.Version, restored, n.Engine().Applied())
	}
	row, err := n.Engine().Get("account", rowID(100))
	if err != nil || row.Attrs["name"] != "after" {
		t.Fatalf("the write after restore was not applied: %+v, %v", row, err)
	}

	// A restart resumes the log after the snapshot it was bootstrapped
	// from: no second bootstrap, writes still applied.
	n.Close()
	n.Engine().Close()
	n = openNodeWith(t, dir, slow)
	r = propose(t, n, &engine.Command{Kind: engine.KindIngest, Now: 2, Records: []codec.Record{{Entity: "account", ID: rowID(102), OwnerID: owner, Attrs: map[string]any{"name": "restarted"}}}})
	if row, err := n.Engine().Get("account", rowID(102)); err != nil || row.Version != r.Version || n.Engine().Applied() != r.Version {
		t.Fatalf("the write after a restart was not applied: %+v, %v (applied %d, version %d)", row, err, n.Engine().Applied(), r.Version)
	}

	f := openNodeWith(t, t.TempDir(), func(c *Config) { slow(c); c.NodeID, c.Bootstrap = "n2", false })
	if err := n.Join("n2", f.RaftAddr(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	propose(t, n, &engine.Command{Kind: engine.KindIngest, Now: 3, Records: []codec.Record{{Entity: "account", ID: rowID(101), OwnerID: owner, Attrs: map[string]any{"name": "joined"}}}})
	want := n.Engine().Applied()
	deadline := time.Now().Add(10 * time.Second)
	for f.Engine().Applied() < want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	rows := func(n *Node) []codec.Row {
		var out []codec.Row
		_ = n.Engine().Scan("account", func(r codec.Row) error { out = append(out, r); return nil })
		return out
	}
	if a, b := rows(n), rows(f); f.Engine().Applied() != want || len(a) != 33 || !reflect.DeepEqual(a, b) {
		t.Fatalf("joined node at %d (leader %d) holds %d rows, leader %d", f.Engine().Applied(), want, len(b), len(a))
	}
}

package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// demoNode serves a one-node cluster over the engine in dir (restored
// there, or empty: then the demo dataset is loaded).
func demoNode(t *testing.T, dir string) (*httptest.Server, *Server, *engine.Engine) {
	t.Helper()
	ecfg := engine.DefaultConfig(filepath.Join(dir, "engine"))
	ecfg.MemTableSize, ecfg.BlockCacheSize = 16<<20, 1<<20
	e, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	rcfg := replication.DefaultConfig("n1", filepath.Join(dir, "raft"))
	rcfg.RaftAddr = "127.0.0.1:0"
	node, err := replication.Open(rcfg, e)
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := node.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	for !node.Ready() {
		time.Sleep(5 * time.Millisecond)
	}
	if e.Applied() == 0 {
		dc, _ := dataset.ConfigFor(dataset.SizeDemo)
		dc.Now = time.UnixMilli(1_700_000_000_000)
		if _, err := dataset.Load(ctx, node, dc, 1000, nil); err != nil {
			t.Fatal(err)
		}
	}
	s, err := New(DefaultConfig(testToken), node, e, node)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() { ts.Close(); node.Close(); e.Close() })
	return ts, s, e
}

// restoreDir restores a backup file into a new data directory.
func restoreDir(t *testing.T, file []byte) string {
	t.Helper()
	dir := t.TempDir()
	ecfg := engine.DefaultConfig(filepath.Join(dir, "engine"))
	ecfg.MemTableSize, ecfg.BlockCacheSize = 16<<20, 1<<20
	e, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.RestoreBackup(bytes.NewReader(file)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBackupRouteAndCursorAheadOfTheCluster backs a node up, restores the
// file into a new node that takes writes of its own, and brings a device
// that synced there back to the first node: its cursor, ahead of that
// whole cluster, gets a reset, not an endless 503 retry. A cursor of the
// node's own is still answered with a delta.
func TestBackupRouteAndCursorAheadOfTheCluster(t *testing.T) {
	a, _, ae := demoNode(t, t.TempDir())
	token, user := fieldSalesToken(t, a)
	_, own, _ := devicePullRaw(t, a.URL, token, "", nil) // makes the cursor key, which the backup then holds
	awaitCursorContext(t, ae, user, own.Cursor)          // and registers its context
	resp, file := do(t, "GET", a.URL+"/v1/admin/backup", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("backup: %d %s", resp.StatusCode, file)
	}
	v, err := strconv.ParseUint(resp.Header.Get(HeaderVersion), 10, 64)
	if err != nil || v != ae.Applied() {
		t.Fatalf("backup version header %q, node at %d", resp.Header.Get(HeaderVersion), ae.Applied())
	}
	if r, _ := do(t, "GET", a.URL+"/v1/admin/backup", nil, map[string]string{"Authorization": "Bearer nope"}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("backup without the admin token: %d", r.StatusCode)
	}

	b, _, be := demoNode(t, restoreDir(t, file))
	if be.Applied() != v {
		t.Fatalf("restored node at %d, backup at %d", be.Applied(), v)
	}
	for range 10 { // the copy moves on: device tokens are writes
		if r, body := do(t, "POST", b.URL+"/v1/admin/users/"+user+"/tokens", nil, nil); r.StatusCode != 200 {
			t.Fatalf("write on the restored node: %d %s", r.StatusCode, body)
		}
	}
	code, there, _ := devicePullRaw(t, b.URL, token, "", nil)
	if code != 200 || there.Version <= ae.Applied()+5 {
		t.Fatalf("pull on the restored node: %d at version %d (first node at %d)", code, there.Version, ae.Applied())
	}
	code, back, _ := devicePullRaw(t, a.URL, token, there.Cursor, nil)
	if code != 200 || !back.Reset {
		t.Fatalf("a cursor ahead of the cluster got %d (reset %v), want 200 with a reset", code, back.Reset)
	}
	if countWireRows(back) != countWireRows(own) || countWireRows(own) == 0 {
		t.Fatalf("the reset holds %d rows, a first load %d", countWireRows(back), countWireRows(own))
	}
	code, again, _ := devicePullRaw(t, a.URL, token, back.Cursor, nil)
	if code != 200 || again.Reset {
		t.Fatalf("the node's own cursor got %d (reset %v), want a delta", code, again.Reset)
	}
}

func countWireRows(p codec.PullResponse) int {
	n := 0
	for _, e := range p.Entities {
		n += len(e.Rows)
	}
	return n
}

// TestBackupOneAtATime: a second backup while one streams gets 429.
func TestBackupOneAtATime(t *testing.T) {
	ts, s, _ := demoNode(t, t.TempDir())
	s.backupBusy.Store(true)
	r, body := do(t, "GET", ts.URL+"/v1/admin/backup", nil, nil)
	if r.StatusCode != http.StatusTooManyRequests || !bytes.Contains(body, []byte(CodeBackupRunning)) {
		t.Fatalf("second backup: %d %s", r.StatusCode, body)
	}
	s.backupBusy.Store(false)
	if r, _ := do(t, "GET", ts.URL+"/v1/admin/backup", nil, nil); r.StatusCode != 200 {
		t.Fatalf("backup after the first ended: %d", r.StatusCode)
	}
}

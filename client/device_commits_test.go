package client

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/offsync/offsync/codec"
)

// TestFirstLoadCommits: a first load of an answer and two shared pages
// takes two Badger commits: the answer with its first page (fetched
// while the answer was written, device_pages_join.go), then the second
// page; the endpoints it learned are recorded in them (not in a commit
// of their own), and a reopened device still prefers the node that
// answered.
func TestFirstLoadCommits(t *testing.T) {
	p, d := pagedDevice(t, 200)
	before := d.db.MaxVersion()
	sum, err := d.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Pages != 2 || sum.Upserts != 4 {
		t.Fatalf("pages %d, upserts %d; want 2 and 4", sum.Pages, sum.Upserts)
	}
	if commits := d.db.MaxVersion() - before; commits != 2 {
		t.Fatalf("the first load took %d commits, want 2 (the answer with the first page, then the second; requests %v)", commits, p.took())
	}
	served := sum.Server
	store := d.cfg.Store
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d2, err := OpenDevice(DeviceConfig{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d2.Close() })
	if got := d2.Endpoints(); len(got) == 0 || got[0] != served {
		t.Fatalf("reopened device tries %v first, want %s (the node that answered)", got, served)
	}
	if got := heldAccounts(t, d2); len(got) != 4 {
		t.Fatalf("accounts after the load: %v", got)
	}
}

// TestQueuedDuringFirstLoadIsKept: local changes queued while a first
// load is written (after its answer, and after its first shared page)
// are all still queued once it is in, beside the loaded rows.
func TestQueuedDuringFirstLoadIsKept(t *testing.T) {
	p := &pagedServer{t: t, script: map[string][]int{}}
	ts := httptest.NewServer(p)
	t.Cleanup(ts.Close)
	var d *Device
	queued := 0
	progress := func(int, bool) {
		m := codec.Mutation{Entity: "task", RowID: fmt.Sprintf("20000000-0000-4000-8000-%012d", queued), Op: "create", Attrs: map[string]any{"subject": "offline"}}
		if _, err := d.Queue(m); err != nil {
			t.Errorf("queue during the load: %v", err)
			return
		}
		queued++
	}
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: "t", Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	pending, err := d.Pending()
	if err != nil {
		t.Fatal(err)
	}
	if queued != 3 || pending != queued {
		t.Fatalf("queued %d during the load, %d pending after it", queued, pending)
	}
	if got := heldAccounts(t, d); len(got) != 4 {
		t.Fatalf("accounts after the load: %v", got)
	}
}

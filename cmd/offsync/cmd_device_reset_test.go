package main

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/server"
)

// TestDeviceReaderNeverSeesAPartialReload: a paged reload fills a new
// generation of the local store, and readers see the old rows until its
// last page switches to the new ones.
func TestDeviceReaderNeverSeesAPartialReload(t *testing.T) {
	ecfg := engine.DefaultConfig(t.TempDir())
	ecfg.MemTableSize, ecfg.BlockCacheSize = 8<<20, 1<<20
	e, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	dc, _ := dataset.ConfigFor(dataset.SizeDemo)
	if _, err := dataset.Load(context.Background(), directWriter{e}, dc, 500, nil); err != nil {
		t.Fatal(err)
	}
	scfg := server.DefaultConfig(adminTestToken)
	scfg.Now = func() time.Time { return dc.Now }
	scfg.PageRows = 20
	s, err := server.New(scfg, directWriter{e}, e, readyAlways{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	a := &adminEnv{t: t, base: ts.URL, e: e}
	var prof struct{ Users []string }
	a.json(&prof, "profile", "get", "Field Sales")
	var tok struct{ Token string }
	a.json(&tok, "token", "create", "--user", prof.Users[0])

	var d *client.Device
	total := func() int {
		c, err := d.Counts()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, v := range c {
			n += v
		}
		return n
	}
	seen := []int{}
	d, err = client.OpenDevice(client.DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: tok.Token,
		Progress: func(rows int, more bool) { seen = append(seen, total()) }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	first, err := d.Sync(context.Background())
	if err != nil || first.Pulls < 3 {
		t.Fatalf("first sync: %+v %v", first, err)
	}
	full := total()
	for i, n := range seen[:len(seen)-1] {
		if n != 0 {
			t.Fatalf("after page %d a reader saw %d rows of a load not finished", i, n)
		}
	}
	if seen[len(seen)-1] != full || full == 0 {
		t.Fatalf("after the last page: %d rows, the store holds %d", seen[len(seen)-1], full)
	}
	// A metadata publish reloads: readers keep the full old set until the end.
	sch := *e.Schema()
	sch.Entities = append([]engine.EntityDef(nil), sch.Entities...)
	sch.Entities[0].DisplayName = "Accounts"
	for _, c := range []*engine.Command{{Kind: engine.KindSetSchemaDraft, Schema: &sch}, {Kind: engine.KindPublishSchema}} {
		if r, err := (directWriter{e}).Propose(context.Background(), c); err != nil || r.Err != nil {
			t.Fatal(err, r.Err)
		}
	}
	seen = seen[:0]
	again, err := d.Sync(context.Background())
	if err != nil || again.Resets != 1 || again.Pulls < 3 {
		t.Fatalf("reload: %+v %v", again, err)
	}
	for i, n := range seen {
		if n != full {
			t.Fatalf("during the reload (page %d) a reader saw %d rows, not the %d it had", i, n, full)
		}
	}
}

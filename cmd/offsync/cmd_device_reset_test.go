package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/server"
)

// TestDeviceReaderNeverSeesAPartialReload: a paged reload fills a new
// generation of the local store, and readers see the old rows until its
// last page (an answer, or a shared page) switches to the new ones.
func TestDeviceReaderNeverSeesAPartialReload(t *testing.T) {
	a := newAdminEnvWith(t, func(c *server.Config) { c.PageRows = 20 })
	e, ts := a.e, struct{ URL string }{a.base}
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
	var err error
	d, err = client.OpenDevice(client.DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: tok.Token,
		Progress: func(rows int, more bool) { seen = append(seen, total()) }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	first, err := d.Sync(context.Background())
	if err != nil || first.Pulls+first.Pages < 3 {
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
	if err != nil || again.Resets != 1 || again.Pulls+again.Pages < 3 {
		t.Fatalf("reload: %+v %v", again, err)
	}
	for i, n := range seen {
		if n != full {
			t.Fatalf("during the reload (page %d) a reader saw %d rows, not the %d it had", i, n, full)
		}
	}
}

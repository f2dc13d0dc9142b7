package client

import (
	"context"
	"testing"
)

// TestFirstLoadCommitsOncePerAnswer: a first load of an answer and two
// shared pages takes three Badger commits, one per answer or page, the
// endpoints it learned recorded in them (not in a commit of their own),
// and a reopened device still prefers the node that answered.
func TestFirstLoadCommitsOncePerAnswer(t *testing.T) {
	p, d := pagedDevice(t, 200)
	before := d.db.MaxVersion()
	sum, err := d.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Pages != 2 {
		t.Fatalf("pages: %d, want 2", sum.Pages)
	}
	if commits := d.db.MaxVersion() - before; commits != 3 {
		t.Fatalf("the first load took %d commits, want 3 (the answer and two pages; requests %v)", commits, p.took())
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

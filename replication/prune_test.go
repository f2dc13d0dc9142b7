package replication

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/engine"
)

// TestLeaderPrunesOldSyncErrors: the leader's prune drops the sync errors
// recorded more than SyncErrorRetention ago and keeps the newer ones.
func TestLeaderPrunesOldSyncErrors(t *testing.T) {
	n := openNodeWith(t, t.TempDir(), func(c *Config) { c.SyncErrorRetention = time.Hour; c.RetainVersions = 0 })
	setup(t, n)
	now := time.Now()
	push := func(at time.Time, id string) {
		// No profile: every mutation is rejected and recorded.
		propose(t, n, &engine.Command{Kind: engine.KindPush, Now: at.UnixMilli(), Push: &engine.Push{User: owner, Device: "d0000000-0000-4000-8000-000000000001",
			Mutations: []engine.Mutation{{ID: id, Entity: "account", RowID: rowID(1), Op: engine.MutationDelete}}}})
	}
	for i := 0; i < 3; i++ {
		push(now.Add(-3*time.Hour), fmt.Sprint("old", i))
	}
	push(now.Add(-time.Minute), "new")
	if err := n.PruneOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	errs, _, err := n.Engine().SyncErrors(engine.SyncErrorFilter{})
	if err != nil || len(errs) != 1 || errs[0].Mutation.ID != "new" {
		t.Fatalf("after the prune: %+v %v", errs, err)
	}
	v := n.Engine().Applied()
	if err := n.PruneOnce(t.Context()); err != nil || n.Engine().Applied() != v {
		t.Fatalf("a prune with nothing to prune was proposed (%v)", err)
	}
}

func TestConfigValidatesSyncErrorRetention(t *testing.T) {
	c := DefaultConfig("n1", t.TempDir())
	c.SyncErrorRetention = -time.Second
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "SyncErrorRetention") {
		t.Fatalf("negative retention: %v", err)
	}
}

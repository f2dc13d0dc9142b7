package engine

import (
	"testing"

	"github.com/offsync/offsync/codec"
)

func TestPruneKeepsWhatDeltasNeed(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	for i := 0; i < 5; i++ { // acc1 rewritten five times
		mustApply(t, e, ingestCmd(int64(i), codec.Record{Entity: "account", ID: acc1, OwnerID: tAlice, Attrs: map[string]any{"name": string(rune('a' + i))}}))
	}
	mustApply(t, e, ingestCmd(9, codec.Record{Entity: "account", ID: acc2, OwnerID: tAlice, Attrs: map[string]any{"name": "gone"}}),
		ingestCmd(10, codec.Record{Op: codec.OpDelete, Entity: "account", ID: acc2}))
	horizon := e.Applied() + 1 // the prune's own version: everything before it
	mustApply(t, e, &Command{Kind: KindPrune, Horizon: horizon})
	var below []ChangeEntry
	_ = e.Changes("account", 0, 0, func(c ChangeEntry) error {
		if c.Row.Version < horizon {
			below = append(below, c)
		}
		return nil
	})
	if len(below) != 1 || below[0].Row.ID != acc1 || below[0].Row.Attrs["name"] != "e" {
		t.Fatalf("below the horizon: %+v, want only acc1's last image", below)
	}
	if e.Horizon() != horizon {
		t.Fatalf("horizon %d, want %d", e.Horizon(), horizon)
	}
	if _, found, _ := (&cmdState{b: &batch{txn: e.db.NewTransaction(false)}, writes: map[string][]byte{}}).readRow("account", acc2); found {
		t.Fatal("the pruned tombstone's row is still stored")
	}
	// A later change still finds the image as of the horizon.
	r := mustApply(t, e, ingestCmd(11, codec.Record{Entity: "account", ID: acc1, Attrs: map[string]any{"name": "f"}}))
	var last ChangeEntry
	_ = e.Changes("account", r[0].Version-1, 0, func(c ChangeEntry) error { last = c; return nil })
	if last.Prev != below[0].Row.Version {
		t.Fatalf("prev %d, want %d", last.Prev, below[0].Row.Version)
	}
	res, _ := e.Apply(e.Applied()+1, &Command{Kind: KindPrune, Horizon: e.Applied() + 5})
	if res.Err == nil {
		t.Fatal("a horizon above the version was accepted")
	}
}

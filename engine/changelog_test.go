package engine

import (
	"testing"

	"github.com/offsync/offsync/codec"
)

const (
	acc1 = "10000000-0000-4000-8000-000000000001"
	acc2 = "10000000-0000-4000-8000-000000000002"
	con1 = "20000000-0000-4000-8000-000000000001"
)

func collectChanges(t *testing.T, e *Engine, entity string, after uint64, limit int) []ChangeEntry {
	t.Helper()
	var out []ChangeEntry
	if err := e.Changes(entity, after, limit, func(c ChangeEntry) error {
		out = append(out, c)
		return nil
	}); err != nil {
		t.Fatalf("changes: %v", err)
	}
	return out
}

func TestChangesAfterVersionInOrderWithTombstones(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	base := e.Applied()
	mustApply(t, e,
		ingestCmd(2000, codec.Record{Entity: "account", ID: acc1, OwnerID: tAlice, Attrs: map[string]any{"name": "A"}}),
		ingestCmd(3000, codec.Record{Entity: "contact", ID: con1, OwnerID: tBob, Attrs: map[string]any{"lastname": "C"}}),
		ingestCmd(4000, codec.Record{Entity: "account", ID: acc2, OwnerID: tBob, Attrs: map[string]any{"name": "B"}},
			codec.Record{Entity: "account", ID: acc1, Attrs: map[string]any{"employees": int64(5)}}),
		ingestCmd(5000, codec.Record{Op: codec.OpDelete, Entity: "account", ID: acc1}),
	)
	all := collectChanges(t, e, "account", 0, 0)
	if len(all) != 4 {
		t.Fatalf("account changes = %d, want 4", len(all))
	}
	wantIDs := []string{acc1, acc1, acc2, acc1}
	wantVersions := []uint64{base + 1, base + 3, base + 3, base + 4}
	for i, c := range all {
		if c.Row.ID != wantIDs[i] || c.Row.Version != wantVersions[i] {
			t.Errorf("change %d = %s@%d, want %s@%d", i, c.Row.ID, c.Row.Version, wantIDs[i], wantVersions[i])
		}
	}
	if !all[3].Row.Deleted || all[3].Prev != base+3 {
		t.Errorf("last change = %+v, want tombstone with prev %d", all[3], base+3)
	}
	if all[1].Prev != base+1 || all[1].Row.Attrs["name"] != "A" || all[1].Row.Attrs["employees"] != int64(5) {
		t.Errorf("partial update change = %+v, want merged attributes and prev %d", all[1], base+1)
	}
	after := collectChanges(t, e, "account", base+3, 0)
	if len(after) != 1 || after[0].Row.ID != acc1 || !after[0].Row.Deleted {
		t.Errorf("changes after %d = %+v, want only the tombstone", base+3, after)
	}
	if got := collectChanges(t, e, "account", base+1, 1); len(got) != 1 || got[0].Row.Version != base+3 {
		t.Errorf("limit 1 after %d = %+v", base+1, got)
	}
	if got := collectChanges(t, e, "contact", 0, 0); len(got) != 1 || got[0].Row.ID != con1 {
		t.Errorf("contact changes = %+v, want one", got)
	}
	if got := collectChanges(t, e, "account", e.Applied(), 0); len(got) != 0 {
		t.Errorf("changes after the last version = %d, want 0", len(got))
	}
	if _, err := e.Get("account", acc1); err == nil {
		t.Errorf("deleted row is still readable")
	}
}

func TestOwnerAndReferenceIndexesFollowRows(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	mustApply(t, e,
		ingestCmd(2000, codec.Record{Entity: "account", ID: acc1, OwnerID: tAlice, Attrs: map[string]any{"name": "A", "primarycontactid": con1}}),
		ingestCmd(2000, codec.Record{Entity: "account", ID: acc1, OwnerID: tTeam}),
	)
	owned := func(owner string) []string {
		var ids []string
		if err := e.OwnedBy("account", owner, func(id string) error { ids = append(ids, id); return nil }); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := owned(tAlice); len(got) != 0 {
		t.Errorf("alice still indexed as owner: %v", got)
	}
	if got := owned(tTeam); len(got) != 1 || got[0] != acc1 {
		t.Errorf("team owns %v, want [%s]", got, acc1)
	}
	row, err := e.Get("account", acc1)
	if err != nil {
		t.Fatal(err)
	}
	if row.OwningBusinessUnit != tChildBU {
		t.Errorf("owningbusinessunit = %s, want the team's %s", row.OwningBusinessUnit, tChildBU)
	}
	var refs []Reference
	_ = e.ReferencesTo(con1, func(r Reference) error { refs = append(refs, r); return nil })
	if len(refs) != 1 || refs[0] != (Reference{"account", acc1, "primarycontactid"}) {
		t.Errorf("references to contact = %+v", refs)
	}
	mustApply(t, e, ingestCmd(3000, codec.Record{Op: codec.OpDelete, Entity: "account", ID: acc1}))
	refs = nil
	_ = e.ReferencesTo(con1, func(r Reference) error { refs = append(refs, r); return nil })
	if len(refs) != 0 || len(owned(tTeam)) != 0 {
		t.Errorf("indexes not cleared on delete: refs=%v owned=%v", refs, owned(tTeam))
	}
}

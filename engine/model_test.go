package engine

import (
	"fmt"
	"testing"

	"github.com/offsync/offsync/codec"
	"pgregory.net/rapid"
)

// modelRow is the reference model's view of one account row.
type modelRow struct {
	owner string
	attrs map[string]any
}

// TestIngestMatchesModel drives random upserts, partial updates, deletes,
// rejected batches and restarts against the engine and a plain map, and
// checks that reads, the owner index and the change log agree with the map.
func TestIngestMatchesModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		dir := t.TempDir()
		e, err := Open(testConfig(dir))
		if err != nil {
			rt.Fatal(err)
		}
		defer func() { e.Close() }()
		mustApply(t, e, setupCommands()...)
		model := map[string]modelRow{}
		ids := []string{acc1, acc2, "10000000-0000-4000-8000-000000000003"}
		genID := rapid.SampledFrom(ids)
		genOwner := rapid.SampledFrom([]string{tAlice, tBob, tTeam})
		rt.Repeat(map[string]func(*rapid.T){
			"upsert": func(rt *rapid.T) {
				id := genID.Draw(rt, "id")
				rec := codec.Record{Entity: "account", ID: id, Attrs: map[string]any{}}
				if rapid.Bool().Draw(rt, "setOwner") {
					rec.OwnerID = genOwner.Draw(rt, "owner")
				}
				if rapid.Bool().Draw(rt, "setName") {
					rec.Attrs["name"] = rapid.StringMatching(`[a-z]{1,8}`).Draw(rt, "name")
				}
				if rapid.Bool().Draw(rt, "setEmployees") {
					rec.Attrs["employees"] = rapid.Int64Range(0, 1000).Draw(rt, "employees")
				}
				cur, exists := model[id]
				next := modelRow{owner: cur.owner, attrs: map[string]any{}}
				for k, v := range cur.attrs {
					next.attrs[k] = v
				}
				for k, v := range rec.Attrs {
					next.attrs[k] = v
				}
				if rec.OwnerID != "" {
					next.owner = rec.OwnerID
				}
				ok := next.owner != "" && next.attrs["name"] != nil
				r, err := e.Apply(e.Applied()+1, ingestCmd(int64(e.Applied()), rec))
				if err != nil {
					rt.Fatal(err)
				}
				if ok != (r.Err == nil) {
					rt.Fatalf("upsert %+v (exists=%v): err = %v, model says ok=%v", rec, exists, r.Err, ok)
				}
				if ok {
					model[id] = next
				}
			},
			"delete": func(rt *rapid.T) {
				id := genID.Draw(rt, "id")
				mustApply(t, e, ingestCmd(int64(e.Applied()), codec.Record{Op: codec.OpDelete, Entity: "account", ID: id}))
				delete(model, id)
			},
			"restart": func(rt *rapid.T) {
				if rapid.IntRange(0, 4).Draw(rt, "restartDice") != 0 {
					rt.Skip("restarts are rarer than writes")
				}
				if err := e.Close(); err != nil {
					rt.Fatal(err)
				}
				if e, err = Open(testConfig(dir)); err != nil {
					rt.Fatal(err)
				}
			},
			"": func(rt *rapid.T) { checkModel(rt, e, model, ids) },
		})
	})
}

func checkModel(rt *rapid.T, e *Engine, model map[string]modelRow, ids []string) {
	last := map[string]ChangeEntry{}
	var prevVersion uint64
	if err := e.Changes("account", 0, 0, func(c ChangeEntry) error {
		if c.Row.Version < prevVersion {
			return fmt.Errorf("change log out of order: %d after %d", c.Row.Version, prevVersion)
		}
		prevVersion = c.Row.Version
		if p, ok := last[c.Row.ID]; ok {
			// A new database keeps partition logs: prev names the previous
			// image, a tombstone too (partitionwrite.go).
			want := p.Row.Version
			if c.Prev != want {
				return fmt.Errorf("change of %s at %d has prev %d, want %d", c.Row.ID, c.Row.Version, c.Prev, want)
			}
		}
		last[c.Row.ID] = c
		return nil
	}); err != nil {
		rt.Fatal(err)
	}
	for _, id := range ids {
		m, inModel := model[id]
		row, err := e.Get("account", id)
		if inModel != (err == nil) {
			rt.Fatalf("row %s: model has it=%v, engine err=%v", id, inModel, err)
		}
		var owned bool
		_ = e.OwnedBy("account", m.owner, func(oid string) error { owned = owned || oid == id; return nil })
		if !inModel {
			if c, ok := last[id]; ok && !c.Row.Deleted {
				rt.Fatalf("row %s absent but its last change is not a tombstone", id)
			}
			continue
		}
		if row.OwnerID != m.owner || !owned {
			rt.Fatalf("row %s owner = %s (indexed %v), want %s", id, row.OwnerID, owned, m.owner)
		}
		if len(row.Attrs) != len(m.attrs) {
			rt.Fatalf("row %s attrs = %v, want %v", id, row.Attrs, m.attrs)
		}
		for k, v := range m.attrs {
			if row.Attrs[k] != v {
				rt.Fatalf("row %s attr %s = %v, want %v", id, k, row.Attrs[k], v)
			}
		}
		if c := last[id]; c.Row.Version != row.Version || c.Row.Deleted {
			rt.Fatalf("row %s version %d, last change %+v", id, row.Version, c)
		}
	}
}

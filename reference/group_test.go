package reference

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestSharedGroupLeavesOwnershipToEachUser: U and O of business unit C
// share the group of a business-unit rule; a contact that a C account
// looks up but team T (of business unit S, U a member) owns is U's only.
// Whichever user computes the group first, U gets the contact and O
// never does, with the group shared between them.
func TestSharedGroupLeavesOwnershipToEachUser(t *testing.T) {
	label := map[string]string{uU: "U", uO: "O"}
	for _, first := range []string{uU, uO} {
		t.Run(label[first]+" first", func(t *testing.T) {
			w, groups := groupWorld(t)
			c4 := id("9", 4)
			w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: []codec.Record{
				{Entity: "contact", ID: c4, OwnerID: teamT, Attrs: map[string]any{"lastname": "T", "modifiedon": now}},
				{Entity: "account", ID: id("e", 3), Attrs: map[string]any{"primarycontactid": c4}},
			}})
			order := []string{first, uO}
			if first == uO {
				order[1] = uU
			}
			var shared []*engine.SharedGroup
			for i, u := range order {
				d := &device{user: u, rows: View{}}
				syncDevice(t, w, d, now, fmt.Sprintf("user %s", label[u]))
				_, has := d.rows["contact"][c4]
				if has != (u == uU) {
					t.Fatalf("load %d: user %s holds the team's contact: %v", i, label[u], has)
				}
				res, err := w.e.Pull(u, nil, now, engine.PullOptions{Cache: w.cache, Groups: groups})
				if err != nil || res.Shared == nil {
					t.Fatalf("load %d of %s: %v, shared %v", i, label[u], err, res != nil && res.Shared != nil)
				}
				shared = append(shared, res.Shared)
			}
			if len(groups) != 1 || shared[0] != shared[1] {
				t.Fatalf("the two users did not share one group: %d groups", len(groups))
			}
			if groupHas(shared[0], "contact", c4) {
				t.Fatal("the group holds the team's contact")
			}
		})
	}
}

// groupWorld is a world whose profile shares a business-unit rule of
// accounts and the contacts they look up, between U and O (given the
// role) of business unit C, with caches of rule rows and of groups.
func groupWorld(t *testing.T) (world, mapGroups) {
	t.Helper()
	w := newWorld(t, engine.DepthBusinessUnit)
	hits := 0
	w.cache = mapCache{rows: map[string][]codec.Row{}, hits: &hits}
	groups := mapGroups{}
	w.groups = groups
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Profiles: []engine.Profile{{ID: prof, Name: "P",
		Rules: []engine.Rule{{Entity: "account", Rows: []string{engine.RowsBusinessUnit}, ModifiedWithinDays: zero(), Relationships: []string{"primarycontactid"}},
			{Entity: "contact", Rows: []string{engine.RowsRelated}, ModifiedWithinDays: zero()}},
		Users: []string{uU, uO}}}, Publish: true}})
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Users: []engine.User{{ID: uO, Name: "O", BusinessUnit: buC, Roles: []string{role}, Enabled: true}}}})
	return w, groups
}

// groupHas reports whether the group holds entity's row id.
func groupHas(g *engine.SharedGroup, entity, id string) bool {
	for _, e := range g.Entities {
		for _, r := range e.Upserts {
			if e.Entity == entity && r.ID == id {
				return true
			}
		}
	}
	return false
}

// TestSharedLoadsAfterARestore: a node that installs a snapshot (a
// follower far behind) holds other data than its caches were computed
// from, with notes of writes that say nothing of it; the next first loads
// must come from the restored data, not from shared rows and groups of
// before.
func TestSharedLoadsAfterARestore(t *testing.T) {
	w, _ := groupWorld(t)
	other, _ := groupWorld(t)
	// The same commit in both, so that both note the same last writes...
	rename := func(w world, name string) {
		w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: []codec.Record{{Entity: "account", ID: id("e", 1), Attrs: map[string]any{"name": name}}}})
	}
	rename(w, "before")
	rename(other, "before")
	syncDevice(t, w, &device{user: uU, rows: View{}}, now, "before the restore")
	// ...then the other copy moves on, in a commit this node never applies.
	rename(other, "after")
	other.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: []codec.Record{{Entity: "contact", ID: id("9", 1), Attrs: map[string]any{"email": "new@x"}}}})
	snap, err := other.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := snap.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if err := w.e.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	syncDevice(t, w, &device{user: uU, rows: View{}}, now, "after the restore")
}

// TestGroupOutlivesWritesElsewhere: users of business unit C keep sharing
// one group while accounts of other business units change (the group's
// state is the heads of its own partitions), and get a new one when an
// account of C changes; every load is exactly the user's view.
func TestGroupOutlivesWritesElsewhere(t *testing.T) {
	w, groups := groupWorld(t)
	write := func(account int, name string) {
		w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: []codec.Record{{Entity: "account", ID: id("e", account), Attrs: map[string]any{"name": name}}}})
	}
	write(1, "first")
	syncDevice(t, w, &device{user: uU, rows: View{}}, now, "U")
	write(4, "elsewhere") // an account of business unit G
	syncDevice(t, w, &device{user: uO, rows: View{}}, now, "O after a write elsewhere")
	if len(groups) != 1 {
		t.Fatalf("a write outside the group's partitions made %d groups", len(groups))
	}
	write(3, "here") // an account of C
	syncDevice(t, w, &device{user: uU, rows: View{}}, now, "U after a write in C")
	if len(groups) != 2 {
		t.Fatalf("a write in the group's partitions left %d groups", len(groups))
	}
}

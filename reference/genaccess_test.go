package reference

import (
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// genAccessChange applies one random change to the generated
// organization: a row's owner, a delete, a business-unit move (of one
// user, or of all the field users together, so that they keep sharing),
// a team's members, a role's privileges, a user's roles or enabled flag,
// or a move between profiles.
func genAccessChange(w world, rng *rand.Rand, clock int64) {
	switch rng.Intn(8) {
	case 0:
		e := pick(rng, []string{"account", "contact", "opportunity", "task"})
		w.apply(&engine.Command{Kind: engine.KindIngest, Now: clock, Records: []codec.Record{{Entity: e, ID: genRowID(rng, e), OwnerID: pick(rng, genOwners)}}})
	case 1:
		e := pick(rng, genEntities)
		w.apply(&engine.Command{Kind: engine.KindIngest, Now: clock, Records: []codec.Record{{Op: codec.OpDelete, Entity: e, ID: genRowID(rng, e)}}})
	case 2:
		users, _ := w.e.Users()
		bu := pick(rng, allBUs)
		var moved []engine.User
		together := rng.Intn(3) == 0
		one := pick(rng, genAll)
		for _, u := range users {
			if u.ID == one || (together && slices.Contains(genField, u.ID)) {
				u.BusinessUnit = bu
				moved = append(moved, u)
			}
		}
		w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Users: moved}})
	case 3:
		teams, _ := w.e.Teams()
		tm := pick(rng, teams)
		if rng.Intn(2) == 0 {
			tm.Members = slices.DeleteFunc(slices.Clone(tm.Members), func(string) bool { return rng.Intn(4) == 0 })
		} else if u := pick(rng, genAll); !slices.Contains(tm.Members, u) {
			tm.Members = append(slices.Clone(tm.Members), u)
		}
		if rng.Intn(4) == 0 {
			tm.Roles = []string{pick(rng, genRoles)}
		}
		w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Teams: []engine.Team{tm}}})
	case 4:
		roles, _ := w.e.Roles()
		r := pick(rng, roles)
		r.Privileges = genPrivileges(rng)
		w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Roles: []engine.Role{r}}})
	case 5:
		users, _ := w.e.Users()
		u := pick(rng, users)
		if rng.Intn(2) == 0 {
			u.Enabled = !u.Enabled
		} else {
			u.Roles = []string{pick(rng, genRoles)}
		}
		w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Users: []engine.User{u}}})
	default:
		m := &engine.Members{Profile: pick(rng, genProfiles), Users: []string{pick(rng, genAll)}, Move: true}
		if rng.Intn(4) == 0 {
			m.Remove, m.Move = true, false
		}
		w.apply(&engine.Command{Kind: engine.KindSetMembers, Members: m})
	}
}

// genPush uploads a few device mutations on user-owned entities, valid
// and not: creates with random owners and lookups, edits that repoint
// lookups, deletes, unknown attributes. A rejected mutation must change
// nothing.
func genPush(t *testing.T, w world, rng *rand.Rand, clock int64) {
	t.Helper()
	user, app := pick(rng, genAll), pick(rng, apps)
	var muts []engine.Mutation
	for i := 0; i < 1+rng.Intn(3); i++ {
		e := pick(rng, []string{"account", "contact", "opportunity", "task"})
		m := engine.Mutation{ID: fmt.Sprintf("m%d-%d", clock, rng.Int63()), Entity: e, RowID: genRowID(rng, e)}
		switch rng.Intn(5) {
		case 0: // mostly new rows, past the pools that writes draw from
			if rng.Intn(4) > 0 {
				m.RowID = genID(e, genPools[e]+1+rng.Intn(20))
			}
			m.Op, m.Attrs = engine.MutationCreate, genRecord(rng, e, m.RowID, clock, true).Attrs
			m.Attrs["ownerid"] = pick(rng, genOwners)
			delete(m.Attrs, "modifiedon")
		case 1:
			m.Op = engine.MutationDelete
		case 2:
			m.Op, m.Attrs = engine.MutationUpdate, map[string]any{"nosuch": int64(1)}
		default:
			m.Op, m.Attrs = engine.MutationUpdate, genRecord(rng, e, m.RowID, clock, false).Attrs
			delete(m.Attrs, "modifiedon")
			if len(m.Attrs) == 0 {
				m.Attrs = map[string]any{"name": "P-" + strconv.Itoa(rng.Intn(9))}
			}
		}
		if rng.Intn(2) == 0 { // lookups must name rows the user sees
			for _, l := range genLookups[e] {
				delete(m.Attrs, l.attr)
			}
		}
		muts = append(muts, m)
	}
	type ref struct{ e, id string }
	before := map[ref]uint64{}
	for _, m := range muts {
		if r, err := w.e.Get(m.Entity, m.RowID); err == nil && !r.Deleted {
			before[ref{m.Entity, m.RowID}] = r.Version
		}
	}
	r, err := w.e.Apply(w.e.Applied()+1, &engine.Command{Kind: engine.KindPush, Now: clock, Push: &engine.Push{User: user, Device: "dev-" + user + app, App: app, Mutations: muts}})
	if err != nil || r.Err != nil {
		t.Fatalf("push: %v %v", err, r.Err)
	}
	for i, res := range r.Mutations {
		if res.Applied {
			genStats.pushed++
			continue
		}
		m := muts[i]
		if writtenByPush(r.Mutations, muts, m.Entity, m.RowID) {
			continue
		}
		after, err := w.e.Get(m.Entity, m.RowID)
		live := err == nil && !after.Deleted
		if v, ok := before[ref{m.Entity, m.RowID}]; ok != live || (ok && after.Version != v) {
			t.Fatalf("rejected mutation %+v (%s) changed the row", m, res.Code)
		}
	}
}

// writtenByPush reports whether an applied mutation of the push wrote the
// row.
func writtenByPush(res []engine.MutationResult, muts []engine.Mutation, entity, rowID string) bool {
	for i, r := range res {
		if r.Applied && muts[i].Entity == entity && muts[i].RowID == rowID {
			return true
		}
	}
	return false
}

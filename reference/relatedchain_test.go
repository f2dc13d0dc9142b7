package reference

import (
	"strconv"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestConvergenceRelatedChainUnlinkAndDelete is the smallest case
// TestNoLeakGeneratedChurn found on the partitioned delta read path: a
// chain of related rules two deep (the user's task looks up an
// opportunity, which looks up an account). After the device's cursor the
// task's lookup is cleared and the opportunity deleted, in one batch or
// in two, so the opportunity and the account behind it both leave the
// view; the delta must remove both. (It removed the opportunity but left
// the account: the opportunity's image at the cursor, needed to follow
// its lookup, was not read, because its delete was not written to a
// partition of the view once nothing in the view looked it up any more.)
func TestConvergenceRelatedChainUnlinkAndDelete(t *testing.T) {
	for _, batches := range []int{1, 2} {
		t.Run(strconv.Itoa(batches)+" batches", func(t *testing.T) { unlinkAndDelete(t, batches) })
	}
}

func unlinkAndDelete(t *testing.T, batches int) {
	w := world{t: t, e: openEngine(t)}
	w.apply(&engine.Command{Kind: engine.KindSetSchemaDraft, Schema: genSchema()}, &engine.Command{Kind: engine.KindPublishSchema})
	u, o := genAll[0], genAll[1]
	all := map[string]engine.Privileges{}
	for _, e := range genEntities {
		all[e] = engine.Privileges{Read: engine.DepthOrganization}
	}
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{
		BusinessUnits: []engine.BusinessUnit{{ID: buR, Name: "R"}},
		Roles:         []engine.Role{{ID: genRoles[0], Name: "r", Privileges: all}},
		Users: []engine.User{{ID: u, Name: "u", BusinessUnit: buR, Roles: []string{genRoles[0]}, Enabled: true},
			{ID: o, Name: "o", BusinessUnit: buR, Roles: []string{genRoles[0]}, Enabled: true}},
	}})
	task, opp, acct := genID("task", 1), genID("opportunity", 1), genID("account", 1)
	w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: []codec.Record{
		{Entity: "task", ID: task, OwnerID: u, Attrs: map[string]any{"regardingid": opp}},
		{Entity: "opportunity", ID: opp, OwnerID: o, Attrs: map[string]any{"accountid": acct}},
		{Entity: "account", ID: acct, OwnerID: o, Attrs: map[string]any{"name": "A"}},
	}})
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Profiles: []engine.Profile{{ID: pField, Name: "F", Users: []string{u}, Rules: []engine.Rule{
		{Entity: "task", Rows: []string{engine.RowsUser}, ModifiedWithinDays: zero(), Relationships: []string{"regardingid"}},
		{Entity: "opportunity", Rows: []string{engine.RowsRelated}, ModifiedWithinDays: zero(), Relationships: []string{"accountid"}},
		{Entity: "account", Rows: []string{engine.RowsRelated}, ModifiedWithinDays: zero()},
	}}}, Publish: true}})
	d := &device{user: u, app: engine.DefaultAppID, rows: View{}}
	syncDevice(t, w, d, now, "first load")
	if d.rows.Count() != 3 {
		t.Fatalf("the first load holds %s, want the task, the opportunity and the account", summary(d.rows))
	}
	recs := []codec.Record{{Entity: "task", ID: task, Attrs: map[string]any{"regardingid": nil}}, {Op: codec.OpDelete, Entity: "opportunity", ID: opp}}
	if batches == 1 {
		w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: recs})
	} else {
		w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: recs[:1]}, &engine.Command{Kind: engine.KindIngest, Now: now, Records: recs[1:]})
	}
	syncDevice(t, w, d, now, "after the task drops the opportunity and the opportunity is deleted")
}

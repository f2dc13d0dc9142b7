package reference

import (
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// Regression tests for related rules that form a cycle (found by
// TestConvergenceGenerated): tasks the user owns look up accounts
// (regardingid), related accounts look up contacts (primarycontactid),
// and related contacts look back up accounts (parentaccountid). Deciding
// whether the account is in a view asks first whether the contact that
// looks it up is, which asks whether the account is: the cycle is cut
// there, and the contact's "no" must not be remembered, because the task
// then takes the account in, and the account the contact. (The engine's
// deltaState.in, engine/delta.go, remembered it: the delta then left the
// contact on the device after it left the view, or never sent it when
// it entered.)

// cycleWorld is one user who reads everything, a profile of the cycle,
// and the task, account and contact, all windows off. taskLooksUp says
// whether the task looks the account up yet.
func cycleWorld(t *testing.T, taskLooksUp bool) (w world, d *device, task, acct, cont string) {
	w = world{t: t, e: openEngine(t)}
	w.apply(&engine.Command{Kind: engine.KindSetSchemaDraft, Schema: genSchema()}, &engine.Command{Kind: engine.KindPublishSchema})
	u := genAll[0]
	all := map[string]engine.Privileges{}
	for _, e := range genEntities {
		all[e] = engine.Privileges{Read: engine.DepthOrganization}
	}
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{
		BusinessUnits: []engine.BusinessUnit{{ID: buR, Name: "R"}},
		Roles:         []engine.Role{{ID: genRoles[0], Name: "r", Privileges: all}},
		Users:         []engine.User{{ID: u, Name: "u", BusinessUnit: buR, Roles: []string{genRoles[0]}, Enabled: true}},
	}})
	task, acct, cont = genID("task", 1), genID("account", 1), genID("contact", 1)
	regarding := any(nil)
	if taskLooksUp {
		regarding = acct
	}
	w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: []codec.Record{
		{Entity: "task", ID: task, OwnerID: u, Attrs: map[string]any{"regardingid": regarding}},
		{Entity: "account", ID: acct, OwnerID: u, Attrs: map[string]any{"primarycontactid": cont}},
		{Entity: "contact", ID: cont, OwnerID: u, Attrs: map[string]any{"parentaccountid": acct}},
	}})
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Profiles: []engine.Profile{{ID: pField, Name: "F", Users: []string{u}, Rules: []engine.Rule{
		{Entity: "task", Rows: []string{engine.RowsUser}, ModifiedWithinDays: zero(), Relationships: []string{"regardingid"}},
		{Entity: "account", Rows: []string{engine.RowsRelated}, ModifiedWithinDays: zero(), Relationships: []string{"primarycontactid"}},
		{Entity: "contact", Rows: []string{engine.RowsRelated}, ModifiedWithinDays: zero(), Relationships: []string{"parentaccountid"}},
	}}}, Publish: true}})
	d = &device{user: u, app: engine.DefaultAppID, rows: View{}}
	syncDevice(t, w, d, now, "first load")
	return w, d, task, acct, cont
}

// TestConvergenceRelatedCycleLeaves: the account stops looking up the
// contact, so the contact leaves the view; the delta must remove it.
func TestConvergenceRelatedCycleLeaves(t *testing.T) {
	w, d, _, acct, cont := cycleWorld(t, true)
	if _, ok := d.rows["contact"][cont]; !ok {
		t.Fatalf("the first load has no contact: %s", summary(d.rows))
	}
	w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: []codec.Record{{Entity: "account", ID: acct, Attrs: map[string]any{"primarycontactid": nil}}}})
	syncDevice(t, w, d, now, "after the account drops its contact")
}

// TestConvergenceRelatedCycleEnters: the task starts looking up the
// account, so the account and its contact enter the view; the delta must
// send both.
func TestConvergenceRelatedCycleEnters(t *testing.T) {
	w, d, task, _, _ := cycleWorld(t, false)
	if n := d.rows.Count(); n != 1 {
		t.Fatalf("the first load holds %d rows, want the task alone: %s", n, summary(d.rows))
	}
	w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: []codec.Record{{Entity: "task", ID: task, Attrs: map[string]any{"regardingid": genID("account", 1)}}}})
	syncDevice(t, w, d, now, "after the task looks the account up")
}

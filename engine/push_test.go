package engine

import (
	"fmt"
	"testing"

	"github.com/offsync/offsync/codec"
)

// pushWorld: the security fixture with a profile carrying accounts for
// user U, and one account owned by each of U, T, O, P, Q (see access_test).
func pushWorld(t *testing.T, read, write Depth) *Engine {
	e, _ := openTest(t)
	org := securityOrg(read, DepthNone, true)
	org.Roles[0].Privileges["account"] = Privileges{Create: write, Read: read, Write: write, Delete: write, Assign: write}
	mustApply(t, e, &Command{Kind: KindSetSchemaDraft, Schema: testSchema()}, &Command{Kind: KindPublishSchema}, &Command{Kind: KindPutOrg, Org: org})
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Profiles: []Profile{{ID: prof1, Name: "P",
		Rules: []Rule{{Entity: "account", Rows: []string{RowsAll}}}, Users: []string{uU}}}, Publish: true}})
	var recs []codec.Record
	for i, o := range []string{uU, teamT, uO, uP, uQ} {
		recs = append(recs, codec.Record{Entity: "account", ID: fmt.Sprintf("e0000000-0000-4000-8000-%012d", i), OwnerID: o, Attrs: map[string]any{"name": "row"}})
	}
	mustApply(t, e, ingestCmd(1, recs...))
	return e
}

func pushOne(t *testing.T, e *Engine, m Mutation) MutationResult {
	t.Helper()
	r, err := e.Apply(e.Applied()+1, &Command{Kind: KindPush, Now: 50, Push: &Push{User: uU, Device: "dev1", Mutations: []Mutation{m}}})
	if err != nil || r.Err != nil {
		t.Fatalf("push: %v %v", err, r.Err)
	}
	return r.Mutations[0]
}

func TestPushPrivilegesByDepthAndOwner(t *testing.T) {
	owners := []string{uU, teamT, uO, uP, uQ}
	names := "UTOPQ" // O shares U's unit, P is below it, Q elsewhere
	cases := []struct {
		depth Depth
		want  string // the owners whose rows U may create, update and delete
	}{
		{DepthNone, ""},
		{DepthUser, "UT"},
		{DepthBusinessUnit, "UTO"},
		{DepthParentChild, "UTOP"},
		{DepthOrganization, "UTOPQ"},
	}
	for _, tc := range cases {
		t.Run(string(tc.depth), func(t *testing.T) {
			e := pushWorld(t, DepthOrganization, tc.depth)
			for _, op := range []MutationOp{MutationUpdate, MutationCreate, MutationDelete} {
				got := ""
				for i, o := range owners {
					m := Mutation{ID: fmt.Sprint(op, i), Entity: "account", RowID: fmt.Sprintf("e0000000-0000-4000-8000-%012d", i), Op: op}
					switch op {
					case MutationUpdate:
						m.Attrs = map[string]any{"name": "edited"}
					case MutationCreate:
						m.RowID = fmt.Sprintf("e2000000-0000-4000-8000-%012d", i)
						m.Attrs = map[string]any{"name": "new", "ownerid": o}
					}
					r := pushOne(t, e, m)
					if r.Applied {
						got += string(names[i])
					} else if r.Code != CodeForbidden {
						t.Fatalf("%s for %c: %+v, want applied or forbidden", op, names[i], r)
					}
				}
				if got != tc.want {
					t.Fatalf("%s: U may act on rows of %q, want %q", op, got, tc.want)
				}
			}
		})
	}
}

func TestPushReadScopeHidesRows(t *testing.T) {
	e := pushWorld(t, DepthUser, DepthOrganization) // may write anything, read only own rows
	r := pushOne(t, e, Mutation{ID: "1", Entity: "account", RowID: "e0000000-0000-4000-8000-000000000004", Op: MutationUpdate, Attrs: map[string]any{"name": "x"}})
	if r.Applied || r.Code != CodeNotFound {
		t.Fatalf("update of a row U cannot see: %+v", r)
	}
	r = pushOne(t, e, Mutation{ID: "2", Entity: "contact", RowID: acc1, Op: MutationCreate, Attrs: map[string]any{"lastname": "x"}})
	if r.Code != CodeForbidden {
		t.Fatalf("entity outside the profile: %+v", r)
	}
	r = pushOne(t, e, Mutation{ID: "3", Entity: "account", RowID: "e1000000-0000-4000-8000-000000000009", Op: MutationCreate,
		Attrs: map[string]any{"name": "x", "primarycontactid": "e0000000-0000-4000-8000-000000000004"}})
	if r.Code != CodeInvalid {
		t.Fatalf("lookup to an unreadable row: %+v", r)
	}
}

func TestLostPrivilegeOffline(t *testing.T) {
	e := pushWorld(t, DepthOrganization, DepthOrganization)
	row := "e0000000-0000-4000-8000-000000000000"
	before, _ := e.Get("account", row)
	// U loses Write while offline, then syncs an edit.
	org := securityOrg(DepthOrganization, DepthNone, true)
	org.Roles[0].Privileges["account"] = Privileges{Read: DepthOrganization}
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Roles: org.Roles[:1]}})
	r := pushOne(t, e, Mutation{ID: "m1", Entity: "account", RowID: row, Op: MutationUpdate, Attrs: map[string]any{"name": "offline edit"}, BaseVersion: before.Version})
	if r.Applied || r.Code != CodeForbidden {
		t.Fatalf("result %+v, want forbidden", r)
	}
	after, _ := e.Get("account", row)
	if after.Version != before.Version || after.Attrs["name"] != "row" {
		t.Fatalf("the row changed: %+v", after)
	}
	errs, _, err := e.SyncErrors(SyncErrorFilter{User: uU})
	if err != nil || len(errs) != 1 || errs[0].Code != CodeForbidden || errs[0].Mutation.RowID != row {
		t.Fatalf("sync errors: %+v %v", errs, err)
	}
}

func TestPushIdempotent(t *testing.T) {
	e := pushWorld(t, DepthOrganization, DepthOrganization)
	m := Mutation{ID: "same", Entity: "account", RowID: "e1000000-0000-4000-8000-000000000002", Op: MutationCreate, Attrs: map[string]any{"name": "once"}}
	first := pushOne(t, e, m)
	second := pushOne(t, e, m)
	if !first.Applied || second != first {
		t.Fatalf("first %+v, retry %+v", first, second)
	}
	row, _ := e.Get("account", m.RowID)
	if row.Version != first.Version {
		t.Fatalf("the retry applied again: row version %d", row.Version)
	}
}

func TestConflictDetection(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprint("on=", on), func(t *testing.T) {
			e := pushWorld(t, DepthOrganization, DepthOrganization)
			mustApply(t, e, &Command{Kind: KindSetSettings, Settings: &Settings{ConflictDetection: on}})
			row := "e0000000-0000-4000-8000-000000000000"
			base, _ := e.Get("account", row)
			// The server changes employees after the device's base version.
			mustApply(t, e, ingestCmd(2, codec.Record{Entity: "account", ID: row, Attrs: map[string]any{"employees": int64(7)}}))
			// Changing another attribute never conflicts: the merge keeps both.
			r := pushOne(t, e, Mutation{ID: "a", Entity: "account", RowID: row, Op: MutationUpdate, Attrs: map[string]any{"name": "device"}, BaseVersion: base.Version})
			got, _ := e.Get("account", row)
			if !r.Applied || got.Attrs["name"] != "device" || got.Attrs["employees"] != int64(7) {
				t.Fatalf("merge: %+v, row %+v", r, got)
			}
			// Changing the same attribute conflicts only with detection on.
			r = pushOne(t, e, Mutation{ID: "b", Entity: "account", RowID: row, Op: MutationUpdate, Attrs: map[string]any{"employees": int64(9)}, BaseVersion: base.Version})
			if r.Applied == on || (on && r.Code != CodeConflict) {
				t.Fatalf("same attribute, detection %v: %+v", on, r)
			}
		})
	}
}

func TestSyncErrorReapplyAndDelete(t *testing.T) {
	e := pushWorld(t, DepthOrganization, DepthUser)
	q := "e0000000-0000-4000-8000-000000000004" // Q's row: U may not write it
	r := pushOne(t, e, Mutation{ID: "m", Entity: "account", RowID: q, Op: MutationUpdate, Attrs: map[string]any{"name": "by admin"}})
	errs, _, _ := e.SyncErrors(SyncErrorFilter{Code: CodeForbidden})
	if r.Applied || len(errs) != 1 {
		t.Fatalf("push %+v, errors %+v", r, errs)
	}
	ref := &SyncErrorRef{Version: errs[0].Version, Index: errs[0].Index}
	res := mustApply(t, e, &Command{Kind: KindReapplySyncError, SyncError: ref})
	if !res[0].Mutations[0].Applied {
		t.Fatalf("reapply: %+v", res[0].Mutations)
	}
	if row, _ := e.Get("account", q); row.Attrs["name"] != "by admin" {
		t.Fatalf("row after reapply: %+v", row)
	}
	if errs, _, _ := e.SyncErrors(SyncErrorFilter{}); len(errs) != 0 {
		t.Fatalf("the re-applied error is still listed: %+v", errs)
	}
	pushOne(t, e, Mutation{ID: "m2", Entity: "account", RowID: q, Op: MutationDelete})
	errs, _, _ = e.SyncErrors(SyncErrorFilter{User: uU, Entity: "account"})
	mustApply(t, e, &Command{Kind: KindDeleteSyncError, SyncError: &SyncErrorRef{Version: errs[0].Version, Index: errs[0].Index}})
	if errs, _, _ := e.SyncErrors(SyncErrorFilter{}); len(errs) != 0 {
		t.Fatalf("deleted error still listed: %+v", errs)
	}
}

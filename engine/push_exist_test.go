package engine

import (
	"fmt"
	"testing"

	"github.com/offsync/offsync/codec"
)

// TestPushAnswersDoNotRevealExistence: a create with the id of a row the
// user cannot read, or naming an owner that is not a user, gets exactly
// the answer (code and message) it gets when the thing is a fresh id or a
// real user out of reach.
func TestPushAnswersDoNotRevealExistence(t *testing.T) {
	const (
		hidden   = "e0000000-0000-4000-8000-000000000004" // Q's row: U cannot read it
		own      = "e0000000-0000-4000-8000-000000000000" // U's row
		fresh    = "e4000000-0000-4000-8000-000000000001"
		nobody   = "f0000000-0000-4000-8000-00000000dead"
		longName = "a name longer than twenty"
	)
	create := func(row string, attrs map[string]any) Mutation {
		return Mutation{Entity: "account", RowID: row, Op: MutationCreate, Attrs: attrs}
	}
	cases := []struct {
		name   string
		a, b   Mutation
		code   string // both get this code
		fixWas string // what told them apart before
	}{
		{"taken id vs fresh id, bad value", create(hidden, map[string]any{"name": longName}), create(fresh, map[string]any{"name": longName}), CodeInvalid, "conflict vs invalid"},
		{"taken id vs fresh id, owner out of reach", create(hidden, map[string]any{"name": "x", "ownerid": uQ}), create(fresh, map[string]any{"name": "x", "ownerid": uQ}), CodeForbidden, "conflict vs forbidden"},
		{"taken id vs fresh id, unknown attribute", create(hidden, map[string]any{"name": "x", "nosuch": 1}), create(fresh, map[string]any{"name": "x", "nosuch": 1}), CodeInvalid, "conflict vs invalid"},
		{"owner not a user vs real user out of reach", create(fresh, map[string]any{"name": "x", "ownerid": nobody}), create(fresh, map[string]any{"name": "x", "ownerid": uQ}), CodeForbidden, "invalid vs forbidden"},
		{"assign to no one vs real user out of reach", Mutation{Entity: "account", RowID: own, Op: MutationUpdate, Attrs: map[string]any{"ownerid": nobody}},
			Mutation{Entity: "account", RowID: own, Op: MutationUpdate, Attrs: map[string]any{"ownerid": uQ}}, CodeForbidden, "invalid vs forbidden"},
		{"valid create, taken id unreadable vs readable", create(hidden, map[string]any{"name": "x"}), create(own, map[string]any{"name": "x"}), CodeConflict, "-"},
		{"lookup to no row vs an unreadable row", create(fresh, map[string]any{"name": "x", "primarycontactid": nobody}), create(fresh, map[string]any{"name": "x", "primarycontactid": hidden}), CodeInvalid, "-"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := pushWorld(t, DepthUser, DepthUser)
			tc.a.ID, tc.b.ID = fmt.Sprint("a", i), fmt.Sprint("b", i)
			ra, rb := pushOne(t, e, tc.a), pushOne(t, e, tc.b)
			if ra.Applied || rb.Applied || ra.Code != tc.code || rb.Code != ra.Code || rb.Message != ra.Message {
				t.Fatalf("answers differ (before the fix: %s):\n  %+v\n  %+v", tc.fixWas, ra, rb)
			}
		})
	}
}

// appendWorld: U may create, read and write accounts and read contacts at
// organization depth, with the given Append on accounts and AppendTo on
// contacts; one contact of Q's and one account of U's exist.
func appendWorld(t *testing.T, appendDepth, appendToDepth Depth) *Engine {
	e, _ := openTest(t)
	org := securityOrg(DepthOrganization, DepthNone, true)
	org.Roles[0].Privileges["account"] = Privileges{Create: DepthOrganization, Read: DepthOrganization, Write: DepthOrganization, Append: appendDepth}
	org.Roles[0].Privileges["contact"] = Privileges{Read: DepthOrganization, AppendTo: appendToDepth}
	mustApply(t, e, &Command{Kind: KindSetSchemaDraft, Schema: testSchema()}, &Command{Kind: KindPublishSchema}, &Command{Kind: KindPutOrg, Org: org})
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Profiles: []Profile{{ID: prof1, Name: "P",
		Rules: []Rule{{Entity: "account", Rows: []string{RowsAll}}}, Users: []string{uU}}}, Publish: true}})
	mustApply(t, e, ingestCmd(1,
		codec.Record{Entity: "contact", ID: appendContact, OwnerID: uQ, Attrs: map[string]any{"lastname": "Q"}},
		codec.Record{Entity: "account", ID: appendAccount, OwnerID: uU, Attrs: map[string]any{"name": "mine"}}))
	return e
}

const (
	appendContact = "c0000000-0000-4000-8000-000000000001"
	appendAccount = "e5000000-0000-4000-8000-000000000001"
)

// TestPushChecksAppendAndAppendTo: setting a lookup needs Append on the
// row written and AppendTo on the row looked up; a role stored without
// them has Append = Write and AppendTo = Read.
func TestPushChecksAppendAndAppendTo(t *testing.T) {
	cases := []struct {
		name             string
		append, appendTo Depth
		applied          bool
	}{
		{"append none", DepthNone, DepthOrganization, false},
		{"appendto none on the target", DepthOrganization, DepthNone, false},
		{"append only to own rows, target elsewhere", DepthOrganization, DepthUser, false},
		{"both allowed", DepthOrganization, DepthOrganization, true},
		{"stored without append or appendto", "", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := appendWorld(t, tc.append, tc.appendTo)
			muts := []Mutation{
				{ID: "create", Entity: "account", RowID: "e5000000-0000-4000-8000-000000000002", Op: MutationCreate, Attrs: map[string]any{"name": "new", "primarycontactid": appendContact}},
				{ID: "update", Entity: "account", RowID: appendAccount, Op: MutationUpdate, Attrs: map[string]any{"primarycontactid": appendContact}},
			}
			for _, m := range muts {
				r := pushOne(t, e, m)
				if r.Applied != tc.applied || (!tc.applied && r.Code != CodeForbidden) {
					t.Fatalf("%s: %+v, want applied=%v or forbidden", m.ID, r, tc.applied)
				}
				row, err := e.Get("account", m.RowID)
				if linked := err == nil && row.Attrs["primarycontactid"] == appendContact; linked != tc.applied {
					t.Fatalf("%s: the lookup was written: %v, want %v", m.ID, linked, tc.applied)
				}
			}
		})
	}
	// Clearing a lookup needs Append too.
	e := appendWorld(t, DepthNone, DepthOrganization)
	if r := pushOne(t, e, Mutation{ID: "clear", Entity: "account", RowID: appendAccount, Op: MutationUpdate, Attrs: map[string]any{"primarycontactid": nil}}); r.Applied || r.Code != CodeForbidden {
		t.Fatalf("clearing a lookup without Append: %+v", r)
	}
	// Without lookups, Append is not needed.
	if r := pushOne(t, e, Mutation{ID: "name", Entity: "account", RowID: appendAccount, Op: MutationUpdate, Attrs: map[string]any{"name": "renamed"}}); !r.Applied {
		t.Fatalf("an update without lookups: %+v", r)
	}
}

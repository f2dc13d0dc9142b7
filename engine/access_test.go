package engine

import (
	"fmt"
	"testing"

	"github.com/offsync/offsync/codec"
)

// Security fixture ids: a business-unit tree R > C > G and R > S.
const (
	buR, buC, buG, buS = "b0000000-0000-4000-8000-00000000000a", "b0000000-0000-4000-8000-00000000000c", "b0000000-0000-4000-8000-00000000000e", "b0000000-0000-4000-8000-00000000000f"
	uU, uO, uP, uQ, uX = "a0000000-0000-4000-8000-000000000001", "a0000000-0000-4000-8000-000000000002", "a0000000-0000-4000-8000-000000000003", "a0000000-0000-4000-8000-000000000004", "a0000000-0000-4000-8000-000000000005"
	teamT              = "c0000000-0000-4000-8000-000000000001"
	roleA, roleB       = "d0000000-0000-4000-8000-00000000000a", "d0000000-0000-4000-8000-00000000000b"
)

// securityOrg builds the tree, five users (U in C, O in C, P in G, Q in S,
// X in R) and team T (in S) with U as member. U holds roleA; T holds roleB.
func securityOrg(userRead, teamRead Depth, enabled bool) *Org {
	return &Org{
		BusinessUnits: []BusinessUnit{{ID: buR, Name: "R"}, {ID: buC, Name: "C", Parent: buR}, {ID: buG, Name: "G", Parent: buC}, {ID: buS, Name: "S", Parent: buR}},
		Roles: []Role{
			{ID: roleA, Name: "A", Privileges: map[string]Privileges{"account": {Read: userRead, Write: DepthUser}, "currency": {Read: DepthOrganization}}},
			{ID: roleB, Name: "B", Privileges: map[string]Privileges{"account": {Read: teamRead}}},
		},
		Users: []User{{ID: uU, Name: "U", BusinessUnit: buC, Roles: []string{roleA}, Enabled: enabled},
			{ID: uO, Name: "O", BusinessUnit: buC, Enabled: true}, {ID: uP, Name: "P", BusinessUnit: buG, Enabled: true},
			{ID: uQ, Name: "Q", BusinessUnit: buS, Enabled: true}, {ID: uX, Name: "X", BusinessUnit: buR, Enabled: true}},
		Teams: []Team{{ID: teamT, Name: "T", BusinessUnit: buS, Members: []string{uU}, Roles: []string{roleB}}},
	}
}

func openSecurity(t *testing.T, userRead, teamRead Depth, enabled bool) *Engine {
	e, _ := openTest(t)
	mustApply(t, e, &Command{Kind: KindSetSchemaDraft, Schema: testSchema()}, &Command{Kind: KindPublishSchema},
		&Command{Kind: KindPutOrg, Org: securityOrg(userRead, teamRead, enabled)})
	owners := []string{uU, teamT, uO, uP, uQ, uX}
	var recs []codec.Record
	for i, o := range owners {
		recs = append(recs, codec.Record{Entity: "account", ID: fmt.Sprintf("e0000000-0000-4000-8000-%012d", i), OwnerID: o, Attrs: map[string]any{"name": "row"}})
	}
	mustApply(t, e, ingestCmd(1, recs...))
	return e
}

// readable lists which owners' rows U may read, in owner order.
func readable(t *testing.T, e *Engine) string {
	t.Helper()
	a, err := e.Access(uU, "")
	if err != nil {
		t.Fatal(err)
	}
	def := e.Schema().Entity("account")
	names := map[string]string{uU: "U", teamT: "T", uO: "O", uP: "P", uQ: "Q", uX: "X"}
	out := ""
	for _, o := range []string{uU, teamT, uO, uP, uQ, uX} {
		var row codec.Row
		_ = e.OwnedBy("account", o, func(id string) error {
			var err error
			row, err = e.Get("account", id)
			return err
		})
		if a.Can(PrivRead, def, &row) {
			out += names[o]
		}
	}
	return out
}

func TestPrivilegeDepths(t *testing.T) {
	cases := []struct {
		user, team Depth
		want       string
	}{
		{DepthNone, DepthNone, ""},
		{DepthUser, DepthNone, "UT"},
		{DepthBusinessUnit, DepthNone, "UTO"},
		{DepthParentChild, DepthNone, "UTOP"},
		{DepthOrganization, DepthNone, "UTOPQX"},
		// Team roles combine with the user's: the highest depth wins.
		{DepthUser, DepthBusinessUnit, "UTO"},
		{DepthNone, DepthParentChild, "UTOP"},
		{DepthBusinessUnit, DepthUser, "UTO"},
		{DepthNone, DepthOrganization, "UTOPQX"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("user=%s,team=%s", tc.user, tc.team), func(t *testing.T) {
			e := openSecurity(t, tc.user, tc.team, true)
			if got := readable(t, e); got != tc.want {
				t.Fatalf("U reads rows of %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPrivilegeDisabledUserHasNone(t *testing.T) {
	e := openSecurity(t, DepthOrganization, DepthOrganization, false)
	if got := readable(t, e); got != "" {
		t.Fatalf("disabled user reads %q", got)
	}
}

func TestPrivilegeOrganizationOwnedEntity(t *testing.T) {
	e := openSecurity(t, DepthUser, DepthNone, true)
	a, err := e.Access(uU, "")
	if err != nil {
		t.Fatal(err)
	}
	cur := e.Schema().Entity("currency")
	if !a.Can(PrivRead, cur, &codec.Row{ID: acc1}) || a.Can(PrivWrite, cur, &codec.Row{ID: acc1}) {
		t.Fatal("organization-owned entity: read should reach every row, write none")
	}
	// A role may not grant a user-level depth on an organization-owned entity.
	bad := securityOrg(DepthUser, DepthNone, true)
	bad.Roles[0].Privileges["currency"] = Privileges{Read: DepthBusinessUnit}
	r, _ := e.Apply(e.Applied()+1, &Command{Kind: KindPutOrg, Org: &Org{Roles: bad.Roles}})
	if r.Err == nil {
		t.Fatal("businessunit depth on an organization-owned entity was accepted")
	}
}

func TestPrivilegeFollowsTeamAndBusinessUnitChanges(t *testing.T) {
	e := openSecurity(t, DepthUser, DepthNone, true)
	if got := readable(t, e); got != "UT" {
		t.Fatalf("before: %q", got)
	}
	org := securityOrg(DepthUser, DepthNone, true)
	org.Teams[0].Members = nil // U leaves T
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Teams: org.Teams}})
	if got := readable(t, e); got != "U" {
		t.Fatalf("after leaving the team: %q", got)
	}
	// Moving O to S rewrites O's rows with the new owning business unit.
	before, _ := e.Get("account", "e0000000-0000-4000-8000-000000000002")
	org.Users[1].BusinessUnit = buS
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Users: org.Users[1:2]}})
	after, _ := e.Get("account", "e0000000-0000-4000-8000-000000000002")
	if after.OwningBusinessUnit != buS || after.Version <= before.Version || after.ModifiedOn != before.ModifiedOn {
		t.Fatalf("after the move: %+v (before %+v)", after, before)
	}
	var changes []ChangeEntry
	_ = e.Changes("account", before.Version, 0, func(c ChangeEntry) error { changes = append(changes, c); return nil })
	if len(changes) != 1 || changes[0].Row.ID != after.ID {
		t.Fatalf("the move's change log: %+v", changes)
	}
}

func TestBusinessUnitTreeStaysATree(t *testing.T) {
	e := openSecurity(t, DepthUser, DepthNone, true)
	for name, bu := range map[string]BusinessUnit{
		"cycle":       {ID: buC, Name: "C", Parent: buG},
		"second root": {ID: "b0000000-0000-4000-8000-000000000099", Name: "Other"},
		"self parent": {ID: buS, Name: "S", Parent: buS},
	} {
		r, _ := e.Apply(e.Applied()+1, &Command{Kind: KindPutOrg, Org: &Org{BusinessUnits: []BusinessUnit{bu}}})
		if r.Err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	r, _ := e.Apply(e.Applied()+1, &Command{Kind: KindDelete, Target: &Target{Kind: ObjectBusinessUnit, ID: buG}})
	if r.Err == nil {
		t.Error("deleting a unit that still has a user was accepted")
	}
}

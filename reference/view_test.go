package reference

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// Fixture: business units R > C > G and R > S; U, O in C; P in G; Q in S;
// team T (in S) with member U. Accounts a1..a6 owned by U, T, O, P, Q, Q;
// contacts c1..c3, looked up by a1 and a5.
const (
	buR, buC, buG, buS = "b0000000-0000-4000-8000-00000000000a", "b0000000-0000-4000-8000-00000000000c", "b0000000-0000-4000-8000-00000000000e", "b0000000-0000-4000-8000-00000000000f"
	uU, uO, uP, uQ     = "a0000000-0000-4000-8000-000000000001", "a0000000-0000-4000-8000-000000000002", "a0000000-0000-4000-8000-000000000003", "a0000000-0000-4000-8000-000000000004"
	teamT              = "c0000000-0000-4000-8000-000000000001"
	role               = "d0000000-0000-4000-8000-00000000000a"
	prof               = "f0000000-0000-4000-8000-000000000001"
	prof2              = "f0000000-0000-4000-8000-000000000002" // a second profile of the default app
	profB              = "f0000000-0000-4000-8000-000000000003" // the profile of app B
	appB               = "f0000000-0000-4000-8000-0000000000b1"
	now                = int64(100 * day)
)

func id(prefix string, i int) string { return fmt.Sprintf("%s0000000-0000-4000-8000-%012d", prefix, i) }

var names = map[string]string{}

func init() {
	for i := 1; i <= 6; i++ {
		names[id("e", i)] = fmt.Sprintf("a%d", i)
	}
	for i := 1; i <= 3; i++ {
		names[id("9", i)] = fmt.Sprintf("c%d", i)
	}
}

type world struct {
	t     *testing.T
	e     *engine.Engine
	cache engine.RuleCache // nil: no sharing
	// groups shares first loads' groups (nil: none), as the server does
	// for devices that fetch shared pages.
	groups engine.GroupCache
	// days draws today() filters, and due dates for them to compare.
	days bool
}

func (w world) apply(cmds ...*engine.Command) {
	w.t.Helper()
	for _, c := range cmds {
		r, err := w.e.Apply(w.e.Applied()+1, c)
		if err != nil || r.Err != nil {
			w.t.Fatalf("apply %s: %v %v", c.Kind, err, r.Err)
		}
	}
}

func newWorld(t *testing.T, read engine.Depth) world {
	w := world{t: t, e: openEngine(t)}
	w.apply(&engine.Command{Kind: engine.KindSetSchemaDraft, Schema: &engine.Schema{Entities: []engine.EntityDef{
		{Name: "account", Offline: true, Attributes: []engine.Attribute{{Name: "name", Type: engine.TypeString}, {Name: "revenue", Type: engine.TypeDecimal},
			{Name: "primarycontactid", Type: engine.TypeLookup, Targets: []string{"contact"}}, {Name: "due", Type: engine.TypeDateTime}}},
		{Name: "contact", Offline: true, Attributes: []engine.Attribute{{Name: "lastname", Type: engine.TypeString}, {Name: "email", Type: engine.TypeString},
			{Name: "due", Type: engine.TypeDateTime}}},
	}}}, &engine.Command{Kind: engine.KindPublishSchema})
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{
		BusinessUnits: []engine.BusinessUnit{{ID: buR, Name: "R"}, {ID: buC, Name: "C", Parent: buR}, {ID: buG, Name: "G", Parent: buC}, {ID: buS, Name: "S", Parent: buR}},
		Roles:         []engine.Role{{ID: role, Name: "r", Privileges: map[string]engine.Privileges{"account": {Read: read}, "contact": {Read: read}}}},
		Users: []engine.User{{ID: uU, Name: "U", BusinessUnit: buC, Roles: []string{role}, Enabled: true}, {ID: uO, Name: "O", BusinessUnit: buC, Enabled: true},
			{ID: uP, Name: "P", BusinessUnit: buG, Enabled: true}, {ID: uQ, Name: "Q", BusinessUnit: buS, Enabled: true}},
		Teams: []engine.Team{{ID: teamT, Name: "T", BusinessUnit: buS, Members: []string{uU}}},
	}})
	owners := []string{uU, teamT, uO, uP, uQ, uQ}
	var recs []codec.Record
	for i, o := range owners {
		attrs := map[string]any{"name": fmt.Sprintf("%c-account", "AABBAB"[i]), "revenue": fmt.Sprintf("%d", (i+1)*1000), "modifiedon": now - int64(i)*2*day}
		if i == 0 {
			attrs["primarycontactid"] = id("9", 1)
		}
		if i == 4 {
			attrs["primarycontactid"] = id("9", 2)
		}
		recs = append(recs, codec.Record{Entity: "account", ID: id("e", i+1), OwnerID: o, Attrs: attrs})
	}
	for i, o := range []string{uO, uQ, uU} {
		recs = append(recs, codec.Record{Entity: "contact", ID: id("9", i+1), OwnerID: o, Attrs: map[string]any{"lastname": "L", "email": "x@y", "modifiedon": now}})
	}
	w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: recs})
	return w
}

// openEngine opens an engine in a temporary directory, closed at cleanup.
func openEngine(t *testing.T) *engine.Engine {
	t.Helper()
	cfg := engine.DefaultConfig(t.TempDir())
	cfg.MemTableSize, cfg.BlockCacheSize = 8<<20, 1<<20
	e, err := engine.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func (w world) publish(rules ...engine.Rule) {
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Profiles: []engine.Profile{{ID: prof, Name: "P", Rules: rules, Users: []string{uU}}}, Publish: true}})
}

// names lists the view's rows by fixture name, sorted.
func (w world) view(user string) (string, View) {
	w.t.Helper()
	s, err := Load(w.e)
	if err != nil {
		w.t.Fatal(err)
	}
	v, err := Compute(s, user, "", now)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, rows := range v {
		for id := range rows {
			out = append(out, names[id])
		}
	}
	slices.Sort(out)
	return strings.Join(out, " "), v
}

func zero() *int { z := 0; return &z }

func TestReferenceViewRowsChoices(t *testing.T) {
	cases := []struct {
		rows []string
		want string
	}{
		{[]string{engine.RowsUser}, "a1"},
		{[]string{engine.RowsTeam}, "a2"},
		{[]string{engine.RowsBusinessUnit}, "a1 a3"},
		{[]string{engine.RowsUser, engine.RowsTeam}, "a1 a2"},
		{[]string{engine.RowsAll}, "a1 a2 a3 a4 a5 a6"},
		{[]string{engine.RowsOrganization}, "a1 a2 a3 a4 a5 a6"},
	}
	for _, tc := range cases {
		w := newWorld(t, engine.DepthOrganization)
		w.publish(engine.Rule{Entity: "account", Rows: tc.rows, ModifiedWithinDays: zero()})
		if got, _ := w.view(uU); got != tc.want {
			t.Errorf("rows %v: view %q, want %q", tc.rows, got, tc.want)
		}
	}
}

func TestReferenceViewPrivilegeDepths(t *testing.T) {
	cases := []struct {
		depth engine.Depth
		want  string
	}{
		{engine.DepthNone, ""},
		{engine.DepthUser, "a1 a2"},            // own and team rows
		{engine.DepthBusinessUnit, "a1 a2 a3"}, // plus C's rows
		{engine.DepthParentChild, "a1 a2 a3 a4"},
		{engine.DepthOrganization, "a1 a2 a3 a4 a5 a6"},
	}
	for _, tc := range cases {
		w := newWorld(t, tc.depth)
		w.publish(engine.Rule{Entity: "account", Rows: []string{engine.RowsAll}, ModifiedWithinDays: zero()})
		if got, _ := w.view(uU); got != tc.want {
			t.Errorf("read %s: view %q, want %q", tc.depth, got, tc.want)
		}
	}
}

func TestReferenceViewWindowFilterAndColumns(t *testing.T) {
	w := newWorld(t, engine.DepthOrganization)
	five := 5
	w.publish(engine.Rule{Entity: "account", Rows: []string{engine.RowsAll}, ModifiedWithinDays: &five})
	if got, _ := w.view(uU); got != "a1 a2 a3" { // modified 0, 2, 4 days ago
		t.Errorf("window 5 days: %q", got)
	}
	w.publish(engine.Rule{Entity: "account", Rows: []string{engine.RowsAll}, ModifiedWithinDays: zero(), Filter: "name beginswith 'A' and revenue >= 2000"})
	if got, _ := w.view(uU); got != "a2 a5" {
		t.Errorf("filter: %q", got)
	}
	w.publish(engine.Rule{Entity: "account", Rows: []string{engine.RowsAll}, ModifiedWithinDays: zero(), Filter: "ownerid = @me or ownerid in @myteams"})
	if got, _ := w.view(uU); got != "a1 a2" {
		t.Errorf("current-user filter: %q", got)
	}
	w.publish(engine.Rule{Entity: "account", Rows: []string{engine.RowsUser}, ModifiedWithinDays: zero(), Columns: []string{"name"}})
	_, v := w.view(uU)
	row := v["account"][id("e", 1)]
	if len(row.Attrs) != 1 || row.Attrs["name"] != "A-account" || row.OwnerID != uU || row.Version == 0 {
		t.Errorf("columns: %+v", row)
	}
}

func TestReferenceViewRelatedRows(t *testing.T) {
	w := newWorld(t, engine.DepthOrganization)
	w.publish(engine.Rule{Entity: "account", Rows: []string{engine.RowsBusinessUnit}, ModifiedWithinDays: zero(), Relationships: []string{"primarycontactid"}},
		engine.Rule{Entity: "contact", Rows: []string{engine.RowsRelated}, ModifiedWithinDays: zero()})
	// a1 (in C) looks up c1; a5 (in S, not in the view) looks up c2; c3 is unreferenced.
	if got, _ := w.view(uU); got != "a1 a3 c1" {
		t.Errorf("related: %q", got)
	}
	// Related rows must be readable too: with user depth c1 (owned by O) goes.
	w2 := newWorld(t, engine.DepthUser)
	w2.publish(engine.Rule{Entity: "account", Rows: []string{engine.RowsBusinessUnit}, ModifiedWithinDays: zero(), Relationships: []string{"primarycontactid"}},
		engine.Rule{Entity: "contact", Rows: []string{engine.RowsRelated}, ModifiedWithinDays: zero()})
	if got, _ := w2.view(uU); got != "a1" {
		t.Errorf("related, user depth: %q", got)
	}
}

func TestReferenceViewProfiles(t *testing.T) {
	w := newWorld(t, engine.DepthOrganization)
	s, _ := Load(w.e)
	if _, err := Compute(s, uU, "", now); !errors.Is(err, ErrNoProfile) {
		t.Fatalf("no profile: %v", err)
	}
	// A profile reaches U through team T; its draft is not in effect.
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Profiles: []engine.Profile{{ID: prof, Name: "P",
		Rules: []engine.Rule{{Entity: "account", Rows: []string{engine.RowsTeam}, ModifiedWithinDays: zero()}}, Teams: []string{teamT}}}, Publish: true}})
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Profiles: []engine.Profile{{ID: prof, Name: "P",
		Rules: []engine.Rule{{Entity: "account", Rows: []string{engine.RowsAll}}}, Teams: []string{teamT}}}}})
	if got, _ := w.view(uU); got != "a2" {
		t.Errorf("team profile, published rules: %q", got)
	}
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Users: []engine.User{{ID: uU, Name: "U", BusinessUnit: buC, Roles: []string{role}, Enabled: false}}}})
	if got, _ := w.view(uU); got != "" {
		t.Errorf("disabled user: %q", got)
	}
}

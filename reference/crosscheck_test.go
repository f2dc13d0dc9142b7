package reference

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestEngineViewMatchesReference builds random organizations, rows and
// profiles, mutates them, and checks that the engine's index-driven
// View equals this package's from-scratch Compute for every user.
func TestEngineViewMatchesReference(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("OFFSYNC_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (replay with OFFSYNC_SEED=%d go test ./reference -run '^TestEngineViewMatchesReference$'; more rounds with OFFSYNC_ROUNDS)", seed, seed)
	rounds := 8
	if s := os.Getenv("OFFSYNC_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	for round := 0; round < rounds; round++ {
		rng := rand.New(rand.NewSource(seed + int64(round)))
		w := newWorld(t, engine.DepthOrganization)
		randomWorld(w, rng)
		for step := 0; step < 6; step++ {
			compareAll(t, w, fmt.Sprintf("seed %d round %d step %d (replay: OFFSYNC_SEED=%d OFFSYNC_ROUNDS=%d go test ./reference -run '^TestEngineViewMatchesReference$')", seed, round, step, seed, round+1))
			mutate(w, rng)
		}
	}
}

var (
	allUsers = []string{uU, uO, uP, uQ}
	allBUs   = []string{buR, buC, buG, buS}
	depths   = []engine.Depth{engine.DepthNone, engine.DepthUser, engine.DepthBusinessUnit, engine.DepthParentChild, engine.DepthOrganization}
	filters  = []string{"", "name beginswith 'A'", "revenue >= 3000", "ownerid = @me", "owningbusinessunit = @mybusinessunit", "not (name contains 'B') or revenue < 2000", "primarycontactid is not null"}
	// timeFilters compare with today() in both directions, at several
	// offsets, alone and under and, or and not.
	timeFilters = []string{"due <= today(+7)", "due >= today(-3)", "not (due < today(-1))", "due > today(2) or name beginswith 'A'",
		"due <= today() and revenue >= 2000", "due in (today(), today(1))", "modifiedon >= today(-5)", "not (due >= today(-6) and due <= today(4)) or ownerid = @me"}
	contactTimeFilters = []string{"", "due >= today(-2)", "not (due > today(+3))"}
	choices            = [][]string{{engine.RowsAll}, {engine.RowsUser}, {engine.RowsTeam}, {engine.RowsBusinessUnit}, {engine.RowsUser, engine.RowsTeam}, {engine.RowsOrganization}, {engine.RowsUser, engine.RowsBusinessUnit}}
)

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.Intn(len(xs))] }

// accountPrivileges draws every privilege on accounts (pushes need more
// than Read).
func accountPrivileges(rng *rand.Rand) engine.Privileges {
	return engine.Privileges{Read: pick(rng, depths), Create: pick(rng, depths), Write: pick(rng, depths),
		Delete: pick(rng, depths), Assign: pick(rng, depths)}
}

func randomWorld(w world, rng *rand.Rand) {
	roles := []engine.Role{}
	for i := 0; i < 3; i++ {
		roles = append(roles, engine.Role{ID: id("d", 10+i), Name: "r", Privileges: map[string]engine.Privileges{
			"account": accountPrivileges(rng), "contact": {Read: pick(rng, depths)}}})
	}
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Roles: roles}})
	var users []engine.User
	for i, u := range allUsers {
		users = append(users, engine.User{ID: u, Name: "u" + strconv.Itoa(i), BusinessUnit: pick(rng, allBUs), Roles: []string{roles[rng.Intn(3)].ID}, Enabled: rng.Intn(8) > 0})
	}
	team := engine.Team{ID: teamT, Name: "T", BusinessUnit: pick(rng, allBUs), Roles: []string{roles[rng.Intn(3)].ID}}
	for _, u := range allUsers {
		if rng.Intn(2) == 0 {
			team.Members = append(team.Members, u)
		}
	}
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Users: users, Teams: []engine.Team{team}}})
	var recs []codec.Record
	owners := append([]string{teamT}, allUsers...)
	for i := 0; i < 20; i++ {
		attrs := map[string]any{"name": string("ABC"[rng.Intn(3)]) + "-x", "revenue": strconv.Itoa(rng.Intn(6) * 1000), "modifiedon": now - int64(rng.Intn(15))*day, "due": dueDate(rng, now)}
		if rng.Intn(2) == 0 {
			attrs["primarycontactid"] = id("9", 1+rng.Intn(12))
		}
		recs = append(recs, codec.Record{Entity: "account", ID: id("e", 100+i), OwnerID: pick(rng, owners), Attrs: attrs})
	}
	for i := 1; i <= 12; i++ {
		recs = append(recs, codec.Record{Entity: "contact", ID: id("9", i), OwnerID: pick(rng, owners), Attrs: map[string]any{"lastname": "L", "email": "e", "modifiedon": now - int64(rng.Intn(15))*day, "due": dueDate(rng, now)}})
	}
	w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: recs})
	rules := newProfileRules(rng, w.days)
	p := engine.Profile{ID: prof, Name: "P", Rules: rules}
	for _, u := range allUsers[:3] {
		if rng.Intn(3) > 0 {
			p.Users = append(p.Users, u)
		}
	}
	if rng.Intn(2) == 0 {
		p.Teams = []string{teamT}
	}
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Profiles: []engine.Profile{p}, Publish: true}})
	// A second app (sharing entities with the default app or not), with a
	// profile of its own, and a second profile in the default app: users
	// hold profiles in both apps, and move between profiles of one app.
	b := engine.App{ID: appB, Name: "B", Entities: pick(rng, appEntities)}
	pb := engine.Profile{ID: profB, Name: "PB", App: appB, Rules: newProfileRulesFor(rng, b.Entities, w.days)}
	p2 := engine.Profile{ID: prof2, Name: "P2", Rules: newProfileRules(rng, w.days)}
	for _, u := range allUsers {
		if rng.Intn(2) == 0 {
			pb.Users = append(pb.Users, u)
		}
		if u == allUsers[3] && rng.Intn(2) == 0 {
			p2.Users = []string{u}
		}
	}
	if rng.Intn(3) == 0 {
		pb.Teams = []string{teamT}
	}
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Apps: []engine.App{b}, Profiles: []engine.Profile{pb, p2}, Publish: true}})
}

// appEntities are the entity sets app B is drawn with.
var appEntities = [][]string{{"account"}, {"contact"}, {"account", "contact"}}

// apps are the apps of the randomized tests: the default app and B.
var apps = []string{engine.DefaultAppID, appB}

// mutate applies one random change: owner changes, deletes, a business
// unit move, a team membership change or a role change.
func mutate(w world, rng *rand.Rand) {
	owners := append([]string{teamT}, allUsers...)
	switch rng.Intn(5) {
	case 0:
		w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: []codec.Record{{Entity: "account", ID: id("e", 100+rng.Intn(20)), OwnerID: pick(rng, owners)}}})
	case 1:
		w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: []codec.Record{{Op: codec.OpDelete, Entity: pick(rng, []string{"account", "contact"}), ID: id(pick(rng, []string{"e", "9"}), 1+rng.Intn(12))}}})
	case 2:
		users, _ := w.e.Users()
		u := users[rng.Intn(len(users))]
		u.BusinessUnit = pick(rng, allBUs)
		w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Users: []engine.User{u}}})
	case 3:
		teams, _ := w.e.Teams()
		t := teams[0]
		t.Members = nil
		for _, u := range allUsers {
			if rng.Intn(2) == 0 {
				t.Members = append(t.Members, u)
			}
		}
		w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Teams: []engine.Team{t}}})
	case 4:
		roles, _ := w.e.Roles()
		r := roles[rng.Intn(len(roles))]
		r.Privileges = map[string]engine.Privileges{"account": accountPrivileges(rng), "contact": {Read: pick(rng, depths)}}
		w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Roles: []engine.Role{r}}})
	}
}

func compareAll(t *testing.T, w world, where string) {
	t.Helper()
	s, err := Load(w.e)
	if err != nil {
		t.Fatal(err)
	}
	for _, ua := range userApps() {
		u, app := ua[0], ua[1]
		want, werr := Compute(s, u, app, now)
		got := View{}
		_, gerr := w.e.View(u, app, now, func(vr engine.ViewRow) error {
			if got[vr.Rule.Entity] == nil {
				got[vr.Rule.Entity] = map[string]codec.Row{}
			}
			got[vr.Rule.Entity][vr.Row.ID] = engine.Project(vr.Rule, vr.Row)
			return nil
		})

		if errors.Is(werr, ErrNoProfile) {
			if !errors.Is(gerr, engine.ErrNoProfile) {
				t.Fatalf("%s user %s app %s: reference has no profile, engine says %v", where, u, app, gerr)
			}
			continue
		}
		if werr != nil || gerr != nil {
			t.Fatalf("%s user %s app %s: %v / %v", where, u, app, werr, gerr)
		}
		for entity := range want {
			if len(want[entity]) == 0 && len(got[entity]) == 0 {
				continue
			}
			if !reflect.DeepEqual(want[entity], got[entity]) {
				t.Fatalf("%s user %s app %s entity %s:\nreference %v\nengine    %v", where, u, app, entity, keys(want[entity]), keys(got[entity]))
			}
		}
	}
}

func keys(m map[string]codec.Row) []string {
	var out []string
	for k, r := range m {
		out = append(out, names[k]+fmt.Sprint(r.Attrs))
	}
	return out
}

// userApps lists every (user, app) pair of the randomized tests.
func userApps() [][2]string {
	var out [][2]string
	for _, u := range allUsers {
		for _, a := range apps {
			out = append(out, [2]string{u, a})
		}
	}
	return out
}

// dueDate draws a due date within two weeks of t, or none (nil); a third
// fall exactly on a midnight, where today() comparisons turn.
func dueDate(rng *rand.Rand, t int64) any {
	switch rng.Intn(6) {
	case 0:
		return nil
	case 1, 2:
		return (t/day + int64(rng.Intn(29)-14)) * day
	}
	return t + int64(rng.Intn(29*24)-14*24)*day/24
}

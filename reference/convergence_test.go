package reference

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// device is a simulated device: its rows and its cursor.
type device struct {
	user   string
	app    string
	cursor *engine.Cursor
	rows   View
}

// apply applies one pull answer the way a device must.
func (d *device) apply(res *engine.PullResult) {
	if res.Reset {
		d.rows = View{}
	}
	// A first load's shared part (the server's pages): rows only, all
	// within the answer's cutoffs, applied before the answer's own part.
	entities := res.Entities
	if res.Shared != nil {
		entities = append(slices.Clone(res.Shared.Entities), entities...)
	}
	for _, ed := range entities {
		rows := d.rows[ed.Entity]
		if rows == nil {
			rows = map[string]codec.Row{}
			d.rows[ed.Entity] = rows
		}
		for _, id := range ed.Removals {
			delete(rows, id)
		}
		for _, r := range ed.Upserts {
			rows[r.ID] = r
		}
		for _, p := range ed.Patches {
			merged := rows[p.ID]
			attrs := map[string]any{}
			for k, v := range merged.Attrs {
				attrs[k] = v
			}
			for k, v := range p.Attrs {
				if v == nil {
					delete(attrs, k)
				} else {
					attrs[k] = v
				}
			}
			if len(attrs) == 0 {
				attrs = nil
			}
			p.Attrs = attrs
			rows[p.ID] = p
		}
		// The cutoff comes last: a patch may move a held row's modifiedon
		// back into the window.
		if ed.Cutoff != 0 {
			for id, r := range rows {
				if r.ModifiedOn < ed.Cutoff {
					delete(rows, id)
				}
			}
		}
	}
	c := res.Cursor
	d.cursor = &c
}

// TestConvergenceRandomized interleaves random writes, deletes, owner and
// business-unit changes, team and role changes, profile edits and
// publishes, metadata publishes, change-log pruning and the clock moving,
// with pulls by four users at random moments. After every pull a device
// must hold exactly the reference view, and every row and id a pull sends
// must be in the device's old or new view (no leak).
func TestConvergenceRandomized(t *testing.T) {
	runRandomSync(t, 0, 1, false)
}

// TestConvergenceAcrossDays is the same scenario with filters that compare
// due dates (and modifiedon) with today(), in both directions, at several
// offsets, under and, or and not, on accounts and on related contacts,
// while the clock crosses day boundaries, sometimes many days at once:
// rows enter and leave views with no write to them, and every device must
// still hold exactly V(u, app, v, t) after every pull.
func TestConvergenceAcrossDays(t *testing.T) {
	runRandomSync(t, 2<<20, 1, true)
}

// TestNoLeakUnderPrivilegeChurn is the same machinery weighted towards
// access changes (roles, teams, business-unit moves, republished
// profiles), where a wrong removal or upsert would leak a row or an id.
func TestNoLeakUnderPrivilegeChurn(t *testing.T) {
	runRandomSync(t, 1<<20, 4, false)
}

// runRandomSync runs the randomized sync scenario; churn multiplies the
// weight of access changes; days draws today() filters and moves the
// clock across days.
func runRandomSync(t *testing.T, seedOffset int64, churn int, days bool) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("OFFSYNC_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	seed += seedOffset
	rounds := 40
	if s := os.Getenv("OFFSYNC_CONVERGENCE_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	name := "TestConvergenceRandomized"
	switch {
	case days:
		name = "TestConvergenceAcrossDays"
	case churn > 1:
		name = "TestNoLeakUnderPrivilegeChurn"
	}
	hits := 0
	stats = struct{ reloads, contextDeltas, prunes, pushed int }{}
	round := firstRound()
	t.Logf("seed %d, rounds %d to %d (replay: OFFSYNC_SEED=%d OFFSYNC_CONVERGENCE_FROM=%d OFFSYNC_CONVERGENCE_ROUNDS=%d go test -count=1 ./reference -run '^%s$' -v; more with OFFSYNC_CONVERGENCE_ROUNDS)", seed-seedOffset, round, rounds-1, seed-seedOffset, round, rounds, name)
	defer func() {
		if t.Failed() {
			t.Logf("failed in seed %d round %d: replay with %s", seed-seedOffset, round, replay(name, seed-seedOffset, round))
		}
		t.Logf("%d first loads shared rule rows; access changes answered by %d deltas and %d reloads; %d prunes; %d pushed mutations applied", hits, stats.contextDeltas, stats.reloads, stats.prunes, stats.pushed)
		if rounds-firstRound() >= 20 && stats.contextDeltas == 0 {
			t.Error("no access change was answered with a delta: that path went untested")
		}
	}()
	for ; round < rounds; round++ {
		rng := rand.New(rand.NewSource(seed + int64(round)))
		w := newWorld(t, engine.DepthOrganization)
		w.cache = mapCache{rows: map[string][]codec.Row{}, hits: &hits}
		w.groups = mapGroups{}
		w.days = days
		randomWorld(w, rng)
		// One device per user and app: a device syncs for one app.
		var devices []*device
		for _, ua := range userApps() {
			devices = append(devices, &device{user: ua[0], app: ua[1], rows: View{}})
		}
		clock := now
		for step := 0; step < 40; step++ {
			where := fmt.Sprintf("seed %d round %d step %d (replay: %s)", seed-seedOffset, round, step, replay(name, seed-seedOffset, round))
			switch op := rng.Intn(10 + churn); {
			case op < 4:
				d := pick(rng, devices)
				syncDevice(t, w, d, clock, where)
				if rng.Intn(3) == 0 {
					// Again with nothing written in between, later: the
					// quiet path, unless time took rows in or out.
					clock += int64(rng.Intn(5)) * day / 3
					syncDevice(t, w, d, clock, where+" again")
				}
			case op == 9:
				moveMember(w, rng)
			case op < 7:
				writeRows(w, rng, clock)
			case op == 7 && days && rng.Intn(3) == 0:
				clock += int64(2+rng.Intn(12))*day + rng.Int63n(day) // a device asleep for days
			case op == 7:
				clock += int64(rng.Intn(4)) * day / 2
			case op == 8 && rng.Intn(3) == 0:
				// Prune the change log: cursors below the horizon reset.
				if back := uint64(rng.Intn(15)); w.e.Applied() > back && w.e.Applied()-back > w.e.Horizon() {
					w.apply(&engine.Command{Kind: engine.KindPrune, Horizon: w.e.Applied() - back})
					stats.prunes++
				}
			case op == 8 || (op > 9 && rng.Intn(4) == 0):
				republish(w, rng)
			case op > 9 && rng.Intn(3) == 0:
				pushRandom(t, w, rng, clock)
			case op > 9 && rng.Intn(3) == 0:
				changeAppEntities(w, rng)
			default:
				mutate(w, rng)
			}
		}
		for _, d := range devices {
			syncDevice(t, w, d, clock, fmt.Sprintf("seed %d round %d final (replay: %s)", seed-seedOffset, round, replay(name, seed-seedOffset, round)))
		}
	}
}

// replay is the command that runs one round of a seed again.
func replay(name string, seed int64, round int) string {
	return fmt.Sprintf("OFFSYNC_SEED=%d OFFSYNC_CONVERGENCE_FROM=%d OFFSYNC_CONVERGENCE_ROUNDS=%d go test -count=1 ./reference -run '^%s$' -v", seed, round, round+1, name)
}

// firstRound is OFFSYNC_CONVERGENCE_FROM: the randomized runs start at
// that round (each round draws from its own seed, seed + round), so a
// failing round replays alone.
func firstRound() int {
	n, _ := strconv.Atoi(os.Getenv("OFFSYNC_CONVERGENCE_FROM"))
	return n
}

// syncDevice pulls once, checking that nothing leaks and that the device
// then holds exactly the reference view.
func syncDevice(t *testing.T, w world, d *device, clock int64, where string) {
	t.Helper()
	res, err := w.e.Pull(d.user, d.cursor, clock, engine.PullOptions{Cache: w.cache, Groups: w.groups, App: d.app})
	s, lerr := Load(w.e)
	if lerr != nil {
		t.Fatal(lerr)
	}
	want, werr := Compute(s, d.user, d.app, clock)
	if errors.Is(werr, ErrNoProfile) {
		if !errors.Is(err, engine.ErrNoProfile) {
			t.Fatalf("%s: user %s has no profile in app %s, pull says %v", where, d.user, d.app, err)
		}
		d.rows, d.cursor = View{}, nil
		return
	}
	if err != nil || werr != nil {
		t.Fatalf("%s: user %s app %s: %v / %v", where, d.user, d.app, err, werr)
	}
	checkNoLeak(t, where, d.user+" (app "+d.app+")", res, d.rows, want)
	if d.cursor != nil && d.cursor.Context != res.Cursor.Context {
		if res.Reset {
			stats.reloads++
		} else {
			stats.contextDeltas++
		}
	}
	d.apply(res)
	if !sameView(d.rows, want) {
		t.Fatalf("%s: user %s of app %s did not converge:\ndevice    %v\nreference %v\ndiffering: %s", where, d.user, d.app, summary(d.rows), summary(want), diffRows(d.rows, want))
	}
}

// stats counts how access-context changes were answered.
var stats struct{ reloads, contextDeltas, prunes, pushed int }

// checkNoLeak checks that an answer names no row or id outside the
// device's old view (what it held) and the user's new reference view:
// upserts are in the new view, image for image (so a lookup attribute
// carries an id only when the reference row carries it: the rule's
// columns include the lookup); patches are of rows in both views, each
// attribute and system attribute as the new view has it; removals are of
// rows the device held, reset or not.
func checkNoLeak(t *testing.T, where, user string, res *engine.PullResult, old, now View) {
	t.Helper()
	entities := res.Entities
	if res.Shared != nil {
		entities = append(slices.Clone(res.Shared.Entities), entities...)
	}
	for _, ed := range entities {
		for _, r := range ed.Upserts {
			if _, ok := now[ed.Entity][r.ID]; !ok {
				t.Fatalf("%s: user %s got %s %s, which is not in the view", where, user, ed.Entity, r.ID)
			}
			if want := now[ed.Entity][r.ID]; !reflect.DeepEqual(want, r) {
				t.Fatalf("%s: user %s got %s %+v, the view has %+v", where, user, ed.Entity, r, want)
			}
		}
		for _, p := range ed.Patches {
			want, ok := now[ed.Entity][p.ID]
			if _, held := old[ed.Entity][p.ID]; !ok || !held {
				t.Fatalf("%s: user %s got a patch of %s %s, in view %v, held %v", where, user, ed.Entity, p.ID, ok, held)
			}
			for k, v := range p.Attrs {
				if want.Attrs[k] != v {
					t.Fatalf("%s: user %s got %s.%s = %v in a patch, the view has %v", where, user, ed.Entity, k, v, want.Attrs[k])
				}
			}
			if p.OwnerID != want.OwnerID || p.OwningBusinessUnit != want.OwningBusinessUnit || p.Version != want.Version || p.ModifiedOn != want.ModifiedOn || p.CreatedOn != want.CreatedOn || p.Deleted {
				t.Fatalf("%s: user %s got a patch of %s %s with system attributes %+v, the view has %+v", where, user, ed.Entity, p.ID, p, want)
			}
		}
		for _, id := range ed.Removals {
			if _, ok := old[ed.Entity][id]; !ok {
				t.Fatalf("%s: user %s got a removal of %s %s, which it could not hold (old view %v; cursor %+v)", where, user, ed.Entity, id, summary(old), res.Cursor)
			}
		}
	}
}

// pushRandom uploads a few device mutations, valid and not: edits,
// creates with random owners, deletes, bad attributes. Rejected ones
// must change nothing.
func pushRandom(t *testing.T, w world, rng *rand.Rand, clock int64) {
	t.Helper()
	user, app := pick(rng, allUsers), pick(rng, apps)
	var muts []engine.Mutation
	for i := 0; i < 1+rng.Intn(3); i++ {
		m := engine.Mutation{ID: fmt.Sprintf("m%d-%d", clock, rng.Int63()), Entity: "account", RowID: id("e", 100+rng.Intn(26))}
		switch rng.Intn(5) {
		case 0:
			m.Op, m.Attrs = engine.MutationCreate, map[string]any{"name": "P-new", "ownerid": pick(rng, append([]string{teamT}, allUsers...))}
		case 1:
			m.Op = engine.MutationDelete
		case 2:
			m.Op, m.Attrs = engine.MutationUpdate, map[string]any{"nosuch": int64(1)}
		default:
			m.Op, m.Attrs = engine.MutationUpdate, map[string]any{"name": "P-" + strconv.Itoa(rng.Intn(9)), "revenue": strconv.Itoa(rng.Intn(6) * 1000)}
		}
		muts = append(muts, m)
	}
	before := map[string]uint64{}
	for _, m := range muts {
		if r, err := w.e.Get("account", m.RowID); err == nil {
			before[m.RowID] = r.Version
		}
	}
	r, err := w.e.Apply(w.e.Applied()+1, &engine.Command{Kind: engine.KindPush, Now: clock, Push: &engine.Push{User: user, Device: "dev-" + user + app, App: app, Mutations: muts}})
	if err != nil || r.Err != nil {
		t.Fatalf("push: %v %v", err, r.Err)
	}
	for i, res := range r.Mutations {
		if res.Applied {
			stats.pushed++
			continue
		}
		if rowWrittenBy(r.Mutations, muts, muts[i].RowID) {
			continue // another mutation of the push wrote it
		}
		after, err := w.e.Get("account", muts[i].RowID)
		if v, ok := before[muts[i].RowID]; (ok && (err != nil || after.Version != v)) || (!ok && err == nil) {
			t.Fatalf("rejected mutation %+v (%s) changed the row", muts[i], res.Code)
		}
	}
}

// rowWrittenBy reports whether an applied mutation of the push wrote id.
func rowWrittenBy(res []engine.MutationResult, muts []engine.Mutation, id string) bool {
	for i, r := range res {
		if r.Applied && muts[i].RowID == id {
			return true
		}
	}
	return false
}

// writeRows upserts or deletes a few rows with random attributes, owners
// and lookups.
func writeRows(w world, rng *rand.Rand, clock int64) {
	owners := append([]string{teamT}, allUsers...)
	var recs []codec.Record
	for i := 0; i < 1+rng.Intn(3); i++ {
		if rng.Intn(2) == 0 {
			attrs := map[string]any{"name": string("ABC"[rng.Intn(3)]) + "-y", "revenue": strconv.Itoa(rng.Intn(6) * 1000), "modifiedon": clock - int64(rng.Intn(12))*day, "due": dueDate(rng, clock)}
			if rng.Intn(3) > 0 {
				attrs["primarycontactid"] = id("9", 1+rng.Intn(14))
			} else {
				attrs["primarycontactid"] = nil
			}
			recs = append(recs, codec.Record{Entity: "account", ID: id("e", 100+rng.Intn(24)), OwnerID: pick(rng, owners), Attrs: attrs})
		} else {
			recs = append(recs, codec.Record{Entity: "contact", ID: id("9", 1+rng.Intn(14)), OwnerID: pick(rng, owners),
				Attrs: map[string]any{"lastname": "M", "email": strconv.Itoa(rng.Intn(9)), "modifiedon": clock - int64(rng.Intn(12))*day, "due": dueDate(rng, clock)}})
		}
	}
	w.apply(&engine.Command{Kind: engine.KindIngest, Now: clock, Records: recs})
}

// republish edits and publishes the profile, or publishes the metadata
// again with a change.
func republish(w world, rng *rand.Rand) {
	if rng.Intn(4) == 0 {
		sch := *w.e.Schema()
		sch.Entities = append([]engine.EntityDef(nil), sch.Entities...)
		acct := sch.Entities[0]
		acct.DisplayName = "Account " + strconv.Itoa(rng.Intn(1000))
		sch.Entities[0] = acct
		w.apply(&engine.Command{Kind: engine.KindSetSchemaDraft, Schema: &sch}, &engine.Command{Kind: engine.KindPublishSchema})
		return
	}
	ps, _ := w.e.Profiles()
	p := pick(rng, ps)
	app, err := w.e.App(p.AppID())
	if err != nil {
		w.t.Fatal(err)
	}
	rng2 := rand.New(rand.NewSource(rng.Int63()))
	p.Rules = newProfileRulesFor(rng2, app.Entities, w.days)
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Profiles: []engine.Profile{p}, Publish: rng.Intn(3) > 0}})
}

// moveMember adds a user to a profile (taking them out of another profile
// of the same app, if any), or takes them out of one.
func moveMember(w world, rng *rand.Rand) {
	m := &engine.Members{Profile: pick(rng, []string{prof, prof2, profB}), Users: []string{pick(rng, allUsers)}, Move: true}
	if rng.Intn(3) == 0 {
		m.Remove, m.Move = true, false
	}
	w.apply(&engine.Command{Kind: engine.KindSetMembers, Members: m})
}

// changeAppEntities redraws app B's entities. Dropping an entity that B's
// profile has a rule for is refused, and changes nothing.
func changeAppEntities(w world, rng *rand.Rand) {
	b := engine.App{ID: appB, Name: "B", Entities: pick(rng, appEntities)}
	before := w.e.Applied()
	if _, err := w.e.Apply(before+1, &engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Apps: []engine.App{b}}}); err != nil {
		w.t.Fatal(err)
	}
}

// newProfileRulesFor draws rules over the entities an app offers.
func newProfileRulesFor(rng *rand.Rand, entities []string, days bool) []engine.Rule {
	rules := newProfileRules(rng, days)
	var out []engine.Rule
	for _, r := range rules {
		if !slices.Contains(entities, r.Entity) {
			continue
		}
		if !slices.Contains(entities, "contact") {
			r.Relationships = nil
		}
		out = append(out, r)
	}
	if len(out) == 1 && out[0].Entity == "contact" && slices.Contains(out[0].Rows, engine.RowsRelated) {
		out[0].Rows = pick(rng, choices) // nothing looks contacts up
	}
	return out
}

// newProfileRules draws an account rule and maybe a contact rule; with
// days, most filters compare with today().
func newProfileRules(rng *rand.Rand, days bool) []engine.Rule {
	windows := []int{0, 3, 5, 10}
	acct := engine.Rule{Entity: "account", Rows: pick(rng, choices), Filter: pick(rng, filters)}
	contactFilter := ""
	if days {
		if rng.Intn(4) > 0 {
			acct.Filter = pick(rng, timeFilters)
		}
		contactFilter = pick(rng, contactTimeFilters)
	}
	win := pick(rng, windows)
	acct.ModifiedWithinDays = &win
	if rng.Intn(2) == 0 {
		acct.Columns = []string{"name"}
	}
	rules := []engine.Rule{acct}
	if rng.Intn(3) > 0 {
		rules[0].Relationships = []string{"primarycontactid"}
		cw := pick(rng, windows)
		rules = append(rules, engine.Rule{Entity: "contact", Rows: []string{engine.RowsRelated}, ModifiedWithinDays: &cw, Filter: contactFilter})
	} else if rng.Intn(2) == 0 {
		cw := pick(rng, windows)
		rules = append(rules, engine.Rule{Entity: "contact", Rows: pick(rng, choices), ModifiedWithinDays: &cw, Filter: contactFilter})
	}
	return rules
}

func sameView(a, b View) bool {
	for _, v := range []View{a, b} {
		for e := range v {
			if !reflect.DeepEqual(nonNil(a[e]), nonNil(b[e])) {
				return false
			}
		}
	}
	return true
}

func nonNil(m map[string]codec.Row) map[string]codec.Row {
	if m == nil {
		return map[string]codec.Row{}
	}
	return m
}

func summary(v View) string {
	s := ""
	for e, rows := range v {
		s += fmt.Sprintf("%s:%d ", e, len(rows))
		for id, r := range rows {
			s += fmt.Sprintf("[%s v%d m%d] ", id[len(id)-3:], r.Version, r.ModifiedOn/day)
		}
	}
	return s
}

// mapGroups is an unbounded engine.GroupCache.
type mapGroups map[string]*engine.SharedGroup

func (m mapGroups) Get(k string) (*engine.SharedGroup, bool) { g, ok := m[k]; return g, ok }

func (m mapGroups) Put(k string, g *engine.SharedGroup) { m[k] = g }

// mapCache is an unbounded engine.RuleCache: every share is kept, so the
// convergence test exercises sharing as much as possible. It counts hits.
type mapCache struct {
	rows map[string][]codec.Row
	hits *int
}

func (m mapCache) Get(k string) ([]codec.Row, bool) {
	r, ok := m.rows[k]
	if ok {
		*m.hits++
	}
	return r, ok
}

func (m mapCache) Put(k string, rows []codec.Row) { m.rows[k] = rows }

// TestSharedFirstLoadsMatchTheReference: two users of one business unit
// and profile share the business-unit rule's rows, and both get exactly
// their own view; a write to the entity stops the sharing of stale rows.
func TestSharedFirstLoadsMatchTheReference(t *testing.T) {
	w := newWorld(t, engine.DepthBusinessUnit)
	hits := 0
	w.cache = mapCache{rows: map[string][]codec.Row{}, hits: &hits}
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Profiles: []engine.Profile{{ID: prof, Name: "P",
		Rules: []engine.Rule{{Entity: "account", Rows: []string{engine.RowsBusinessUnit}, ModifiedWithinDays: zero(), Relationships: []string{"primarycontactid"}},
			{Entity: "contact", Rows: []string{engine.RowsRelated}, ModifiedWithinDays: zero()}},
		Users: []string{uU, uO}}}, Publish: true}})
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Users: []engine.User{{ID: uO, Name: "O", BusinessUnit: buC, Roles: []string{role}, Enabled: true}}}})
	// Force a commit after the admin changes so they are noted, then load.
	w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: []codec.Record{{Entity: "contact", ID: id("9", 3), Attrs: map[string]any{"email": "z"}}}})
	for i, u := range []string{uU, uO} {
		d := &device{user: u, rows: View{}}
		syncDevice(t, w, d, now, fmt.Sprintf("user %d", i))
	}
	// One hit for the business-unit rule's rows, one for the contacts they
	// look up (kept beside them: engine/share.go).
	if hits != 2 {
		t.Fatalf("the second user's first load shared %d keys, want 2", hits)
	}
	w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: []codec.Record{{Entity: "account", ID: id("e", 3), Attrs: map[string]any{"name": "renamed"}}}})
	d := &device{user: uO, rows: View{}}
	syncDevice(t, w, d, now, "after a write")
	if hits != 2 {
		t.Fatalf("rows shared across a write to the entity (%d hits)", hits)
	}
	if d.rows["account"][id("e", 3)].Attrs["name"] != "renamed" {
		t.Fatal("the first load after the write does not carry it")
	}
}

// diffRows describes the rows that differ between two views.
func diffRows(a, b View) string {
	out := ""
	for e, rows := range a {
		for id, r := range rows {
			if w, ok := b[e][id]; ok && !reflect.DeepEqual(w, r) {
				out += fmt.Sprintf("\n  %s %s: device %+v\n  %s %s: view   %+v", e, id, r, e, id, w)
			}
		}
	}
	return out
}

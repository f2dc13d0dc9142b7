package reference

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestConvergenceGenerated runs the generated organization (genWorld):
// profiles with several relationships per entity, related chains four
// deep and cycles, filters and windows on related rules, column subsets
// that change on republish, and eight users sharing one business unit,
// team and profile. Writes repoint lookups, so rows join and leave
// chains; after every pull each device holds exactly its reference view,
// no answer names a row or id outside the old and new views, and users
// who share rows hold byte-identical images of them.
func TestConvergenceGenerated(t *testing.T) {
	runGenSync(t, "TestConvergenceGenerated", 3<<20, 1, false)
}

// TestConvergenceGeneratedAcrossDays is the generated organization with
// today() filters on every rule, related ones included, while the clock
// crosses days, sometimes many at once.
func TestConvergenceGeneratedAcrossDays(t *testing.T) {
	runGenSync(t, "TestConvergenceGeneratedAcrossDays", 4<<20, 1, true)
}

// TestNoLeakGeneratedChurn is the generated organization weighted towards
// access changes: business-unit moves (of one user or all the field users
// at once), teams, roles, disabled users, profile moves, republishes and
// app changes, where a related row left behind, or a row taken in through
// a chain the user may not follow, would leak.
func TestNoLeakGeneratedChurn(t *testing.T) {
	runGenSync(t, "TestNoLeakGeneratedChurn", 5<<20, 5, false)
}

// genDefaultRounds is runGenSync's rounds without
// OFFSYNC_CONVERGENCE_ROUNDS.
const genDefaultRounds = 10

// genStats counts what a generated run exercised.
var genStats genCounts

// genCounts is what the generated scenario went through.
type genCounts struct {
	pulls, contextDeltas, reloads, prunes, pushed, sameViewPairs, sharedRows int
	// sharedGroups counts pairs of users whose first loads shared a
	// group (the server's pages), computed apart.
	sharedGroups int
}

// runGenSync runs rounds of the generated scenario; churn multiplies the
// weight of access changes; days draws today() filters and moves the
// clock across days. name is the test to replay.
func runGenSync(t *testing.T, name string, seedOffset int64, churn int, days bool) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("OFFSYNC_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	rounds := genDefaultRounds
	if s := os.Getenv("OFFSYNC_CONVERGENCE_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	round := firstRound()
	t.Logf("seed %d, rounds %d to %d (replay: OFFSYNC_SEED=%d OFFSYNC_CONVERGENCE_FROM=%d OFFSYNC_CONVERGENCE_ROUNDS=%d go test -count=1 ./reference -run '^%s$' -v)", seed, round, rounds-1, seed, round, rounds, name)
	genStats = genCounts{}
	hits := 0
	defer func() {
		if t.Failed() {
			t.Logf("failed in seed %d round %d: replay with %s", seed, round, replay(name, seed, round))
		}
		t.Logf("%d pulls checked; access changes answered by %d deltas and %d reloads; %d prunes; %d pushed mutations applied; %d first loads shared rule rows; %d pairs of users with identical views, %d rows held by two users of one profile, %d pairs of first loads sharing a group",
			genStats.pulls, genStats.contextDeltas, genStats.reloads, genStats.prunes, genStats.pushed, hits, genStats.sameViewPairs, genStats.sharedRows, genStats.sharedGroups)
		if rounds-firstRound() >= 5 && !t.Failed() && (genStats.sameViewPairs == 0 || genStats.sharedRows == 0 || genStats.contextDeltas == 0 || (!days && genStats.sharedGroups == 0)) {
			t.Error("no two users shared a view or a group, or no access change was answered with a delta: those paths went untested")
		}
	}()
	for ; round < rounds; round++ {
		rng := rand.New(rand.NewSource(seed + seedOffset + int64(round)))
		w := newGenWorld(t, rng, days)
		w.cache = mapCache{rows: map[string][]codec.Row{}, hits: &hits}
		w.groups = mapGroups{}
		var devices []*device
		for _, u := range genAll {
			for _, a := range apps {
				devices = append(devices, &device{user: u, app: a, rows: View{}})
			}
		}
		clock := now
		for step := 0; step < 50; step++ {
			where := fmt.Sprintf("seed %d round %d step %d (replay: %s)", seed, round, step, replay(name, seed, round))
			genStep(t, w, rng, devices, &clock, churn, days, where)
		}
		where := fmt.Sprintf("seed %d round %d final (replay: %s)", seed, round, replay(name, seed, round))
		checkShared(t, w, devices, engine.DefaultAppID, clock, where)
		checkShared(t, w, devices, appB, clock, where)
	}
}

// genStep does one random thing: a pull, a check of what users share,
// writes, time passing, a prune, a republish, a push or an access change.
func genStep(t *testing.T, w world, rng *rand.Rand, devices []*device, clock *int64, churn int, days bool, where string) {
	t.Helper()
	switch op := rng.Intn(11 + churn); {
	case op < 4:
		d := pick(rng, devices)
		genSync(t, w, d, *clock, where)
		if rng.Intn(3) == 0 {
			*clock += int64(rng.Intn(5)) * day / 3
			genSync(t, w, d, *clock, where+" again")
		}
	case op == 4:
		checkShared(t, w, devices, pick(rng, apps), *clock, where)
	case op < 8:
		genWrite(w, rng, *clock)
	case op == 8 && days && rng.Intn(3) == 0:
		*clock += int64(2+rng.Intn(12))*day + rng.Int63n(day)
	case op == 8:
		*clock += int64(rng.Intn(4)) * day / 2
	case op == 9 && rng.Intn(3) == 0:
		if back := uint64(rng.Intn(20)); w.e.Applied() > back && w.e.Applied()-back > w.e.Horizon() {
			w.apply(&engine.Command{Kind: engine.KindPrune, Horizon: w.e.Applied() - back})
			genStats.prunes++
		}
	case op == 9 || op == 10:
		genRepublishProfile(w, rng)
	case rng.Intn(4) == 0:
		genPush(t, w, rng, *clock)
	case rng.Intn(5) == 0:
		b := engine.App{ID: appB, Name: "B", Entities: pick(rng, genApps)}
		// Dropping an entity B's profile has a rule for is refused.
		if _, err := w.e.Apply(w.e.Applied()+1, &engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Apps: []engine.App{b}}}); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
	default:
		genAccessChange(w, rng, *clock)
	}
}

// genSync is syncDevice, counted.
func genSync(t *testing.T, w world, d *device, clock int64, where string) {
	t.Helper()
	before := stats
	syncDevice(t, w, d, clock, where)
	genStats.pulls++
	genStats.contextDeltas += stats.contextDeltas - before.contextDeltas
	genStats.reloads += stats.reloads - before.reloads
}

// genWrite ingests a few upserts (whole or partial; partial ones mostly
// repoint lookups, moving rows into and out of chains) and deletes.
func genWrite(w world, rng *rand.Rand, clock int64) {
	var recs []codec.Record
	for i := 0; i < 1+rng.Intn(4); i++ {
		e := pick(rng, genEntities)
		rowID := genRowID(rng, e)
		if rng.Intn(7) == 0 {
			recs = append(recs, codec.Record{Op: codec.OpDelete, Entity: e, ID: rowID})
			continue
		}
		r, err := w.e.Get(e, rowID)
		live := err == nil && !r.Deleted && !written(recs, e, rowID)
		recs = append(recs, genRecord(rng, e, rowID, clock, !live || rng.Intn(3) == 0))
	}
	w.apply(&engine.Command{Kind: engine.KindIngest, Now: clock, Records: recs})
}

// written reports whether recs already write the row (a partial upsert
// after a delete in one batch would need an owner).
func written(recs []codec.Record, entity, rowID string) bool {
	for _, r := range recs {
		if r.Entity == entity && r.ID == rowID {
			return true
		}
	}
	return false
}

// genRepublishProfile redraws a profile's rules, or one rule's columns,
// filter, window or rows, and publishes (two times in three); or
// publishes the metadata again.
func genRepublishProfile(w world, rng *rand.Rand) {
	if rng.Intn(6) == 0 {
		sch := *w.e.Schema()
		sch.Entities = append([]engine.EntityDef(nil), sch.Entities...)
		sch.Entities[0].DisplayName = "Account " + strconv.Itoa(rng.Intn(1000))
		w.apply(&engine.Command{Kind: engine.KindSetSchemaDraft, Schema: &sch}, &engine.Command{Kind: engine.KindPublishSchema})
		return
	}
	ps, _ := w.e.Profiles()
	p := pick(rng, ps)
	app, err := w.e.App(p.AppID())
	if err != nil {
		w.t.Fatal(err)
	}
	if rng.Intn(3) == 0 || len(p.PublishedRules) == 0 {
		p.Rules = genRules(rng, app.Entities, w.days)
	} else {
		p.Rules = genRepublish(rng, p.PublishedRules, w.days)
	}
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Profiles: []engine.Profile{p}, Publish: rng.Intn(3) > 0}})
}

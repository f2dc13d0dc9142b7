package bench

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// TestFailoverConfigValidateNamesTheScaleFields checks the fields of a
// run at scale: each bad one is named, and a run without kills is valid.
func TestFailoverConfigValidateNamesTheScaleFields(t *testing.T) {
	c := DefaultFailoverConfig("offsync", t.TempDir())
	c.Kills, c.FollowerKills, c.LightDevices, c.Rows = 0, 0, 10, 100_000
	if err := c.Validate(); err != nil {
		t.Fatalf("a run without kills: %v", err)
	}
	for field, mutate := range map[string]func(*FailoverConfig){
		"Rows":          func(c *FailoverConfig) { c.Rows = 10 },
		"FollowerKills": func(c *FailoverConfig) { c.FollowerKills = -1 },
		"LightDevices":  func(c *FailoverConfig) { c.LightDevices = -1 },
		"SyncInterval":  func(c *FailoverConfig) { c.LightDevices, c.SyncInterval = 1, time.Millisecond },
		"PushEvery":     func(c *FailoverConfig) { c.LightDevices, c.PushEvery = 1, 0 },
		"FirstLoads":    func(c *FailoverConfig) { c.LightDevices, c.FirstLoads = 1, 0 },
	} {
		c := DefaultFailoverConfig("offsync", t.TempDir())
		mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), field+":") {
			t.Errorf("bad %s: got %v", field, err)
		}
	}
}

// TestHarnessFailoverConfigSplitsTheDevices: `--devices 1000` is a few Go
// devices and the rest light ones, on CRM-N of --rows, with the
// scenario's own options.
func TestHarnessFailoverConfigSplitsTheDevices(t *testing.T) {
	c := DefaultHarnessConfig(ScenarioFailover, "offsync", t.TempDir())
	c.Devices, c.Rows = 1000, 100_000
	c.Failover.NodeArgs = []string{"--raft-prevote=false"}
	fc := harnessFailoverConfig(c)
	if fc.Devices != DefaultFailoverDevices || fc.Devices+fc.LightDevices != 1000 {
		t.Errorf("devices %d Go + %d light, want %d Go of 1000", fc.Devices, fc.LightDevices, DefaultFailoverDevices)
	}
	if fc.Rows != 100_000 || fc.Kills != DefaultFailoverKills || fc.FollowerKills != DefaultFailoverFollowerKills || len(fc.NodeArgs) != 1 {
		t.Errorf("config %+v", fc)
	}
	if err := fc.Validate(); err != nil {
		t.Error(err)
	}
	c.Devices = 2
	if fc = harnessFailoverConfig(c); fc.Devices != 2 || fc.LightDevices != 0 {
		t.Errorf("2 devices: %d Go + %d light", fc.Devices, fc.LightDevices)
	}
}

// TestKillPlan checks, for every small plan, that it has the leader and
// follower kills asked for, and starts with a leader kill when there is
// one.
func TestKillPlan(t *testing.T) {
	for leaders := 0; leaders <= 7; leaders++ {
		for followers := 0; followers <= 7; followers++ {
			plan := killPlan(leaders, followers)
			l := 0
			for _, p := range plan {
				if p {
					l++
				}
			}
			if len(plan) != leaders+followers || l != leaders {
				t.Fatalf("killPlan(%d, %d) = %v", leaders, followers, plan)
			}
			if leaders > 0 && !plan[0] {
				t.Errorf("killPlan(%d, %d) = %v starts with a follower", leaders, followers, plan)
			}
		}
	}
	if got := killPlan(5, 2); !equalPlan(got, []bool{true, true, false, true, true, false, true}) {
		t.Errorf("killPlan(5, 2) = %v, want the followers spread", got)
	}
}

func equalPlan(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestKillStatsCountsTheSyncsAroundEachKill checks the window (syncs in
// flight during the KillSyncWindow after a kill, not those that ended
// before it or started after), the failures and the p99, against a
// direct count over random syncs (the seed is printed).
func TestKillStatsCountsTheSyncsAroundEachKill(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	kills := []foKill{{id: "n1", leader: true, at: t0.Add(10 * time.Second), failover: 0.8}, {id: "n2", at: t0.Add(30 * time.Second), lostAckedWrite: 1}}
	var syncs []foSync
	for i := 0; i < 2000; i++ {
		syncs = append(syncs, foSync{start: t0.Add(time.Duration(rng.Int63n(int64(40 * time.Second)))),
			dur: time.Duration(rng.Int63n(int64(3 * time.Second))), failed: rng.Intn(50) == 0})
	}
	// Edge cases: ends just before the kill, starts just after the window,
	// and one that spans the kill.
	syncs = append(syncs,
		foSync{start: t0.Add(9 * time.Second), dur: time.Second - time.Nanosecond, failed: true},
		foSync{start: t0.Add(15*time.Second + time.Nanosecond), dur: time.Second, failed: true},
		foSync{start: t0.Add(9 * time.Second), dur: 7 * time.Second})
	got := killStats(kills, syncs, KillSyncWindow)
	for i, k := range kills {
		var in []time.Duration
		failed := 0
		for _, s := range syncs {
			end := s.start.Add(s.dur)
			if !end.Before(k.at) && !s.start.After(k.at.Add(KillSyncWindow)) {
				in = append(in, s.dur)
				if s.failed {
					failed++
				}
			}
		}
		var s samples
		for _, d := range in {
			s.add(d, 0)
		}
		want := s.summarize(time.Second)
		g := got[i]
		if g.Syncs != len(in) || g.FailedSyncs != failed || g.SyncP99Ms != want.P99 || g.SyncMaxMs != want.Max {
			t.Errorf("kill %d: got %d syncs, %d failed, p99 %.1f, max %.1f; want %d, %d, %.1f, %.1f", i+1, g.Syncs, g.FailedSyncs, g.SyncP99Ms, g.SyncMaxMs, len(in), failed, want.P99, want.Max)
		}
		if g.Node != k.id || g.Leader != k.leader || g.FailoverSeconds != k.failover || g.LostAckedWrites != k.lostAckedWrite {
			t.Errorf("kill %d: %+v does not carry %+v", i+1, g, k)
		}
	}
	if got[0].SyncMaxMs < 7000 {
		t.Errorf("the sync spanning kill 1 is missing: max %.0f ms", got[0].SyncMaxMs)
	}
}

// TestKillAtAttributesToTheLastKillBefore checks which kill a write
// acknowledged at t belongs to.
func TestKillAtAttributesToTheLastKillBefore(t *testing.T) {
	t0 := time.Now()
	kills := []foKill{{at: t0}, {at: t0.Add(time.Second)}}
	for _, c := range []struct {
		at   time.Time
		want int
	}{{t0.Add(-time.Nanosecond), -1}, {t0, 0}, {t0.Add(999 * time.Millisecond), 0}, {t0.Add(time.Second), 1}, {t0.Add(time.Hour), 1}} {
		if got := killAt(kills, c.at); got != c.want {
			t.Errorf("killAt(%v) = %d, want %d", c.at.Sub(t0), got, c.want)
		}
	}
	if got := killAt(nil, t0); got != -1 {
		t.Errorf("no kills: %d", got)
	}
}

// TestWatchTellsFailoversFromFalseElections: a change from a killed
// leader is a failover, one from a leader that still runs, and was not
// killed since, is a false election; so is one back to a leader that
// was never killed.
func TestWatchTellsFailoversFromFalseElections(t *testing.T) {
	var w foWatch
	running := map[int]bool{0: true, 1: true, 2: true}
	runs := func(i int) bool { return running[i] }
	step := func(leader int, term uint64, wantFalse bool) {
		t.Helper()
		if _, bad := w.observe(leader, term, runs); bad != wantFalse {
			t.Fatalf("leader %d at term %d: false election %v, want %v", leader, term, bad, wantFalse)
		}
	}
	step(-1, 1, false) // no leader yet
	step(0, 2, false)  // the first leader
	step(0, 2, false)
	w.killed(0)
	running[0] = false
	step(-1, 2, false)
	step(1, 3, false) // failover from the killed n1
	running[0] = true
	step(1, 3, false)
	step(0, 4, true)  // n2 ran and was not killed: false
	w.killed(0)       // n1 killed and restarted at once...
	step(0, 5, false) // ...and leads again: a failover
	w.gap(80 * time.Millisecond)
	w.gap(30 * time.Millisecond)
	if changes, falses, elections, gap := w.stats(); changes != 3 || falses != 1 || elections != 4 || gap != 80*time.Millisecond {
		t.Errorf("stats: %d changes, %d false, %d elections, gap %v; want 3, 1, 4, 80ms", changes, falses, elections, gap)
	}
}

// TestFailoverTableShowsEachKill checks the table's kill lines.
func TestFailoverTableShowsEachKill(t *testing.T) {
	r := &HarnessResult{Scenario: ScenarioFailover, Metrics: map[string]float64{MetricFailoverSeconds: 1.2}}
	r.Failover = &FailoverResult{LeaderChanges: 2, FalseElections: 1, Elections: 3, Kills: []FailoverKill{
		{Node: "n1", Leader: true, FailoverSeconds: 1.23, Syncs: 400, SyncP99Ms: 950, FailedSyncs: 2, LostAckedWrites: 1},
		{Node: "n3", FailoverSeconds: 0.02, Syncs: 380, SyncP99Ms: 40}}}
	var b bytes.Buffer
	if err := WriteTable(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"2 leader changes, 1 false", "leader n1", "1.23", "950", "follower n3", "failed-syncs", "lost-acked-writes"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// TestLightSeedsAreApartFromTheOthers: no light device draws the same
// random stream (row ids) as a writer, a Go device or another light
// device of the same run; the first run at scale had a light device
// create a row a writer had already created, on seed 1.
func TestLightSeedsAreApartFromTheOthers(t *testing.T) {
	for _, seed := range []int64{1, 2, 7, 1 << 20} {
		taken := map[int64]string{}
		for n := int64(0); n < 64; n++ {
			taken[seed*7919+n] = "writer"
			taken[seed*104729+n] = "Go device"
		}
		for i := 0; i < 100_000; i++ {
			s := lightSeed(seed, i)
			if who, ok := taken[s]; ok {
				t.Fatalf("seed %d: light device %d draws from seed %d, as a %s", seed, i, s, who)
			}
			taken[s] = "light device"
		}
	}
}

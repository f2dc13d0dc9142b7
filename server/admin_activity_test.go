package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"pgregory.net/rapid"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func serveDevice(h http.HandlerFunc, token string) {
	req := httptest.NewRequest("POST", "/v1/sync/pull", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	h(httptest.NewRecorder(), req)
}

// TestActivityCountsDeviceTraffic: pulls, pushes and the bytes of device
// routes land in the minute they happened; devices count once per token
// and drop out a minute after their last sync; admin routes are not
// counted.
func TestActivityCountsDeviceTraffic(t *testing.T) {
	clk := &fakeClock{t: time.UnixMilli(1_700_000_000_000)}
	a := newActivity(clk.now)
	body := func(n int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(make([]byte, n)) }
	}
	pull := a.wrap("POST /v1/sync/pull", body(100))
	push := a.wrap("POST /v1/sync/push", body(10))
	admin := a.wrap("GET /v1/admin/users", body(1000))
	refused := a.wrap("POST /v1/sync/pull", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusUnauthorized, CodeUnauthorized, "no")
	})
	serveDevice(refused, "ofs_bad")
	refusal := a.snapshot().Totals.Bytes
	if refusal == 0 || a.snapshot().Totals.Pulls != 0 || a.snapshot().Devices != 0 {
		t.Fatalf("a refused pull: %+v, want its bytes only", a.snapshot())
	}
	serveDevice(pull, "ofs_a")
	serveDevice(pull, "ofs_a")
	serveDevice(pull, "ofs_b")
	serveDevice(push, "ofs_b")
	serveDevice(admin, "admin")
	got := a.snapshot()
	if want := (ActivityCounts{Pulls: 3, Pushes: 1, Bytes: 310 + refusal}); got.Devices != 2 || got.Totals != want || got.InFlight != 0 {
		t.Fatalf("after traffic: devices %d, totals %+v, in flight %d; want 2, %+v, 0", got.Devices, got.Totals, got.InFlight, want)
	}
	if n := len(got.Series); n != int(ActivityWindow/ActivityStep) {
		t.Fatalf("series has %d points, want %d", n, ActivityWindow/ActivityStep)
	}
	if last := got.Series[len(got.Series)-1]; last.ActivityCounts != got.Totals {
		t.Fatalf("last point %+v, want the minute's counts %+v", last.ActivityCounts, got.Totals)
	}
	// 30 s later the minute still holds them; 90 s later it does not,
	// and the devices are no longer syncing; the series keeps the past.
	clk.t = clk.t.Add(30 * time.Second)
	if got := a.snapshot(); got.Series[len(got.Series)-1].Pulls != 3 || got.Devices != 2 {
		t.Fatalf("30s later: %+v, devices %d", got.Series[len(got.Series)-1], got.Devices)
	}
	clk.t = clk.t.Add(60 * time.Second)
	got = a.snapshot()
	if last := got.Series[len(got.Series)-1]; last.Pulls != 0 || last.Bytes != 0 || got.Devices != 0 {
		t.Fatalf("90s later: last point %+v, devices %d; want empty", last, got.Devices)
	}
	peak := int64(0)
	for _, p := range got.Series {
		peak = max(peak, p.Pulls)
	}
	if peak != 3 || got.Totals.Pulls != 3 {
		t.Fatalf("90s later: the series' peak is %d pulls and totals %+v, want 3", peak, got.Totals)
	}
	// After a quiet hour, the ring holds nothing from before.
	clk.t = clk.t.Add(2 * time.Hour)
	for _, p := range a.snapshot().Series {
		if p.ActivityCounts != (ActivityCounts{}) {
			t.Fatalf("after a quiet spell, point %+v is not empty", p)
		}
	}
}

// TestActivityCountsOpenStreams: an event stream counts as a syncing
// device while it is open, however long ago it started.
func TestActivityCountsOpenStreams(t *testing.T) {
	clk := &fakeClock{t: time.UnixMilli(1_700_000_000_000)}
	a := newActivity(clk.now)
	release, started := make(chan struct{}), make(chan struct{})
	events := a.wrap("GET /v1/sync/events", func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		close(started)
		<-release
	})
	done := make(chan struct{})
	go func() { serveDevice(events, "ofs_c"); close(done) }()
	<-started
	clk.t = clk.t.Add(10 * time.Minute)
	if got := a.snapshot(); got.Streams != 1 || got.Devices != 1 {
		t.Fatalf("open stream: streams %d, devices %d; want 1, 1", got.Streams, got.Devices)
	}
	close(release)
	<-done
	if got := a.snapshot(); got.Streams != 0 || got.Devices != 0 {
		t.Fatalf("closed stream: streams %d, devices %d; want 0, 0", got.Streams, got.Devices)
	}
}

// TestActivityRouteNeedsTheAdminToken: GET /v1/admin/activity is an admin
// route answering the figures as JSON, which count the server's device
// routes.
func TestActivityRouteNeedsTheAdminToken(t *testing.T) {
	ts, _ := newTestServer(t)
	pull, err := http.Post(ts.URL+"/v1/sync/pull", "application/msgpack", nil)
	if err != nil {
		t.Fatal(err)
	}
	pull.Body.Close()
	resp, err := http.Get(ts.URL + "/v1/admin/activity")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a token: %d, want 401", resp.StatusCode)
	}
	resp, b := do(t, "GET", ts.URL+"/v1/admin/activity", nil, nil)
	var act Activity
	if resp.StatusCode != 200 || json.Unmarshal(b, &act) != nil || act.StepSeconds != 10 || len(act.Series) == 0 ||
		act.Totals.Bytes == 0 || act.Totals.Pulls != 0 {
		t.Fatalf("with the token: %d, totals %+v, %d points", resp.StatusCode, act.Totals, len(act.Series))
	}
}

// TestActivityMatchesModel: over random traffic and clock steps, the
// activity figures equal those computed from the list of every request:
// per-minute sums at each step, totals, and the devices seen in the last
// minute.
func TestActivityMatchesModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		type event struct {
			at      int64
			kind    string
			token   string
			bytes   int
			refused bool
		}
		start := rapid.Int64Range(1_600_000_000_000, 1_800_000_000_000).Draw(rt, "start")
		clk := &fakeClock{t: time.UnixMilli(start)}
		a := newActivity(clk.now)
		var events []event
		for range rapid.IntRange(1, 60).Draw(rt, "steps") {
			switch rapid.IntRange(0, 2).Draw(rt, "op") {
			case 0: // time passes: up to 20 minutes
				clk.t = clk.t.Add(time.Duration(rapid.Int64Range(0, 20*60_000).Draw(rt, "ms")) * time.Millisecond)
			case 1: // a device request
				ev := event{at: clk.t.UnixMilli(), kind: rapid.SampledFrom([]string{"pull", "push"}).Draw(rt, "kind"),
					token: rapid.SampledFrom([]string{"a", "b", "c"}).Draw(rt, "token"), bytes: rapid.IntRange(0, 5000).Draw(rt, "bytes"),
					refused: rapid.Bool().Draw(rt, "refused")}
				h := a.wrap(map[string]string{"pull": "POST /v1/sync/pull", "push": "POST /v1/sync/push"}[ev.kind], func(w http.ResponseWriter, r *http.Request) {
					if ev.refused {
						w.WriteHeader(http.StatusUnauthorized)
					}
					_, _ = w.Write(make([]byte, ev.bytes))
				})
				serveDevice(h, ev.token)
				events = append(events, ev)
			case 2: // the console asks
				got := a.snapshot()
				now := clk.t.UnixMilli()
				step := ActivityStep.Milliseconds()
				var totals ActivityCounts
				recent := map[string]bool{}
				for _, ev := range events {
					totals.Bytes += int64(ev.bytes)
					if ev.refused {
						continue
					}
					if ev.kind == "pull" {
						totals.Pulls++
					} else {
						totals.Pushes++
					}
					if now-ev.at <= activityRecent.Milliseconds() {
						recent[ev.token] = true
					}
				}
				if got.Totals != totals || got.Devices != len(recent) {
					rt.Fatalf("totals %+v devices %d, model %+v %d", got.Totals, got.Devices, totals, len(recent))
				}
				if len(got.Series) != int(ActivityWindow/ActivityStep) || got.Series[len(got.Series)-1].Time != (now/step+1)*step {
					rt.Fatalf("series of %d points ending %d, want %d ending %d", len(got.Series), got.Series[len(got.Series)-1].Time, ActivityWindow/ActivityStep, (now/step+1)*step)
				}
				for _, p := range got.Series {
					var want ActivityCounts
					for _, ev := range events {
						// the minute ending at p.Time: the 6 steps up to it
						if s := ev.at / step; s < p.Time/step && s >= p.Time/step-int64(activityRecent/ActivityStep) {
							want.Bytes += int64(ev.bytes)
							if !ev.refused && ev.kind == "pull" {
								want.Pulls++
							} else if !ev.refused {
								want.Pushes++
							}
						}
					}
					if p.ActivityCounts != want {
						rt.Fatalf("point at %d: %+v, model %+v", p.Time, p.ActivityCounts, want)
					}
				}
			}
		}
	})
}

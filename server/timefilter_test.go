package server

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestTimeRelativeFilterAcrossMidnight: on the demo data, a profile whose
// tasks are those with scheduledend <= today(+1) gives a device, once the
// clock passes midnight, the tasks that came due with no write to them
// (and drops none it should keep): after each pull the device holds the
// engine's view at the pull's time, and the estimate says the rule
// depends on time.
func TestTimeRelativeFilterAcrossMidnight(t *testing.T) {
	var clock atomic.Int64
	start := time.Date(2023, 11, 14, 20, 0, 0, 0, time.UTC) // the demo's "now" is 2023-11-14T22:13Z
	clock.Store(start.UnixMilli())
	ts, e := newDemoServerWith(t, func(c *Config) { c.Now = func() time.Time { return time.UnixMilli(clock.Load()) } })
	const app, prof = "44444444-2222-4333-8444-555555555555", "55555555-2222-4333-8444-555555555555"
	var tech engine.Profile
	getJSON(t, ts.URL+"/v1/admin/profiles/Field%20Technicians", &tech)
	user := tech.Users[0]
	for _, put := range []struct{ path, body string }{
		{"/v1/admin/apps/" + app, `{"name":"Due","entities":["task"]}`},
		{"/v1/admin/profiles/" + prof, fmt.Sprintf(`{"name":"Due soon","app":"Due","rules":[{"entity":"task","rows":["all"],"filter":"scheduledend <= today(+1)","modifiedWithinDays":0}],"users":[%q]}`, user)},
	} {
		if resp, b := do(t, "PUT", ts.URL+put.path, []byte(put.body), map[string]string{"Content-Type": "application/json"}); resp.StatusCode != 200 {
			t.Fatalf("PUT %s: %d %s", put.path, resp.StatusCode, b)
		}
	}
	if resp, b := do(t, "POST", ts.URL+"/v1/admin/profiles/Due%20soon/publish", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("publish: %d %s", resp.StatusCode, b)
	}
	var est Estimate
	if getJSON(t, ts.URL+"/v1/admin/profiles/Due%20soon/estimate?rules=published", &est) != 200 || len(est.Entities) != 1 || !est.Entities[0].DependsOnTime {
		t.Fatalf("the estimate does not say the rule depends on time: %+v", est)
	}
	var inc []OfflineEntity
	if getJSON(t, ts.URL+"/v1/admin/apps/Due/included?profile=Due%20soon", &inc) != 200 || len(inc) != 1 || inc[0].Rule == nil || !inc[0].Rule.DependsOnTime {
		t.Fatalf("see what's included does not say the rule depends on time: %+v", inc)
	}
	if getJSON(t, ts.URL+"/v1/admin/offline-entities?profile=Field%20Sales", &inc) != 200 || len(inc) != 4 || inc[0].Rule == nil || inc[0].Rule.DependsOnTime {
		t.Fatalf("Field Sales, included: %+v", inc)
	}
	token, _ := techToken(t, ts, "Due")
	held := map[string]bool{}
	cursor := ""
	pull := func(when string) (added int) {
		t.Helper()
		for {
			code, pr, _ := devicePullRaw(t, ts.URL, token, cursor, nil)
			if code != 200 {
				t.Fatalf("%s: pull %d", when, code)
			}
			if pr.Reset && cursor != "" {
				t.Fatalf("%s: a reload, want a delta", when)
			}
			for _, ec := range pr.Entities {
				for _, r := range ec.Rows {
					id, _ := codec.GUIDString(r[0].([]byte))
					if !held[id] {
						added++
					}
					held[id] = true
				}
				for _, r := range ec.Removals {
					id, _ := codec.GUIDString(r)
					delete(held, id)
				}
			}
			cursor = pr.Cursor
			if !pr.More {
				break
			}
		}
		want := appViewAt(t, e, user, app, clock.Load())["task"]
		if len(want) != len(held) {
			t.Fatalf("%s: the device holds %d tasks, the view at this time %d", when, len(held), len(want))
		}
		for id := range want {
			if !held[id] {
				t.Fatalf("%s: task %s is in the view, not on the device", when, id)
			}
		}
		return added
	}
	pull("first load")
	// The server registers the cursor's access context in the background
	// (contextqueue.go): let that write land before counting writes.
	wc, ok, err := openCursor(e.CursorKey(), user, app, cursor)
	if err != nil || !ok || wc.C == nil {
		t.Fatalf("open the cursor: %v %v", ok, err)
	}
	waitRegistered(t, e, wc.C.Context)
	applied := e.Applied()
	clock.Add(int64(6 * time.Hour)) // past midnight
	if added := pull("after midnight"); added == 0 {
		t.Fatal("no task came due past midnight: the test proves nothing")
	}
	clock.Add(int64(5 * 24 * time.Hour))
	pull("five days later")
	if e.Applied() != applied {
		t.Fatalf("something wrote meanwhile (%d -> %d): the rows must come with no write", applied, e.Applied())
	}
}

package server

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// techToken mints a token for a demo user who holds a profile in both
// apps (Field Sales in Sales, Field Technicians in Field Service); app,
// when set, is the only app the token syncs for.
func techToken(t *testing.T, ts *httptest.Server, app string) (token, user string) {
	t.Helper()
	var p engine.Profile
	if getJSON(t, ts.URL+"/v1/admin/profiles/Field%20Technicians", &p) != 200 || len(p.Users) == 0 {
		t.Fatal("no Field Technician")
	}
	body := []byte(`{}`)
	if app != "" {
		body = []byte(fmt.Sprintf(`{"app":%q}`, app))
	}
	resp, b := do(t, "POST", ts.URL+"/v1/admin/users/"+p.Users[0]+"/tokens", body, map[string]string{"Content-Type": "application/json"})
	var tr TokenResponse
	if resp.StatusCode != 200 || json.Unmarshal(b, &tr) != nil {
		t.Fatalf("token: %d %s", resp.StatusCode, b)
	}
	return tr.Token, p.Users[0]
}

// pullAll pulls from no cursor until the answer has no more pages and
// returns every id it upserted, by entity, and the last cursor.
func pullAll(t *testing.T, url, token string, hdr map[string]string) (map[string]map[string]bool, string) {
	t.Helper()
	ids := map[string]map[string]bool{}
	cursor := ""
	for range 1000 {
		code, pr, _ := devicePullRaw(t, url, token, cursor, hdr)
		if code != 200 {
			t.Fatalf("pull: %d", code)
		}
		for _, ec := range pr.Entities {
			if ids[ec.Entity] == nil {
				ids[ec.Entity] = map[string]bool{}
			}
			for _, r := range ec.Rows {
				id, _ := codec.GUIDString(r[0].([]byte))
				ids[ec.Entity][id] = true
			}
		}
		cursor = pr.Cursor
		if !pr.More {
			return ids, cursor
		}
	}
	t.Fatal("pull never ended")
	return nil, ""
}

// appView is the engine's view of user in app, by entity.
func appView(t *testing.T, e *engine.Engine, user, app string) map[string]map[string]bool {
	t.Helper()
	return appViewAt(t, e, user, app, time.UnixMilli(1_700_000_000_000).UnixMilli())
}

// appViewAt is appView at time now (unix ms).
func appViewAt(t *testing.T, e *engine.Engine, user, app string, now int64) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	_, err := e.View(user, app, now, func(vr engine.ViewRow) error {
		if out[vr.Rule.Entity] == nil {
			out[vr.Rule.Entity] = map[string]bool{}
		}
		out[vr.Rule.Entity][vr.Row.ID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameIDs(a, b map[string]map[string]bool) bool {
	for _, m := range []map[string]map[string]bool{a, b} {
		for e := range m {
			if len(a[e]) != len(b[e]) {
				return false
			}
			for id := range a[e] {
				if !b[e][id] {
					return false
				}
			}
		}
	}
	return true
}

// TestAppDevicesSyncTheirAppsView: a user in a profile of each demo app
// syncs one device per app; each holds exactly its app's view, by a token
// for that app or by naming the app, and the metadata lists only the
// app's entities. A token for one app cannot sync another.
func TestAppDevicesSyncTheirAppsView(t *testing.T) {
	ts, e := newDemoServer(t)
	fsTok, user := techToken(t, ts, "Field Service")
	anyTok, _ := techToken(t, ts, "")
	sales := appView(t, e, user, engine.DefaultAppID)
	field := appView(t, e, user, dataset.FieldServiceApp)
	if len(sales["opportunity"]) == 0 || len(field["task"]) == 0 || len(field["opportunity"]) != 0 {
		t.Fatalf("the fixture: sales %d opportunities, field service %d tasks", len(sales["opportunity"]), len(field["task"]))
	}
	got, fsCursor := pullAll(t, ts.URL, fsTok, nil)
	if !sameIDs(got, field) {
		t.Fatalf("the Field Service token's device holds %v, the app's view is %v", counts(got), counts(field))
	}
	if got, _ := pullAll(t, ts.URL, anyTok, map[string]string{AppHeader: "field service"}); !sameIDs(got, field) {
		t.Fatal("a device naming Field Service does not hold its view")
	}
	got, salesCursor := pullAll(t, ts.URL, anyTok, nil)
	if !sameIDs(got, sales) {
		t.Fatal("a device naming no app does not hold the default app's view")
	}
	// A token of one app asking for another is refused; a cursor of one
	// app presented for the other reloads the caller's view of its app.
	if code, _, _ := devicePullRaw(t, ts.URL, fsTok, "", map[string]string{AppHeader: "Sales"}); code != 403 {
		t.Fatalf("a Field Service token asking for Sales: %d, want 403", code)
	}
	if code, _, _ := devicePullRaw(t, ts.URL, anyTok, "", map[string]string{AppHeader: "No Such App"}); code != 404 {
		t.Fatalf("an unknown app: %d, want 404", code)
	}
	code, pr, _ := devicePullRaw(t, ts.URL, anyTok, fsCursor, nil)
	if code != 200 || !pr.Reset {
		t.Fatalf("a Field Service cursor on a Sales sync: %d reset=%v, want a reload", code, pr.Reset)
	}
	if code, pr, _ := devicePullRaw(t, ts.URL, anyTok, salesCursor, nil); code != 200 || pr.Reset {
		t.Fatalf("the Sales cursor: %d reset=%v, want a delta", code, pr.Reset)
	}
	// Metadata is the app's.
	resp, b := do(t, "GET", ts.URL+"/v1/sync/metadata", nil, map[string]string{"Authorization": "Bearer " + fsTok, "Accept": "application/json", "Accept-Encoding": "identity"})
	var md struct {
		Entities []struct {
			Name       string `json:"name"`
			Attributes []struct {
				Name    string   `json:"name"`
				Targets []string `json:"targets"`
			} `json:"attributes"`
		} `json:"entities"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &md) != nil {
		t.Fatalf("metadata: %d %s", resp.StatusCode, b)
	}
	var names []string
	for _, en := range md.Entities {
		names = append(names, en.Name)
		for _, a := range en.Attributes {
			for _, target := range a.Targets {
				if target != "account" && target != "task" {
					t.Fatalf("Field Service metadata: %s.%s names %s, outside the app's profile", en.Name, a.Name, target)
				}
			}
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"account", "task"}) {
		t.Fatalf("Field Service metadata lists %v", names)
	}
}

// TestAppPushIsScopedToTheApp: a push to an entity outside the device's
// app is refused like one outside the profile, and recorded with its app.
func TestAppPushIsScopedToTheApp(t *testing.T) {
	ts, e := newDemoServer(t)
	fsTok, user := techToken(t, ts, "Field Service")
	opp := ""
	for id := range appView(t, e, user, engine.DefaultAppID)["opportunity"] {
		opp = id
		break
	}
	body, _ := codec.Marshal(codec.PushRequest{Mutations: []codec.Mutation{{ID: "m1", Entity: "opportunity", RowID: opp, Op: "update", Attrs: map[string]any{"name": "x"}}}})
	resp, b := do(t, "POST", ts.URL+"/v1/sync/push", body, map[string]string{"Authorization": "Bearer " + fsTok, "Content-Type": "application/msgpack", "Accept": "application/json", "Accept-Encoding": "identity"})
	var pr codec.PushResponse
	if resp.StatusCode != 200 || json.Unmarshal(b, &pr) != nil || len(pr.Results) != 1 || pr.Results[0].Applied || pr.Results[0].Code != engine.CodeForbidden {
		t.Fatalf("a Field Service push to an opportunity: %d %s", resp.StatusCode, b)
	}
	var page SyncErrorPage
	if getJSON(t, ts.URL+"/v1/admin/sync-errors?app=Field%20Service", &page) != 200 || len(page.Items) != 1 || page.Items[0].App != dataset.FieldServiceApp {
		t.Fatalf("the sync error of app Field Service: %+v", page)
	}
	if getJSON(t, ts.URL+"/v1/admin/sync-errors?app=Sales", &page) != 200 || len(page.Items) != 0 {
		t.Fatalf("sync errors of app Sales: %+v", page)
	}
}

// TestAppAdmin: apps are listed (the default app is Sales in the demo),
// read by name, created, and checked: unique names, only the app's
// entities in its profiles' rules (a 400 naming the entity), a user in
// one profile per app, no app deleted while it has profiles, and "see
// what's included" per app.
func TestAppAdmin(t *testing.T) {
	ts, _ := newDemoServer(t)
	var apps []engine.App
	if getJSON(t, ts.URL+"/v1/admin/apps", &apps) != 200 || len(apps) != 2 || apps[0].Name != "Sales" || apps[0].ID != engine.DefaultAppID {
		t.Fatalf("apps: %+v", apps)
	}
	var inc []OfflineEntity
	if getJSON(t, ts.URL+"/v1/admin/apps/field%20service/included", &inc) != 200 || len(inc) != 2 || inc[0].Name != "account" || len(inc[0].Relationships) != 0 ||
		inc[1].Name != "task" || len(inc[1].Relationships) != 1 || !slices.Equal(inc[1].Relationships[0].Targets, []string{"account"}) {
		t.Fatalf("Field Service includes %+v", inc)
	}
	put := func(path, body string) (int, ErrorBody) {
		resp, b := do(t, "PUT", ts.URL+path, []byte(body), map[string]string{"Content-Type": "application/json"})
		var eb ErrorBody
		_ = json.Unmarshal(b, &eb)
		return resp.StatusCode, eb
	}
	const inspections = "11111111-2222-4333-8444-555555555555"
	if code, eb := put("/v1/admin/apps/"+inspections, `{"name":"FIELD SERVICE","entities":["task"]}`); code != 409 {
		t.Fatalf("a second app named Field Service: %d %+v", code, eb)
	}
	if code, eb := put("/v1/admin/apps/"+inspections, `{"name":"Inspections","entities":["task","account"]}`); code != 200 {
		t.Fatalf("create Inspections: %d %+v", code, eb)
	}
	const prof = "22222222-2222-4333-8444-555555555555"
	if code, eb := put("/v1/admin/profiles/"+prof, `{"name":"Inspectors","app":"Inspections","rules":[{"entity":"opportunity","rows":["user"]}]}`); code != 400 || !strings.Contains(eb.Message, "opportunity") {
		t.Fatalf("a rule outside the app: %d %+v", code, eb)
	}
	var tech engine.Profile
	getJSON(t, ts.URL+"/v1/admin/profiles/Field%20Technicians", &tech)
	body := fmt.Sprintf(`{"name":"Inspectors","app":"Inspections","rules":[{"entity":"task","rows":["user"]}],"users":[%q]}`, tech.Users[0])
	if code, eb := put("/v1/admin/profiles/"+prof, body); code != 200 {
		t.Fatalf("a profile of Inspections with a technician (another app): %d %+v", code, eb)
	}
	var got engine.Profile
	if getJSON(t, ts.URL+"/v1/admin/profiles/Inspectors", &got) != 200 || got.App != inspections {
		t.Fatalf("the profile's app: %+v", got)
	}
	// Within one app, a second profile is a conflict unless moved.
	const prof2 = "33333333-2222-4333-8444-555555555555"
	body = fmt.Sprintf(`{"name":"Inspectors 2","app":%q,"rules":[{"entity":"task","rows":["user"]}],"users":[%q]}`, inspections, tech.Users[0])
	if code, eb := put("/v1/admin/profiles/"+prof2, body); code != 409 {
		t.Fatalf("a second profile of the same app: %d %+v", code, eb)
	}
	if code, eb := put("/v1/admin/apps/"+inspections, `{"name":"Inspections","entities":["account"]}`); code != 409 || !strings.Contains(eb.Message, "Inspectors") {
		t.Fatalf("dropping an entity a profile uses: %d %+v", code, eb)
	}
	if resp, b := do(t, "DELETE", ts.URL+"/v1/admin/apps/Inspections", nil, nil); resp.StatusCode != 409 {
		t.Fatalf("deleting an app with a profile: %d %s", resp.StatusCode, b)
	}
	if resp, b := do(t, "DELETE", ts.URL+"/v1/admin/apps/Sales", nil, nil); resp.StatusCode != 409 {
		t.Fatalf("deleting the default app: %d %s", resp.StatusCode, b)
	}
	if resp, b := do(t, "DELETE", ts.URL+"/v1/admin/profiles/Inspectors", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("delete the profile: %d %s", resp.StatusCode, b)
	}
	if resp, b := do(t, "DELETE", ts.URL+"/v1/admin/apps/Inspections", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("delete the app: %d %s", resp.StatusCode, b)
	}
	if code := getJSON(t, ts.URL+"/v1/admin/apps/Inspections", &apps); code != 404 {
		t.Fatalf("a deleted app: %d", code)
	}
}

// counts summarizes ids by entity as row counts.
func counts(ids map[string]map[string]bool) map[string]int {
	out := map[string]int{}
	for e, m := range ids {
		out[e] = len(m)
	}
	return out
}

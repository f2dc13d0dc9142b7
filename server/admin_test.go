package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// newDemoServer serves a fresh engine loaded with the demo dataset.
func newDemoServer(t testing.TB) (*httptest.Server, *engine.Engine) {
	t.Helper()
	return newDemoServerWith(t, nil)
}

// newDemoServerWith is newDemoServer with a config hook.
func newDemoServerWith(t testing.TB, tune func(*Config)) (*httptest.Server, *engine.Engine) {
	t.Helper()
	ecfg := engine.DefaultConfig(t.TempDir())
	ecfg.MemTableSize, ecfg.BlockCacheSize = 16<<20, 1<<20
	e, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	c, _ := dataset.ConfigFor(dataset.SizeDemo)
	c.Now = time.UnixMilli(1_700_000_000_000)
	if _, err := dataset.Load(context.Background(), directWriter{e}, c, 1000, nil); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(testToken)
	cfg.Now = func() time.Time { return c.Now }
	if tune != nil {
		tune(&cfg)
	}
	s, err := New(cfg, directWriter{e}, e, alwaysReady(true))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, e
}

func getJSON(t testing.TB, url string, out any) int {
	t.Helper()
	resp, b := do(t, "GET", url, nil, nil)
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
	}
	return resp.StatusCode
}

func TestAdminUsersAndTokens(t *testing.T) {
	ts, e := newDemoServer(t)
	var users []engine.User
	if getJSON(t, ts.URL+"/v1/admin/users", &users) != 200 || len(users) == 0 || users[0].ID == "" {
		t.Fatalf("users: %v", users)
	}
	resp, b := do(t, "POST", ts.URL+"/v1/admin/users/"+users[0].ID+"/tokens", []byte(`{"name":"phone"}`), nil)
	var tr TokenResponse
	if resp.StatusCode != 200 || json.Unmarshal(b, &tr) != nil || !strings.HasPrefix(tr.Token, TokenPrefix) {
		t.Fatalf("mint token: %d %s", resp.StatusCode, b)
	}
	if tok, err := e.Authenticate(tr.Token); err != nil || tok.UserID != users[0].ID {
		t.Fatalf("minted token does not authenticate: %v", err)
	}
	resp, b = do(t, "GET", ts.URL+"/v1/admin/tokens", nil, nil)
	if resp.StatusCode != 200 || strings.Contains(string(b), tr.Token) || !strings.Contains(string(b), tr.ID) {
		t.Fatalf("token list (must not show the secret): %s", b)
	}
	if resp, b = do(t, "DELETE", ts.URL+"/v1/admin/tokens/"+tr.ID, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, b)
	}
	if _, err := e.Authenticate(tr.Token); err == nil {
		t.Fatal("revoked token still authenticates")
	}
	resp, _ = do(t, "POST", ts.URL+"/v1/admin/users/"+strings.Repeat("0", 8)+"-0000-4000-8000-000000000000/tokens", nil, nil)
	if resp.StatusCode != 400 {
		t.Fatalf("token for an unknown user: %d", resp.StatusCode)
	}
}

func TestAdminProfileMembershipConflictAndMove(t *testing.T) {
	ts, _ := newDemoServer(t)
	var profiles []engine.Profile
	getJSON(t, ts.URL+"/v1/admin/profiles", &profiles)
	if len(profiles) != 3 {
		t.Fatalf("demo profiles: %d", len(profiles))
	}
	var sales, managers engine.Profile
	for _, p := range profiles {
		switch p.Name {
		case dataset.ProfileFieldSales:
			sales = p
		case dataset.ProfileManagers:
			managers = p
		}
	}
	u := sales.Users[0]
	body := []byte(fmt.Sprintf(`{"users":[%q]}`, u))
	resp, b := do(t, "POST", ts.URL+"/v1/admin/profiles/Managers/members", body, nil)
	var eb ErrorBody
	if resp.StatusCode != 409 || json.Unmarshal(b, &eb) != nil || eb.Code != CodeConflict {
		t.Fatalf("adding a Field Sales user to Managers: %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, "POST", ts.URL+"/v1/admin/profiles/"+managers.ID+"/members", []byte(fmt.Sprintf(`{"users":[%q],"move":true}`, u)), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("move: %d %s", resp.StatusCode, b)
	}
	var got engine.Profile
	getJSON(t, ts.URL+"/v1/admin/profiles/Managers", &got)
	found := false
	for _, m := range got.Users {
		found = found || m == u
	}
	if !found {
		t.Fatal("moved user is not in Managers")
	}
}

func TestAdminProfileValidationNamesTheField(t *testing.T) {
	ts, _ := newDemoServer(t)
	body := `{"name":"Bad","rules":[{"entity":"account","rows":["user"],"syncIntervalMinutes":2}]}`
	resp, b := do(t, "PUT", ts.URL+"/v1/admin/profiles/f0000000-0000-4000-8000-000000000009", []byte(body), nil)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "syncIntervalMinutes") {
		t.Fatalf("bad interval: %d %s", resp.StatusCode, b)
	}
	body = `{"name":"Bad","rules":[{"entity":"account","rows":["user"],"filter":"revenue > 'lots'"}]}`
	resp, b = do(t, "PUT", ts.URL+"/v1/admin/profiles/f0000000-0000-4000-8000-000000000009", []byte(body), nil)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "rules[0].filter") || !strings.Contains(string(b), "position") {
		t.Fatalf("bad filter: %d %s", resp.StatusCode, b)
	}
}

func TestAdminEstimateAndIncluded(t *testing.T) {
	ts, _ := newDemoServer(t)
	var est Estimate
	if code := getJSON(t, ts.URL+"/v1/admin/profiles/Field%20Sales/estimate", &est); code != 200 {
		t.Fatalf("estimate: %d", code)
	}
	if est.Members == 0 || len(est.Users) == 0 || len(est.Entities) != 4 || est.Total.Rows == 0 || est.Total.Bytes == 0 || est.Total.Bytes > est.Total.Rows*2000 {
		t.Fatalf("estimate = %+v", est)
	}
	var one Estimate
	getJSON(t, ts.URL+"/v1/admin/profiles/Field%20Sales/estimate?user="+est.Users[0], &one)
	if len(one.Users) != 1 || one.Users[0] != est.Users[0] {
		t.Fatalf("estimate for one user: %+v", one)
	}
	var inc []OfflineEntity
	getJSON(t, ts.URL+"/v1/admin/offline-entities", &inc)
	if len(inc) != 4 {
		t.Fatalf("offline entities: %+v", inc)
	}
	for _, oe := range inc {
		if oe.Name == "task" && (len(oe.Relationships) != 1 || len(oe.Relationships[0].Targets) != 2) {
			t.Fatalf("task relationships: %+v", oe)
		}
	}
	if resp, _ := do(t, "GET", ts.URL+"/v1/admin/profiles/nope/estimate", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown profile: %d", resp.StatusCode)
	}
}

func TestAdminOrgObjectsRoundTripAndDelete(t *testing.T) {
	ts, _ := newDemoServer(t)
	var bus []engine.BusinessUnit
	getJSON(t, ts.URL+"/v1/admin/businessunits", &bus)
	root := ""
	for _, b := range bus {
		if b.Parent == "" {
			root = b.ID
		}
	}
	const newBU = "b1000000-0000-4000-8000-000000000001"
	resp, b := do(t, "PUT", ts.URL+"/v1/admin/businessunits/"+newBU, []byte(fmt.Sprintf(`{"name":"Lab","parent":%q}`, root)), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("put bu: %d %s", resp.StatusCode, b)
	}
	var got engine.BusinessUnit
	if getJSON(t, ts.URL+"/v1/admin/businessunits/"+newBU, &got) != 200 || got.Name != "Lab" || got.Parent != root {
		t.Fatalf("get bu: %+v", got)
	}
	if resp, b = do(t, "DELETE", ts.URL+"/v1/admin/businessunits/"+root, nil, nil); resp.StatusCode != 409 {
		t.Fatalf("deleting the root in use: %d %s", resp.StatusCode, b)
	}
	if resp, b = do(t, "DELETE", ts.URL+"/v1/admin/businessunits/"+newBU, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	if getJSON(t, ts.URL+"/v1/admin/businessunits/"+newBU, &got) != 404 {
		t.Fatal("deleted unit still there")
	}
}

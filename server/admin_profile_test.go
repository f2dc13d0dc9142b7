package server

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/offsync/offsync/engine"
)

// legacyProfiles is a Reader whose store also holds profiles written
// before names were unique (the engine no longer accepts them).
type legacyProfiles struct {
	*engine.Engine
	extra []engine.Profile
}

func (l legacyProfiles) Profiles() ([]engine.Profile, error) {
	ps, err := l.Engine.Profiles()
	return append(ps, l.extra...), err
}

// TestAdminProfileLookupIsUnambiguous: a name matches ignoring case; a
// GUID is only ever an id, even when a (legacy) profile is named like
// another's id; a name two profiles share is a 409 asking for the id,
// and publish, delete and members act on no profile then.
func TestAdminProfileLookupIsUnambiguous(t *testing.T) {
	ts, e := newDemoServer(t)
	var profiles []engine.Profile
	getJSON(t, ts.URL+"/v1/admin/profiles", &profiles)
	sales, managers := profiles[0], profiles[1]
	if sales.Name == "Managers" {
		sales, managers = managers, sales
	}
	var got engine.Profile
	if code := getJSON(t, ts.URL+"/v1/admin/profiles/MANAGERS", &got); code != 200 || got.ID != managers.ID {
		t.Fatalf("by name in capitals: %d %+v", code, got.ID)
	}
	// Writing a clashing or GUID name is refused.
	resp, b := do(t, "PUT", ts.URL+"/v1/admin/profiles/f0000000-0000-4000-8000-0000000000ff", []byte(`{"name":"managers","rules":[]}`), nil)
	if resp.StatusCode != 409 || !strings.Contains(string(b), managers.ID) {
		t.Fatalf("a clashing name: %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, "PUT", ts.URL+"/v1/admin/profiles/f0000000-0000-4000-8000-0000000000ff", []byte(`{"name":"`+sales.ID+`","rules":[]}`), nil)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "name") {
		t.Fatalf("a GUID name: %d %s", resp.StatusCode, b)
	}

	// Legacy state: a profile named like Field Sales' id, and one that
	// shares Managers' name.
	cfg := DefaultConfig(testToken)
	shadow := engine.Profile{ID: "f0000000-0000-4000-8000-0000000000aa", Name: sales.ID}
	twin := engine.Profile{ID: "f0000000-0000-4000-8000-0000000000bb", Name: "managers"}
	s, err := New(cfg, directWriter{e}, legacyProfiles{e, []engine.Profile{shadow, twin}}, alwaysReady(true))
	if err != nil {
		t.Fatal(err)
	}
	legacy := httptest.NewServer(s.Handler())
	t.Cleanup(legacy.Close)
	if code := getJSON(t, legacy.URL+"/v1/admin/profiles/"+sales.ID, &got); code != 200 || got.ID != sales.ID {
		t.Fatalf("an id that is also a legacy name: %d %s", code, got.ID)
	}
	before := e.Applied()
	for _, req := range []struct{ method, path, body string }{
		{"GET", "/v1/admin/profiles/Managers", ""},
		{"POST", "/v1/admin/profiles/Managers/publish", ""},
		{"DELETE", "/v1/admin/profiles/Managers", ""},
		{"POST", "/v1/admin/profiles/Managers/members", `{"users":[]}`},
	} {
		resp, b := do(t, req.method, legacy.URL+req.path, []byte(req.body), nil)
		var eb ErrorBody
		if resp.StatusCode != 409 || json.Unmarshal(b, &eb) != nil || eb.Code != CodeConflict || !strings.Contains(eb.Message, twin.ID) || !strings.Contains(eb.Message, "id") {
			t.Fatalf("%s %s with an ambiguous name: %d %s", req.method, req.path, resp.StatusCode, b)
		}
	}
	if e.Applied() != before {
		t.Fatal("a command was applied for an ambiguous name")
	}
}

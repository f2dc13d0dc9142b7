package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// abuseRoute is one route of the server, with a body it accepts.
type abuseRoute struct {
	method, path string
	device       bool   // a device route (else admin or ingest)
	ct           string // the body's Content-Type; "" when it reads none
	valid        []byte
}

func (r abuseRoute) String() string { return r.method + " " + r.path }

// routes lists every authenticated route of Server.routes, with real ids
// in their paths.
func (env *abuseEnv) routes(t *testing.T) []abuseRoute {
	t.Helper()
	var org struct {
		bu   []engine.BusinessUnit
		team []engine.Team
		role []engine.Role
	}
	getJSON(t, env.ts.URL+"/v1/admin/businessunits", &org.bu)
	getJSON(t, env.ts.URL+"/v1/admin/teams", &org.team)
	getJSON(t, env.ts.URL+"/v1/admin/roles", &org.role)
	var user engine.User
	var settings engine.Settings
	getJSON(t, env.ts.URL+"/v1/admin/users/"+env.user, &user)
	getJSON(t, env.ts.URL+"/v1/admin/settings", &settings)
	js := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const task = "7a5c0000-0000-4000-8000-0000000000ab"
	pull, _ := codec.Marshal(codec.PullRequest{})
	cmd, _ := codec.Marshal(&engine.Command{Kind: engine.KindSetSettings, Settings: &settings})
	J, M := "application/json", "application/msgpack"
	return []abuseRoute{
		{"GET", "/metrics", false, "", nil},
		{"POST", "/v1/records", false, J, []byte(fmt.Sprintf(`{"records":[{"entity":"task","id":%q,"ownerid":%q,"attributes":{"subject":"x"}}]}`, task, env.user))},
		{"GET", "/v1/records/account/" + env.hiddenAccount, false, "", nil},
		{"GET", "/v1/admin/schema", false, "", nil},
		{"GET", "/v1/admin/schema/draft", false, "", nil},
		{"PUT", "/v1/admin/schema/draft", false, J, js(map[string]any{"entities": env.e.Schema().Entities})},
		{"POST", "/v1/admin/schema/publish", false, "", nil},
		{"GET", "/v1/admin/businessunits", false, "", nil},
		{"GET", "/v1/admin/teams", false, "", nil},
		{"GET", "/v1/admin/users", false, "", nil},
		{"GET", "/v1/admin/roles", false, "", nil},
		{"GET", "/v1/admin/profiles", false, "", nil},
		{"GET", "/v1/admin/businessunits/" + org.bu[0].ID, false, "", nil},
		{"GET", "/v1/admin/teams/" + org.team[0].ID, false, "", nil},
		{"GET", "/v1/admin/users/" + env.user, false, "", nil},
		{"GET", "/v1/admin/roles/" + org.role[0].ID, false, "", nil},
		{"GET", "/v1/admin/profiles/" + env.profileID, false, "", nil},
		{"PUT", "/v1/admin/businessunits/" + org.bu[0].ID, false, J, js(org.bu[0])},
		{"PUT", "/v1/admin/teams/" + org.team[0].ID, false, J, js(org.team[0])},
		{"PUT", "/v1/admin/users/" + env.user, false, J, js(user)},
		{"PUT", "/v1/admin/roles/" + org.role[0].ID, false, J, js(org.role[0])},
		{"PUT", "/v1/admin/profiles/" + env.profileID, false, J, []byte(`{"name":"Field Sales"}`)},
		{"POST", "/v1/admin/org", false, J, js(map[string]any{"users": []engine.User{user}})},
		{"DELETE", "/v1/admin/users/" + env.otherUser, false, "", nil},
		{"DELETE", "/v1/admin/teams/" + org.team[0].ID, false, "", nil},
		{"DELETE", "/v1/admin/businessunits/" + org.bu[0].ID, false, "", nil},
		{"DELETE", "/v1/admin/roles/" + org.role[0].ID, false, "", nil},
		{"DELETE", "/v1/admin/profiles/" + env.profileID, false, "", nil},
		{"POST", "/v1/admin/profiles/" + env.profileID + "/publish", false, "", nil},
		{"POST", "/v1/admin/profiles/" + env.profileID + "/members", false, J, js(MembersRequest{Users: []string{env.hiddenUser}, Move: true})},
		{"DELETE", "/v1/admin/profiles/" + env.profileID + "/members", false, J, js(MembersRequest{Users: []string{env.user}})},
		{"GET", "/v1/admin/profiles/" + env.profileID + "/estimate", false, "", nil},
		{"GET", "/v1/admin/offline-entities", false, "", nil},
		{"GET", "/v1/admin/apps", false, "", nil},
		{"GET", "/v1/admin/apps/Sales", false, "", nil},
		{"PUT", "/v1/admin/apps/" + engine.DefaultAppID, false, J, []byte(`{"name":"Stolen","entities":["account"]}`)},
		{"DELETE", "/v1/admin/apps/Sales", false, "", nil},
		{"GET", "/v1/admin/apps/Sales/included", false, "", nil},
		{"GET", "/v1/admin/settings", false, "", nil},
		{"PUT", "/v1/admin/settings", false, J, js(settings)},
		{"GET", "/v1/admin/sync-errors", false, "", nil},
		{"GET", "/v1/admin/sync-errors/x", false, "", nil},
		{"DELETE", "/v1/admin/sync-errors/x", false, "", nil},
		{"POST", "/v1/admin/sync-errors/x/reapply", false, "", nil},
		{"POST", "/v1/admin/users/" + env.user + "/tokens", false, J, []byte(`{"name":"stolen"}`)},
		{"GET", "/v1/admin/users/" + env.user + "/tokens", false, "", nil},
		{"GET", "/v1/admin/tokens", false, "", nil},
		{"DELETE", "/v1/admin/tokens/" + env.tokenID, false, "", nil},
		{"GET", "/v1/admin/activity", false, "", nil},
		{"POST", "/v1/admin/admin-tokens", false, J, []byte(`{"name":"stolen"}`)},
		{"GET", "/v1/admin/admin-tokens", false, "", nil},
		{"DELETE", "/v1/admin/admin-tokens/" + env.adminTokenID, false, "", nil},
		{"POST", "/v1/cluster/propose", false, M, cmd},
		{"POST", "/v1/cluster/join", false, J, []byte(`{"id":"n9","raftAddr":"127.0.0.1:1"}`)},
		{"GET", "/v1/cluster/status", false, "", nil},
		{"GET", "/v1/admin/cluster", false, "", nil},
		{"GET", "/v1/admin/backup", false, "", nil},
		{"POST", "/v1/admin/cluster/members", false, J, []byte(`{"id":"n9","raftAddr":"127.0.0.1:1"}`)},
		{"POST", "/v1/admin/cluster/members/n1/promote", false, "", nil},
		{"POST", "/v1/admin/cluster/members/n1/demote", false, "", nil},
		{"DELETE", "/v1/admin/cluster/members/n1", false, "", nil},
		{"POST", "/v1/admin/cluster/leader", false, J, []byte(`{"to":"n9"}`)},
		{"POST", "/v1/sync/pull", true, M, pull},
		{"GET", "/v1/sync/pull", true, "", nil},
		{"GET", "/v1/sync/metadata", true, "", nil},
		{"GET", "/v1/sync/pages/" + strings.Repeat("ab", 16), true, "", nil},
		{"GET", "/v1/sync/events", true, "", nil},
		{"POST", "/v1/sync/push", true, J, []byte(fmt.Sprintf(`{"mutations":[{"id":"m1","entity":"task","rowId":%q,"op":"create","attributes":{"subject":"x"}}]}`, task))},
	}
}

// TestAbuseTokens: every route refuses missing, malformed, unknown and
// revoked tokens, device tokens on admin routes and the admin token on
// device routes, with 401 and nothing written.
func TestAbuseTokens(t *testing.T) {
	env := newAbuseEnv(t)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+testToken))
	common := []struct{ name, auth string }{
		{"no token", ""},
		{"empty bearer", "Bearer "},
		{"garbage", "Bearer garbage"},
		{"unknown device token", "Bearer ofs_" + strings.Repeat("A", 43)},
		{"huge token", "Bearer ofs_" + strings.Repeat("A", 16<<10)},
		{"revoked device token", bearer(env.revoked)},
		{"admin token as basic auth", basic},
		{"admin token with a suffix", bearer(testToken + "x")},
		{"admin token cut short", bearer(testToken[:len(testToken)-1])},
		{"revoked named admin token", bearer(env.revokedAdmin)},
	}
	for _, rt := range env.routes(t) {
		cases := append(common[:len(common):len(common)], struct{ name, auth string }{"device token", bearer(env.token)})
		if rt.device {
			cases[len(cases)-1] = struct{ name, auth string }{"admin token", bearer(testToken)}
			cases = append(cases, struct{ name, auth string }{"named admin token", bearer(env.adminToken)})
		}
		for _, tc := range cases {
			t.Run(rt.String()+"/"+tc.name, func(t *testing.T) {
				hdr := map[string]string{}
				if rt.ct != "" {
					hdr["Content-Type"] = rt.ct
				}
				env.check(t, abuseReq{method: rt.method, path: rt.path, body: rt.valid, hdr: hdr, auth: tc.auth}, http.StatusUnauthorized, CodeUnauthorized)
			})
		}
	}
}

// TestAbuseCoversEveryRoute: every route the server registers is in the
// abuse catalog (routes), or public on purpose.
func TestAbuseCoversEveryRoute(t *testing.T) {
	env := newAbuseEnv(t)
	public := map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /version": true, "GET /console/": true}
	files, _ := filepath.Glob("*.go")
	handle := regexp.MustCompile(`s\.handle\("([A-Z]+) ([^"]+)"`)
	wildcard := regexp.MustCompile(`\{[a-z]+\}`)
	catalog := env.routes(t)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range handle.FindAllStringSubmatch(string(src), -1) {
			method, pattern := m[1], m[2]
			if public[method+" "+pattern] || strings.HasSuffix(pattern, "/") { // "DELETE /v1/admin/"+kind+"s/{id}": listed by kind
				continue
			}
			n++
			quoted := regexp.QuoteMeta(wildcard.ReplaceAllString(pattern, "\x00"))
			re := regexp.MustCompile("^" + strings.ReplaceAll(quoted, "\x00", "[^/]+") + `(\?.*)?$`)
			found := false
			for _, rt := range catalog {
				found = found || rt.method == method && re.MatchString(rt.path)
			}
			if !found {
				t.Errorf("%s: route %s %s is not in the abuse catalog", f, method, pattern)
			}
		}
	}
	if n < 50 {
		t.Fatalf("found only %d routes in the sources", n)
	}
}

package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAbuseParams: ids, query parameters, methods and paths that name
// nothing, or nothing well formed, get a 4xx {code, message} (the status
// given, or any 4xx when 0) and write nothing.
func TestAbuseParams(t *testing.T) {
	env := newAbuseEnv(t)
	const nobody = "0ddba11d-0000-4000-8000-0000000000ff"
	admin, device := bearer(testToken), bearer(env.token)
	type param struct {
		method, path, auth string
		want               int
	}
	cases := []param{
		{"GET", "/v1/sync/pull?cursor=" + url.QueryEscape("!!not-a-cursor"), device, 400},
		{"GET", "/v1/sync/pull?cursor=" + strings.Repeat("A", 1025), device, 400},
		{"GET", "/v1/sync/pull?minVersion=abc", device, 400},
		{"GET", "/v1/sync/pull?minVersion=-1", device, 400},
		{"PATCH", "/v1/sync/push", device, 0},
		{"PUT", "/v1/sync/pull", device, 0},
		{"DELETE", "/v1/sync/events", device, 0},
		{"GET", "/v1/sync/nope", device, 404},
		{"GET", "/v1/sync/pages/" + strings.Repeat("0", 32), device, 410},
		{"GET", "/v1/sync/pages/" + url.PathEscape("../pull"), device, 410},
		{"GET", "/v1/sync/pages/" + strings.Repeat("Z", 4096), device, 410},
		{"POST", "/v1/sync/pages/" + strings.Repeat("0", 32), device, 0},
		{"GET", "/v1/records/nope/" + nobody, admin, 404},
		{"GET", "/v1/records/account/not-a-guid", admin, 0},
		{"GET", "/v1/records/account/" + nobody, admin, 404},
		{"GET", "/v1/records/account/..%2f..%2fadmin%2fusers", admin, 0},
		{"GET", "/v1/admin/users/not-a-guid", admin, 404},
		{"GET", "/v1/admin/users/%00", admin, 0},
		{"GET", "/v1/admin/profiles/nope", admin, 404},
		{"GET", "/v1/admin/profiles/nope/estimate", admin, 404},
		{"POST", "/v1/admin/profiles/nope/publish", admin, 404},
		{"DELETE", "/v1/admin/profiles/" + nobody, admin, 404},
		{"GET", "/v1/admin/sync-errors/garbage", admin, 0},
		{"DELETE", "/v1/admin/sync-errors/garbage", admin, 0},
		{"POST", "/v1/admin/sync-errors/garbage/reapply", admin, 0},
		{"GET", "/v1/admin/sync-errors?limit=-1", admin, 400},
		{"GET", "/v1/admin/sync-errors?limit=abc", admin, 400},
		{"GET", "/v1/admin/sync-errors?since=yesterday", admin, 400},
		{"GET", "/v1/admin/sync-errors?after=" + url.QueryEscape("!!"), admin, 400},
		{"POST", "/v1/admin/cluster/members/nope/promote", admin, 404},
		{"POST", "/v1/admin/cluster/members/nope/demote", admin, 404},
		{"DELETE", "/v1/admin/cluster/members/nope", admin, 404},
		{"PATCH", "/v1/admin/users", admin, 0},
		{"GET", "/v1/nope", admin, 404},
		{"GET", "/v1/admin/nope", admin, 0},
	}
	// Commands the engine refuses: in the log, but changing nothing.
	logged := []param{
		{"DELETE", "/v1/admin/users/" + nobody, admin, 404},
		{"DELETE", "/v1/admin/teams/not-a-guid", admin, 0},
		{"POST", "/v1/admin/users/" + nobody + "/tokens", admin, 0},
		{"POST", "/v1/admin/users/not-a-guid/tokens", admin, 0},
		{"DELETE", "/v1/admin/tokens/not-a-guid", admin, 0},
		{"DELETE", "/v1/admin/tokens/" + nobody, admin, 404},
	}
	for i, tc := range append(cases, logged...) {
		t.Run(tc.method+" "+tc.path[:min(len(tc.path), 80)], func(t *testing.T) {
			rq := abuseReq{method: tc.method, path: tc.path, auth: tc.auth}
			if i >= len(cases) {
				env.checkLogged(t, rq, tc.want)
			} else {
				env.check(t, rq, tc.want)
			}
		})
	}
	// A user without a profile (the caller, taken out of it) is refused
	// by every device route, with no_profile.
	if r, b := do(t, "DELETE", env.ts.URL+"/v1/admin/profiles/"+env.profileID+"/members", []byte(`{"users":["`+env.user+`"]}`), nil); r.StatusCode != 200 {
		t.Fatalf("remove member: %d %s", r.StatusCode, b)
	}
	for _, rt := range env.routes(t) {
		if !rt.device || rt.method != "GET" && rt.path != "/v1/sync/pull" {
			continue
		}
		t.Run("no profile/"+rt.String(), func(t *testing.T) {
			env.check(t, abuseReq{method: rt.method, path: rt.path, body: rt.valid, hdr: map[string]string{"Content-Type": rt.ct}, auth: device},
				http.StatusForbidden, CodeNoProfile)
		})
	}
}

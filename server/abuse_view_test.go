package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// pushJSON pushes mutations as the caller and returns the results; the
// answer must name no row outside the caller's view.
func (env *abuseEnv) pushJSON(t *testing.T, ms ...codec.Mutation) []codec.PushResult {
	t.Helper()
	body, _ := json.Marshal(codec.PushRequest{Mutations: ms})
	status, _, answer := env.send(t, abuseReq{method: "POST", path: "/v1/sync/push", body: body, auth: bearer(env.token),
		hdr: map[string]string{"Content-Type": "application/json", "Accept": "application/json"}})
	var pr codec.PushResponse
	if status != 200 || json.Unmarshal(answer, &pr) != nil || len(pr.Results) != len(ms) {
		t.Fatalf("push: %d %s", status, answer)
	}
	if id := env.hidden.find(answer, body); id != "" {
		t.Fatalf("the push answer names row %s, outside the view: %s", id, answer)
	}
	return pr.Results
}

// TestAbuseOutsideView: a push that aims at rows, lookups or owners the
// user cannot read gets the same answer as one that aims at ids that do
// not exist (or at rows the user can read, for a create over a taken
// id), and changes nothing.
func TestAbuseOutsideView(t *testing.T) {
	env := newAbuseEnv(t)
	fresh := func(n int) string { return fmt.Sprintf("0ddba11d-0000-4000-8000-%012d", n) }
	type attrs = map[string]any
	n := 0
	mut := func(op, entity, row string, a attrs) codec.Mutation {
		n++ // a mutation id answers once: a retry gets its first result
		return codec.Mutation{ID: fmt.Sprintf("m%d", n), Entity: entity, RowID: row, Op: op, Attrs: a}
	}
	cases := []struct {
		name           string
		hidden, lookup codec.Mutation // at the hidden thing; at a fresh or readable one
	}{
		{"update an unreadable row",
			mut("update", "account", env.hiddenAccount, attrs{"name": "x"}), mut("update", "account", fresh(1), attrs{"name": "x"})},
		{"delete an unreadable row",
			mut("delete", "account", env.hiddenAccount, nil), mut("delete", "account", fresh(2), nil)},
		{"create over an unreadable row",
			mut("create", "account", env.hiddenAccount, attrs{"name": "x"}), mut("create", "account", env.visibleAccount, attrs{"name": "x"})},
		{"invalid create over an unreadable row",
			mut("create", "account", env.hiddenAccount, attrs{"name": 5}), mut("create", "account", fresh(3), attrs{"name": 5})},
		{"lookup to an unreadable row",
			mut("create", "contact", fresh(4), attrs{"lastname": "x", "parentcustomerid": env.hiddenAccount}),
			mut("create", "contact", fresh(5), attrs{"lastname": "x", "parentcustomerid": fresh(6)})},
		{"update with a lookup to an unreadable row",
			mut("update", "contact", fresh(13), attrs{"parentcustomerid": env.hiddenAccount}),
			mut("update", "contact", fresh(7), attrs{"parentcustomerid": fresh(8)})},
		{"create for an owner out of reach",
			mut("create", "account", fresh(9), attrs{"name": "x", "ownerid": env.hiddenUser}), mut("create", "account", fresh(10), attrs{"name": "x", "ownerid": fresh(11)})},
		{"assign a row to an owner out of reach",
			mut("update", "account", env.visibleAccount, attrs{"ownerid": env.hiddenUser}), mut("update", "account", env.visibleAccount, attrs{"ownerid": fresh(12)})},
	}
	rows := map[string]codec.Row{}
	for _, id := range []string{env.hiddenAccount, env.visibleAccount} {
		r, err := env.e.Get("account", id)
		if err != nil {
			t.Fatal(err)
		}
		rows[id] = r
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := env.pushJSON(t, tc.hidden, tc.lookup)
			a, b := res[0], res[1]
			a.ID, b.ID = "", ""
			if a.Applied || a.Code == "" || !reflect.DeepEqual(a, b) {
				t.Fatalf("the answers tell the hidden thing from the other:\n hidden: %+v\n other:  %+v", res[0], res[1])
			}
			for id, before := range rows {
				if after, err := env.e.Get("account", id); err != nil || !reflect.DeepEqual(after, before) {
					t.Fatalf("account %s changed: %+v -> %+v (%v)", id, before, after, err)
				}
			}
			for n := 1; n <= 13; n++ {
				for _, ent := range []string{"account", "contact"} {
					if _, err := env.e.Get(ent, fresh(n)); err == nil {
						t.Fatalf("a refused mutation created %s %s", ent, fresh(n))
					}
				}
			}
		})
	}
}

// pullJSON pulls as token with cursor, and returns the status and answer.
func (env *abuseEnv) pullJSON(t *testing.T, token, cursor string) (int, jsonPull, []byte, http.Header) {
	t.Helper()
	body, _ := json.Marshal(codec.PullRequest{Cursor: cursor})
	status, hdr, answer := env.send(t, abuseReq{method: "POST", path: "/v1/sync/pull", body: body, auth: bearer(token),
		hdr: map[string]string{"Content-Type": "application/json", "Accept": "application/json"}})
	var jp jsonPull
	if status == 200 {
		if err := json.Unmarshal(answer, &jp); err != nil {
			t.Fatalf("pull answer: %v", err)
		}
	}
	return status, jp, answer, hdr
}

// TestAbuseCursors: whatever cursor a device sends (garbage, edited,
// another user's, oversized), the answer is a 400 {code, message} or a
// reset to the caller's own view: never a row or removal outside it.
func TestAbuseCursors(t *testing.T) {
	env := newAbuseEnv(t)
	// The caller's own full load: nothing outside the view, in JSON or
	// msgpack.
	status, own, answer, _ := env.pullJSON(t, env.token, "")
	if status != 200 || !own.Reset || own.More {
		t.Fatalf("first load: %d reset %v more %v", status, own.Reset, own.More)
	}
	if id := env.hidden.find(answer, nil); id != "" {
		t.Fatalf("the first load (JSON) holds row %s, outside the view", id)
	}
	pull, _ := codec.Marshal(codec.PullRequest{})
	_, _, packed := env.send(t, abuseReq{method: "POST", path: "/v1/sync/pull", body: pull, auth: bearer(env.token), hdr: map[string]string{"Content-Type": "application/msgpack"}})
	if id := env.hidden.find(packed, nil); id != "" {
		t.Fatalf("the first load (msgpack) holds row %s, outside the view", id)
	}
	_, theirs, _, _ := env.pullJSON(t, env.other, "")
	awaitCursorContext(t, env.e, env.otherUser, theirs.Cursor)
	raw, err := base64.RawURLEncoding.DecodeString(own.Cursor)
	if err != nil {
		t.Fatalf("cursor %q: %v", own.Cursor, err)
	}
	edit := func(f func([]byte)) string {
		b := append([]byte(nil), raw...)
		f(b)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	// Forged fields under the old MAC: the access context of the
	// caller's profile at organization depth, seen from the first version
	// (issue 12, finding 1: the delta's removals named the rows of other
	// business units), an old version, a later time.
	forge := func(f func(c *engine.Cursor)) string {
		wc, err := parseCursor(raw[:len(raw)-cursorMACLen])
		if err != nil || wc.C == nil {
			t.Fatalf("the cursor is not a sealed engine cursor: %q", own.Cursor)
		}
		f(wc.C)
		b, err := appendCursor(nil, wc)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(append(b, raw[len(raw)-cursorMACLen:]...))
	}
	cases := []struct{ name, cursor string }{
		{"forged access context", forge(func(c *engine.Cursor) { c.Context, c.Version = c.Context+1, 1 })},
		{"forged version", forge(func(c *engine.Cursor) { c.Version = 1 })},
		{"forged time", forge(func(c *engine.Cursor) { c.Time += 86_400_000 })},
		{"garbage", "!!not-a-cursor"},
		{"random bytes", base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("\x93\xff\x00", 30)))},
		{"first byte flipped", edit(func(b []byte) { b[0] ^= 0xff })},
		{"middle byte flipped", edit(func(b []byte) { b[len(b)/2] ^= 0x01 })},
		{"last byte flipped", edit(func(b []byte) { b[len(b)-1] ^= 0x01 })},
		{"cut short", own.Cursor[:len(own.Cursor)/2]},
		{"with a suffix", own.Cursor + "AAAA"},
		{"oversized", strings.Repeat("A", 4096)},
		{"another user's", theirs.Cursor},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := env.e.Applied()
			status, jp, answer, hdr := env.pullJSON(t, env.token, tc.cursor)
			if status == 200 {
				if id := env.hidden.find(answer, nil); id != "" {
					t.Fatalf("the answer names row %s, outside the view (reset %v)", id, jp.Reset)
				}
				if !jp.Reset {
					t.Fatalf("a foreign cursor got a delta: %.300s", answer)
				}
				return
			}
			env.refused(t, []byte(tc.cursor), before, status, hdr, answer, http.StatusBadRequest, CodeBadRequest)
			// The same cursor in a GET.
			env.check(t, abuseReq{method: "GET", path: "/v1/sync/pull?cursor=" + tc.cursor, auth: bearer(env.token)}, http.StatusBadRequest, CodeBadRequest)
		})
	}
}

// TestAbuseAppend: without Append on the row written, or AppendTo on the
// row looked up, a device cannot set a lookup (issue 12, finding 6).
func TestAbuseAppend(t *testing.T) {
	env := newAbuseEnv(t)
	create := func(id string) codec.PushResult {
		return env.pushJSON(t, codec.Mutation{ID: "c-" + id, Entity: "contact", RowID: id, Op: "create",
			Attrs: map[string]any{"lastname": "x", "parentcustomerid": env.visibleAccount}})[0]
	}
	if r := create("0ddba11d-0000-4000-8000-00000000a001"); !r.Applied {
		t.Fatalf("with Append and AppendTo, the lookup is refused: %+v", r)
	}
	setAll := func(entity string, f func(*engine.Privileges)) {
		var roles []engine.Role
		getJSON(t, env.ts.URL+"/v1/admin/roles", &roles)
		for _, r := range roles {
			p := r.Privileges[entity]
			f(&p)
			r.Privileges[entity] = p
			b, _ := json.Marshal(r)
			if resp, body := do(t, "PUT", env.ts.URL+"/v1/admin/roles/"+r.ID, b, nil); resp.StatusCode != 200 {
				t.Fatalf("put role: %d %s", resp.StatusCode, body)
			}
		}
	}
	for _, tc := range []struct {
		name, id string
		entity   string
		set      func(*engine.Privileges)
	}{
		{"no Append on the row written", "0ddba11d-0000-4000-8000-00000000a002", "contact", func(p *engine.Privileges) { p.Append = engine.DepthNone }},
		{"no AppendTo on the row looked up", "0ddba11d-0000-4000-8000-00000000a003", "account", func(p *engine.Privileges) { p.AppendTo = engine.DepthNone }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setAll(tc.entity, tc.set)
			if r := create(tc.id); r.Applied || r.Code != "forbidden" {
				t.Fatalf("got %+v, want forbidden", r)
			}
			if _, err := env.e.Get("contact", tc.id); err == nil {
				t.Fatal("the refused create wrote its row")
			}
			setAll(tc.entity, func(p *engine.Privileges) { p.Append, p.AppendTo = "", "" })
		})
	}
}

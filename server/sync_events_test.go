package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/engine"
)

// readEvent reads the next "event:" name from an SSE stream.
func readEvent(t *testing.T, sc *bufio.Scanner) (string, string) {
	t.Helper()
	var name, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case line == "" && name != "":
			return name, data
		}
	}
	t.Fatalf("stream ended: %v", sc.Err())
	return "", ""
}

func TestDeviceEventsSayWhenDataIsDue(t *testing.T) {
	ts, e := newDemoServerWith(t, nil)
	token, user := fieldSalesToken(t, ts)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/v1/sync/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %v %v", err, resp)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	if name, data := readEvent(t, sc); name != "ready" || !strings.Contains(data, fmt.Sprintf(`"version":%d`, e.Applied())) {
		t.Fatalf("first event %s %s", name, data)
	}
	body := fmt.Sprintf(`{"records":[{"entity":"task","id":"7a5c0000-0000-4000-8000-000000000001","ownerid":%q,"attributes":{"subject":"Call back"}}]}`, user)
	if r, b := do(t, "POST", ts.URL+"/v1/records", []byte(body), nil); r.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", r.StatusCode, b)
	}
	if name, data := readEvent(t, sc); name != "changed" || !strings.Contains(data, `"task"`) {
		t.Fatalf("after an ingest: %s %s", name, data)
	}
	// A metadata publish is announced as such.
	sch := e.Schema()
	d := *sch
	d.Entities = append(d.Entities[:0:0], sch.Entities...)
	d.Entities[0].DisplayName = "Accounts (renamed)"
	draft, _ := json.Marshal(map[string]any{"entities": d.Entities})
	if r, b := do(t, "PUT", ts.URL+"/v1/admin/schema/draft", draft, nil); r.StatusCode != 200 {
		t.Fatalf("draft: %d %s", r.StatusCode, b)
	}
	if r, b := do(t, "POST", ts.URL+"/v1/admin/schema/publish", nil, nil); r.StatusCode != 200 {
		t.Fatalf("publish: %d %s", r.StatusCode, b)
	}
	_, md, _ := getMetadata(t, ts, token, "")
	if name, data := readEvent(t, sc); name != "metadata" || !strings.Contains(data, fmt.Sprintf(`"metadataVersion":%d`, md.MetadataVersion)) {
		t.Fatalf("after a metadata publish: %s %s", name, data)
	}
}

// mintToken issues a device token for user and returns its secret and id.
func mintToken(t *testing.T, ts *httptest.Server, user string) (string, string) {
	t.Helper()
	resp, b := do(t, "POST", ts.URL+"/v1/admin/users/"+user+"/tokens", nil, nil)
	var tr TokenResponse
	if resp.StatusCode != 200 || json.Unmarshal(b, &tr) != nil {
		t.Fatalf("mint token: %d %s", resp.StatusCode, b)
	}
	return tr.Token, tr.ID
}

// openEvents opens an event stream with token; the stream closes at the
// test's end.
func openEvents(t *testing.T, ctx context.Context, ts *httptest.Server, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/v1/sync/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// errorOf decodes an error response's {code, message}.
func errorOf(t *testing.T, resp *http.Response) ErrorBody {
	t.Helper()
	var eb ErrorBody
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &eb); err != nil || eb.Message == "" {
		t.Fatalf("%d: not an error body: %s", resp.StatusCode, b)
	}
	return eb
}

func TestDeviceEventsEndWhenAccessIsRevoked(t *testing.T) {
	ts, _ := newDemoServerWith(t, nil)
	var p engine.Profile
	if getJSON(t, ts.URL+"/v1/admin/profiles/"+"Field%20Sales", &p) != 200 || len(p.Users) < 4 {
		t.Fatalf("Field Sales has %d users", len(p.Users))
	}
	disable := func(user string) (string, string, []byte) {
		var u engine.User
		getJSON(t, ts.URL+"/v1/admin/users/"+user, &u)
		u.Enabled = false
		b, _ := json.Marshal(u)
		return "PUT", "/v1/admin/users/" + user, b
	}
	cases := []struct {
		name   string
		change func(user, tokenID string) (method, path string, body []byte)
		code   string // of the final event, and of a new stream's refusal
		status int
	}{
		{"token revoked", func(_, id string) (string, string, []byte) { return "DELETE", "/v1/admin/tokens/" + id, nil }, CodeUnauthorized, 401},
		{"user disabled", func(u, _ string) (string, string, []byte) { return disable(u) }, CodeUnauthorized, 401},
		{"user removed from the profile", func(u, _ string) (string, string, []byte) {
			return "DELETE", "/v1/admin/profiles/" + p.ID + "/members", []byte(`{"users":["` + u + `"]}`)
		}, CodeNoProfile, 403},
		{"profile deleted", func(string, string) (string, string, []byte) { return "DELETE", "/v1/admin/profiles/" + p.ID, nil }, CodeNoProfile, 403},
	}
	for i, tc := range cases { // in order: the profile goes last
		t.Run(tc.name, func(t *testing.T) {
			user := p.Users[i]
			token, id := mintToken(t, ts, user)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // generous: the end comes within ~100 ms
			defer cancel()
			resp := openEvents(t, ctx, ts, token)
			sc := bufio.NewScanner(resp.Body)
			if name, _ := readEvent(t, sc); name != "ready" {
				t.Fatalf("first event %s", name)
			}
			method, path, body := tc.change(user, id)
			if r, b := do(t, method, ts.URL+path, body, nil); r.StatusCode != 200 {
				t.Fatalf("%s %s: %d %s", method, path, r.StatusCode, b)
			}
			name, data := readEvent(t, sc)
			var eb ErrorBody
			if name != "revoked" || json.Unmarshal([]byte(data), &eb) != nil || eb.Code != tc.code || eb.Message == "" {
				t.Fatalf("after the change: event %s %s, want revoked with code %s", name, data, tc.code)
			}
			for sc.Scan() {
				t.Fatalf("the stream went on after revoked: %q", sc.Text())
			}
			if ctx.Err() != nil {
				t.Fatal("the stream did not end")
			}
			again := openEvents(t, ctx, ts, token)
			if eb := errorOf(t, again); again.StatusCode != tc.status || eb.Code != tc.code {
				t.Fatalf("a new stream: %d %+v, want %d %s", again.StatusCode, eb, tc.status, tc.code)
			}
		})
	}
}

func TestDeviceEventsPerTokenLimit(t *testing.T) {
	if err := (func() Config { c := DefaultConfig(testToken); c.MaxStreamsPerToken = 0; return c }()).Validate(); err == nil || !strings.Contains(err.Error(), "MaxStreamsPerToken") {
		t.Fatalf("Validate with no streams: %v", err)
	}
	ts, _ := newDemoServerWith(t, func(c *Config) { c.MaxStreamsPerToken = 2 })
	token, user := fieldSalesToken(t, ts)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ready := func(ctx context.Context, token string) *http.Response {
		t.Helper()
		resp := openEvents(t, ctx, ts, token)
		if resp.StatusCode != 200 {
			t.Fatalf("stream: %d %+v", resp.StatusCode, errorOf(t, resp))
		}
		if name, _ := readEvent(t, bufio.NewScanner(resp.Body)); name != "ready" {
			t.Fatalf("first event %s", name)
		}
		return resp
	}
	first, closeFirst := context.WithCancel(ctx)
	ready(first, token)
	ready(ctx, token)
	over := openEvents(t, ctx, ts, token)
	if eb := errorOf(t, over); over.StatusCode != http.StatusTooManyRequests || eb.Code != CodeTooManyStreams {
		t.Fatalf("stream past the limit: %d %+v", over.StatusCode, eb)
	}
	other, _ := mintToken(t, ts, user) // the limit is per token, not per user
	ready(ctx, other)
	closeFirst()
	for { // the slot comes back once the server sees the stream gone
		resp := openEvents(t, ctx, ts, token)
		if resp.StatusCode == 200 {
			break
		}
		if eb := errorOf(t, resp); resp.StatusCode != http.StatusTooManyRequests || eb.Code != CodeTooManyStreams {
			t.Fatalf("after a close: %d %+v", resp.StatusCode, eb)
		}
		select {
		case <-ctx.Done():
			t.Fatal("a closed stream never gave its slot back")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestDeviceEventsOnlyForTheView: a write outside the user's view (a task
// of another user) does not wake the user's stream; the next event is the
// one for a write in the view.
func TestDeviceEventsOnlyForTheView(t *testing.T) {
	ts, e := newDemoServerWith(t, nil)
	token, user := fieldSalesToken(t, ts)
	users, err := e.Users()
	if err != nil {
		t.Fatal(err)
	}
	other := ""
	for _, u := range users {
		if u.ID != user {
			other = u.ID
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp := openEvents(t, ctx, ts, token)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	if name, _ := readEvent(t, sc); name != "ready" {
		t.Fatalf("first event %s", name)
	}
	task := func(id, owner string) uint64 {
		body := fmt.Sprintf(`{"records":[{"entity":"task","id":%q,"ownerid":%q,"attributes":{"subject":"Call back"}}]}`, id, owner)
		if r, b := do(t, "POST", ts.URL+"/v1/records", []byte(body), nil); r.StatusCode != 200 {
			t.Fatalf("ingest: %d %s", r.StatusCode, b)
		}
		return e.Applied()
	}
	task("7a5c0000-0000-4000-8000-0000000000e1", other)
	time.Sleep(4 * eventCoalesce) // let a (wrong) event for it go out first
	mine := task("7a5c0000-0000-4000-8000-0000000000e2", user)
	name, data := readEvent(t, sc)
	if name != "changed" || !strings.Contains(data, `"task"`) || !strings.Contains(data, fmt.Sprintf(`"version":%d`, mine)) {
		t.Fatalf("the first event after a write outside the view and one in it must be the latter's (version %d): %s %s", mine, name, data)
	}
}

// TestDeviceEventsSayWhenTheViewMoves: a change of what the user's view
// stands on besides rows (here its business unit) is announced with "*"
// (every entity may have changed), once; a later ingest is announced by
// entity only.
func TestDeviceEventsSayWhenTheViewMoves(t *testing.T) {
	ts, _ := newDemoServerWith(t, nil)
	token, user := fieldSalesToken(t, ts)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sc := bufio.NewScanner(openEvents(t, ctx, ts, token).Body)
	if name, _ := readEvent(t, sc); name != "ready" {
		t.Fatalf("first event %s", name)
	}
	var u engine.User
	getJSON(t, ts.URL+"/v1/admin/users/"+user, &u)
	var bus []engine.BusinessUnit
	getJSON(t, ts.URL+"/v1/admin/businessunits", &bus)
	for _, bu := range bus {
		if bu.ID != u.BusinessUnit {
			u.BusinessUnit = bu.ID
			break
		}
	}
	body, _ := json.Marshal(u)
	if r, b := do(t, "PUT", ts.URL+"/v1/admin/users/"+user, body, nil); r.StatusCode != 200 {
		t.Fatalf("move the user: %d %s", r.StatusCode, b)
	}
	// The metadata covers the user's business unit (the answer
	// dictionary's, sync_dict.go): a metadata event comes first.
	if name, data := readEvent(t, sc); name != "metadata" {
		t.Fatalf("after the user moved: %s %s", name, data)
	}
	if name, data := readEvent(t, sc); name != "changed" || !strings.Contains(data, `"*"`) {
		t.Fatalf("after the user moved: %s %s", name, data)
	}
	ingest := fmt.Sprintf(`{"records":[{"entity":"task","id":"7a5c0000-0000-4000-8000-000000000002","ownerid":%q,"attributes":{"subject":"Call back"}}]}`, user)
	if r, b := do(t, "POST", ts.URL+"/v1/records", []byte(ingest), nil); r.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", r.StatusCode, b)
	}
	if name, data := readEvent(t, sc); name != "changed" || !strings.Contains(data, `"task"`) || strings.Contains(data, `"*"`) {
		t.Fatalf("after an ingest: %s %s", name, data)
	}
}

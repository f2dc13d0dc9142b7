package server

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestAuditLog: admin writes, token creation and rejected pushes reach the
// audit log with their request id (a client's X-Request-Id, echoed), and
// never a secret; reads do not.
func TestAuditLog(t *testing.T) {
	var buf lockedBuffer
	ts, _ := newDemoServerWith(t, func(c *Config) { c.Audit = slog.New(slog.NewJSONHandler(&buf, nil)) })
	resp, b := do(t, "PUT", ts.URL+"/v1/admin/apps/66666666-2222-4333-8444-555555555555", []byte(`{"name":"Audited","entities":["task"]}`),
		map[string]string{"Content-Type": "application/json", RequestIDHeader: "client-req-1"})
	if resp.StatusCode != 200 || resp.Header.Get(RequestIDHeader) != "client-req-1" {
		t.Fatalf("put app: %d %s, request id %q", resp.StatusCode, b, resp.Header.Get(RequestIDHeader))
	}
	do(t, "GET", ts.URL+"/v1/admin/apps", nil, nil)
	token, user := fieldSalesToken(t, ts)
	// A push the server rejects: an entity outside the profile.
	body, _ := codec.Marshal(codec.PushRequest{Mutations: []codec.Mutation{{ID: "m-audit", Entity: "nosuch", RowID: "10000000-0000-4000-8000-000000000009", Op: "create"}}})
	resp, b = do(t, "POST", ts.URL+"/v1/sync/push", body, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/msgpack", "Accept": "application/json", "Accept-Encoding": "identity"})
	if resp.StatusCode != 200 {
		t.Fatalf("push: %d %s", resp.StatusCode, b)
	}
	var entries []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not one JSON object a line: %q", line)
		}
		entries = append(entries, m)
	}
	find := func(msg, key, val string) map[string]any {
		for _, m := range entries {
			if m["msg"] == msg && fmt.Sprint(m[key]) == val {
				return m
			}
		}
		t.Fatalf("no %q entry with %s=%s in\n%s", msg, key, val, buf.String())
		return nil
	}
	if m := find("admin write", "request_id", "client-req-1"); m["path"] != "/v1/admin/apps/66666666-2222-4333-8444-555555555555" || m["actor"] != "admin" || m["status"] != float64(200) {
		t.Fatalf("the app write: %v", m)
	}
	find("admin write", "path", "/v1/admin/users/"+user+"/tokens")
	if m := find("push rejected", "user", user); m["rejected"] != float64(1) || !strings.Contains(fmt.Sprint(m["mutations"]), engine.CodeForbidden) {
		t.Fatalf("the rejected push: %v", m)
	}
	for _, m := range entries {
		if m["method"] == "GET" {
			t.Fatalf("a read was audited: %v", m)
		}
	}
	if strings.Contains(buf.String(), token) || strings.Contains(buf.String(), testToken) {
		t.Fatal("a secret reached the audit log")
	}
}

package main

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// storeRows returns what a device store holds of entities, by entity and
// id, through `device query` (an entity it holds no rows of, while it
// holds others, is empty here).
func storeRows(t *testing.T, bin, store string, entities []string) map[string]map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]map[string]any{}
	for _, e := range entities {
		b, err := exec.Command(bin, "device", "query", "--store", store, "--entity", e).CombinedOutput()
		if err != nil {
			if strings.Contains(string(b), "the store holds no rows of it") {
				continue
			}
			t.Fatalf("device query --store %s --entity %s: %v\n%s", store, e, err, b)
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var row map[string]any
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				t.Fatalf("query line %q: %v", sc.Text(), err)
			}
			if out[e] == nil {
				out[e] = map[string]map[string]any{}
			}
			out[e][row["id"].(string)] = row
		}
	}
	return out
}

// sameRowIDs says whether two stores hold the same ids of every entity.
func sameRowIDs(a, b map[string]map[string]map[string]any) bool {
	for _, m := range []map[string]map[string]map[string]any{a, b} {
		for e := range m {
			if len(a[e]) != len(b[e]) {
				return false
			}
			for id := range a[e] {
				if _, ok := b[e][id]; !ok {
					return false
				}
			}
		}
	}
	return true
}

// TestAppEndToEndTwoDevices is the check, on the built binary and
// `serve --demo`: a user in a profile of each demo app (Field Sales in
// Sales, Field Technicians in Field Service) syncs one device per app, and
// each holds exactly its app's view. What it proves, per store: the
// entities are the app's (Field Service: account and task only); every
// entity's row count is the one the server's own evaluation of the app's
// profile for the user gives (the estimate, which evaluates the published
// rules apart from pulls and cursors); every Field Service task is the
// user's and modified within the rule's 30 days, and every account is one
// a task is about (the rule's relationship); each row is the server's
// current copy of it (GET /v1/records); and naming the app by --app, by
// a token issued for it, or (for Sales, the default app) not at all gives
// the same ids. A store refuses another app, and a token of one app cannot
// sync another. (cmd_app_test.go's TestAppDeviceSync compares the ids with
// the engine's view itself, in-process.)
func TestAppEndToEndTwoDevices(t *testing.T) {
	bin := buildBinary(t)
	p := startServe(t, bin, t.TempDir(), freeAddr(t), freeAddr(t), "--demo")
	admin := []string{"--server", p.base, "--admin-token", e2eToken}
	var techs struct{ Users []string }
	if err := json.Unmarshal([]byte(runBin(t, bin, append([]string{"profile", "get", "Field Technicians", "-o", "json"}, admin...)...)), &techs); err != nil || len(techs.Users) == 0 {
		t.Fatalf("Field Technicians: %v %+v", err, techs)
	}
	user := techs.Users[0]
	token := func(args ...string) string {
		t.Helper()
		out := runBin(t, bin, append(append([]string{"token", "create", "--user", user}, args...), admin...)...)
		for l := range strings.SplitSeq(out, "\n") {
			if tok, ok := strings.CutPrefix(l, "token:"); ok {
				return strings.TrimSpace(tok)
			}
		}
		t.Fatalf("no token in %q", out)
		return ""
	}
	anyTok, fieldTok := token(), token("--app", "Field Service")
	dir := t.TempDir()
	sync := func(store, tok string, args ...string) (string, error) {
		b, err := exec.Command(bin, append([]string{"device", "sync", "--server", p.base, "--token", tok, "--store", filepath.Join(dir, store)}, args...)...).CombinedOutput()
		return string(b), err
	}
	t0 := time.Now()
	for _, s := range []struct {
		store, tok string
		args       []string
	}{{"field", anyTok, []string{"--app", "Field Service"}}, {"field-token", fieldTok, nil}, {"sales", anyTok, nil}, {"sales-named", anyTok, []string{"--app", "Sales"}}} {
		if out, err := sync(s.store, s.tok, s.args...); err != nil {
			t.Fatalf("sync %s: %v\n%s", s.store, err, out)
		}
	}
	all := []string{"account", "contact", "opportunity", "task"}
	held := map[string]map[string]map[string]map[string]any{}
	for _, s := range []string{"field", "field-token", "sales", "sales-named"} {
		held[s] = storeRows(t, bin, filepath.Join(dir, s), all)
	}

	// Row counts are the server's evaluation of the app's profile.
	for store, profile := range map[string]string{"field": "Field Technicians", "sales": "Field Sales"} {
		code, b, _ := adminReq("GET", p.base+"/v1/admin/profiles/"+url.PathEscape(profile)+"/estimate?rules=published&user="+user, nil)
		var est struct {
			Entities []struct {
				Entity string
				Rows   int
			}
		}
		if code != 200 || json.Unmarshal(b, &est) != nil {
			t.Fatalf("estimate %s: %d %s", profile, code, b)
		}
		want := map[string]int{}
		for _, e := range est.Entities {
			want[e.Entity] = e.Rows
		}
		for _, e := range all {
			if got := len(held[store][e]); got != want[e] {
				t.Fatalf("store %s holds %d %s rows; the user's view in %s's app has %d", store, got, e, profile, want[e])
			}
		}
	}
	field, sales := held["field"], held["sales"]
	if len(field) != 2 || len(field["task"]) == 0 || len(field["account"]) == 0 || len(sales["opportunity"]) == 0 || len(sales["contact"]) == 0 {
		t.Fatalf("the Field Service store holds %d entities, the Sales store %d opportunities", len(field), len(sales["opportunity"]))
	}

	// Field Service rows are those its rules select, as the server has them.
	regarding := map[string]bool{}
	cutoff := t0.Add(-30 * 24 * time.Hour).UnixMilli()
	for id, row := range field["task"] {
		if row["ownerid"] != user {
			t.Fatalf("task %s is %v's, not the user's", id, row["ownerid"])
		}
		if m, _ := row["modifiedon"].(float64); int64(m) < cutoff {
			t.Fatalf("task %s was modified on %v, before the rule's 30 days", id, row["modifiedon"])
		}
		attrs, _ := row["attributes"].(map[string]any)
		if r, ok := attrs["regardingobjectid"].(string); ok {
			regarding[r] = true
		}
	}
	for id := range field["account"] {
		if !regarding[id] {
			t.Fatalf("account %s is on the Field Service device but no task there is about it", id)
		}
	}
	for e, rows := range field {
		for id, row := range rows {
			code, b, _ := adminReq("GET", p.base+"/v1/records/"+e+"/"+id, nil)
			var srv map[string]any
			if code != 200 || json.Unmarshal(b, &srv) != nil {
				t.Fatalf("record %s %s: %d %s", e, id, code, b)
			}
			if srv["version"] != row["version"] || srv["ownerid"] != row["ownerid"] || srv["modifiedon"] != row["modifiedon"] {
				t.Fatalf("%s %s on the device is %v, on the server %v", e, id, row, srv)
			}
		}
	}

	// Every way of naming the app gives the same rows.
	if !sameRowIDs(held["field-token"], field) {
		t.Fatal("the store of a Field Service token and the store synced with --app \"Field Service\" differ")
	}
	if !sameRowIDs(held["sales-named"], sales) {
		t.Fatal("the store synced with --app Sales and the one naming no app differ")
	}

	// A store keeps its app; a token keeps its app.
	if out, err := sync("field", anyTok); err != nil || !strings.Contains(out, "app Field Service") || strings.Contains(out, "opportunity") {
		t.Fatalf("a later sync of the Field Service store: %v\n%s", err, out)
	}
	if out, err := sync("field", anyTok, "--app", "Sales"); err == nil || !strings.Contains(out, `synced for app "Field Service"`) {
		t.Fatalf("the Field Service store syncing Sales: %v\n%s", err, out)
	}
	if out, err := sync("other", fieldTok, "--app", "Sales"); err == nil || !strings.Contains(out, "forbidden") {
		t.Fatalf("a Field Service token syncing Sales: %v\n%s", err, out)
	}
}

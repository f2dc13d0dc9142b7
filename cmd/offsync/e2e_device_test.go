package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runBin runs the built binary and returns its output.
func runBin(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("offsync %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// queryIDs runs `device query` and returns the ids it prints.
func queryIDs(t *testing.T, bin, store, entity string) map[string]map[string]any {
	t.Helper()
	out := runBin(t, bin, "device", "query", "--store", store, "--entity", entity)
	ids := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("query line %q: %v", sc.Text(), err)
		}
		ids[row["id"].(string)] = row
	}
	return ids
}

// TestEndToEndDeviceSync drives the built binary as a user would: serve
// --demo, mint a token for a Field Sales user, sync and query, then change
// data and privileges through the APIs and sync again.
func TestEndToEndDeviceSync(t *testing.T) {
	bin := buildBinary(t)
	p := startServe(t, bin, t.TempDir(), freeAddr(t), freeAddr(t), "--demo")
	store := filepath.Join(t.TempDir(), "device")

	var prof struct {
		Users []string `json:"users"`
	}
	code, b, err := adminReq("GET", p.base+"/v1/admin/profiles/"+url.PathEscape("Field Sales"), nil)
	if err != nil || code != 200 || json.Unmarshal(b, &prof) != nil || len(prof.Users) == 0 {
		t.Fatalf("profile: %d %s %v", code, b, err)
	}
	user := prof.Users[0]
	code, b, _ = adminReq("POST", p.base+"/v1/admin/users/"+user+"/tokens", nil)
	var tok struct{ Token string }
	if code != 200 || json.Unmarshal(b, &tok) != nil {
		t.Fatalf("token: %d %s", code, b)
	}
	sync := func() string {
		return runBin(t, bin, "device", "sync", "--server", p.base, "--token", tok.Token, "--store", store)
	}

	out := sync()
	if !strings.Contains(out, "1 reset(s)") {
		t.Fatalf("first sync: %s", out)
	}
	// The device holds what the server's own view evaluation says.
	code, b, _ = adminReq("GET", p.base+"/v1/admin/profiles/"+url.PathEscape("Field Sales")+"/estimate?rules=published&user="+user, nil)
	var est struct {
		Entities []struct {
			Entity string
			Rows   int
		}
	}
	if code != 200 || json.Unmarshal(b, &est) != nil {
		t.Fatalf("estimate: %d %s", code, b)
	}
	for _, e := range est.Entities {
		if got := len(queryIDs(t, bin, store, e.Entity)); got != e.Rows {
			t.Fatalf("device holds %d %s rows, the view has %d", got, e.Entity, e.Rows)
		}
	}

	// A new account owned by the user arrives at the next sync; its delete
	// goes too.
	const acct = "e2ed0000-0000-4000-8000-000000000001"
	ingest := func(body string) {
		t.Helper()
		if code, b, err := adminReq("POST", p.base+"/v1/records", []byte(body)); err != nil || code != 200 {
			t.Fatalf("ingest: %d %s %v", code, b, err)
		}
	}
	ingest(fmt.Sprintf(`{"records":[{"entity":"account","id":%q,"ownerid":%q,"attributes":{"name":"E2E Device Co"}}]}`, acct, user))
	if out = sync(); !strings.Contains(out, "1 upserts") {
		t.Fatalf("sync after the insert: %s", out)
	}
	if row, ok := queryIDs(t, bin, store, "account")[acct]; !ok || row["attributes"].(map[string]any)["name"] != "E2E Device Co" {
		t.Fatalf("new account not on the device: %v", row)
	}
	ingest(fmt.Sprintf(`{"records":[{"op":"delete","entity":"account","id":%q}]}`, acct))
	if out = sync(); !strings.Contains(out, "1 removals") {
		t.Fatalf("sync after the delete: %s", out)
	}
	if _, ok := queryIDs(t, bin, store, "account")[acct]; ok {
		t.Fatal("deleted account still on the device")
	}

	// The user loses every role and is disabled: the next sync leaves
	// nothing (team roles would still grant reads to an enabled user).
	code, b, _ = adminReq("GET", p.base+"/v1/admin/users/"+user, nil)
	var u map[string]any
	if code != 200 || json.Unmarshal(b, &u) != nil {
		t.Fatalf("get user: %d %s", code, b)
	}
	u["roles"] = []string{}
	u["enabled"] = false
	delete(u, "id")
	body, _ := json.Marshal(u)
	if code, b, _ = adminReq("PUT", p.base+"/v1/admin/users/"+user, body); code != 200 {
		t.Fatalf("put user: %d %s", code, b)
	}
	sync()
	for _, e := range est.Entities {
		if got := queryIDs(t, bin, store, e.Entity); len(got) != 0 {
			t.Fatalf("after losing its roles the device still holds %d %s rows", len(got), e.Entity)
		}
	}
}

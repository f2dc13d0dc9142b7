package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestEndToEndBackupRestore drives the built binary: back up a running
// demo server, restore the file into a new directory, serve it, and sync a
// device there: it holds the same rows as a device synced against the
// original. Then the restored node takes writes of its own and the device
// comes back to the original: its cursor, ahead of that cluster, gets a
// reset and the device converges to the original's rows.
func TestEndToEndBackupRestore(t *testing.T) {
	bin := buildBinary(t)
	orig := startServe(t, bin, t.TempDir(), freeAddr(t), freeAddr(t), "--demo")
	var prof struct {
		Users []string `json:"users"`
	}
	code, b, err := adminReq("GET", orig.base+"/v1/admin/profiles/"+url.PathEscape("Field Sales"), nil)
	if err != nil || code != 200 || json.Unmarshal(b, &prof) != nil || len(prof.Users) == 0 {
		t.Fatalf("profile: %d %s %v", code, b, err)
	}
	user := prof.Users[0]
	code, b, _ = adminReq("POST", orig.base+"/v1/admin/users/"+user+"/tokens", nil)
	var tok struct{ Token string }
	if code != 200 || json.Unmarshal(b, &tok) != nil {
		t.Fatalf("token: %d %s", code, b)
	}
	sync := func(base, store string) string {
		return runBin(t, bin, "device", "sync", "--server", base, "--token", tok.Token, "--store", store)
	}
	entities := []string{"account", "contact", "opportunity"}
	rows := func(store string) map[string]map[string]map[string]any {
		out := map[string]map[string]map[string]any{}
		for _, e := range entities {
			out[e] = queryIDs(t, bin, store, e)
		}
		return out
	}
	onOrig := filepath.Join(t.TempDir(), "orig")
	sync(orig.base, onOrig) // the cursor key is made now, and backed up

	dir := t.TempDir()
	file := filepath.Join(dir, "demo.backup")
	out := runBin(t, bin, "backup", "--server", orig.base, "--admin-token", e2eToken, "--out", file)
	if !strings.Contains(out, "Backup of version") {
		t.Fatalf("backup: %s", out)
	}
	if out, err := exec.Command(bin, "backup", "--server", orig.base, "--admin-token", e2eToken, "--out", file).CombinedOutput(); err == nil {
		t.Fatalf("a backup over an existing file succeeded: %s", out)
	}

	// A cut file is refused and leaves no directory behind.
	whole, _ := os.ReadFile(file)
	cut := filepath.Join(dir, "cut.backup")
	_ = os.WriteFile(cut, whole[:len(whole)-10], 0o600)
	bad := filepath.Join(dir, "bad")
	if out, err := exec.Command(bin, "restore", "--data", bad, cut).CombinedOutput(); err == nil || !strings.Contains(string(out), "bad backup file") {
		t.Fatalf("restore of a cut file: %v %s", err, out)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Fatalf("a failed restore left %s behind", bad)
	}
	data := filepath.Join(dir, "restored")
	if out := runBin(t, bin, "restore", "--data", data, file); !strings.Contains(out, "Restored version") {
		t.Fatalf("restore: %s", out)
	}
	if out, err := exec.Command(bin, "restore", "--data", data, file).CombinedOutput(); err == nil || !strings.Contains(string(out), "not empty") {
		t.Fatalf("restore into a non-empty directory: %v %s", err, out)
	}

	copyNode := startServe(t, bin, data, freeAddr(t), freeAddr(t))
	onCopy := filepath.Join(t.TempDir(), "copy")
	sync(copyNode.base, onCopy)
	want := rows(onOrig)
	if got := rows(onCopy); !reflect.DeepEqual(got, want) {
		t.Fatalf("a device synced against the restored node differs from one synced against the original")
	}
	if len(want["account"]) == 0 {
		t.Fatal("the device holds no accounts")
	}

	// The copy moves on: new rows, each a version of its own.
	for i := range 8 {
		body := fmt.Sprintf(`{"records":[{"entity":"account","id":"e2eb0000-0000-4000-8000-%012d","ownerid":%q,"attributes":{"name":"Copy only %d"}}]}`, i, user, i)
		if code, b, err := adminReq("POST", copyNode.base+"/v1/records", []byte(body)); err != nil || code != 200 {
			t.Fatalf("ingest on the restored node: %d %s %v", code, b, err)
		}
	}
	sync(copyNode.base, onCopy)
	if n := len(queryIDs(t, bin, onCopy, "account")); n != len(want["account"])+8 {
		t.Fatalf("device on the copy holds %d accounts, want %d", n, len(want["account"])+8)
	}
	// Back to the original, whose versions are behind the device's cursor.
	if out := sync(orig.base, onCopy); !strings.Contains(out, "1 reset(s)") {
		t.Fatalf("sync of a cursor ahead of the original: %s", out)
	}
	if got := rows(onCopy); !reflect.DeepEqual(got, want) {
		t.Fatalf("after the reset the device differs from the original's rows")
	}
}

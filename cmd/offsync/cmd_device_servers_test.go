package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeviceSyncTakesAListOfServers: `device sync` takes --server as a
// comma list (or repeated), moves past a node that does not answer, says
// which node served, and keeps the list in its store: a later sync
// without --server uses it. A server that is not a URL is refused before
// any request.
func TestDeviceSyncTakesAListOfServers(t *testing.T) {
	t.Setenv("OFFSYNC_SERVER", "")
	a := newAdminEnv(t)
	var prof struct{ Users []string }
	a.json(&prof, "profile", "get", "Field Sales")
	var tok struct{ Token string }
	a.json(&tok, "token", "create", "--user", prof.Users[0])
	store := filepath.Join(t.TempDir(), "dev")
	const dead = "http://127.0.0.1:1" // nothing listens there
	ctx := context.Background()
	for _, args := range [][]string{
		{"--server", dead + "," + a.base},
		{"--server", dead, "--server", a.base},
		{}, // the store's
	} {
		out, err := run(t, ctx, append([]string{"device", "sync", "--token", tok.Token, "--store", store}, args...)...)
		if err != nil || !strings.Contains(out, "served by "+a.base) {
			t.Fatalf("device sync %v: %v\n%s", args, err, out)
		}
	}
	if _, err := run(t, ctx, "device", "sync", "--token", tok.Token, "--store", store, "--server", a.base+",127.0.0.1:7070"); err == nil || !strings.Contains(err.Error(), "not a URL") {
		t.Fatalf("a server that is not a URL: %v", err)
	}
}

package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/offsync/offsync/engine"
)

// TestSyncErrorsListFollowsPages: list prints at most --limit errors,
// fetched in pages, says how to get the rest, and --after continues;
// settings set changes only the settings given.
func TestSyncErrorsListFollowsPages(t *testing.T) {
	a := newAdminEnv(t)
	var prof struct{ Users []string }
	a.json(&prof, "profile", "get", "Field Sales")
	var muts []engine.Mutation
	for i := 0; i < 5; i++ { // rows that do not exist: not_found
		muts = append(muts, engine.Mutation{ID: fmt.Sprint(i), Entity: "account", RowID: fmt.Sprintf("10000000-0000-4000-8000-%012d", i), Op: engine.MutationDelete})
	}
	if r, err := a.e.Apply(a.e.Applied()+1, &engine.Command{Kind: engine.KindPush, Now: 1, Push: &engine.Push{User: prof.Users[0], Device: "d0000000-0000-4000-8000-000000000001", Mutations: muts}}); err != nil || r.Err != nil {
		t.Fatalf("push: %v %v", err, r)
	}
	out := a.ok("sync-errors", "list", "--limit", "2")
	if n := strings.Count(out, "not_found"); n != 2 || !strings.Contains(out, "more: sync-errors list --after ") {
		t.Fatalf("--limit 2 printed %d:\n%s", n, out)
	}
	after := strings.TrimSpace(out[strings.LastIndex(out, "--after ")+len("--after "):])
	out = a.ok("sync-errors", "list", "--limit", "0", "--after", after)
	if n := strings.Count(out, "not_found"); n != 3 || strings.Contains(out, "more:") {
		t.Fatalf("the rest printed %d:\n%s", n, out)
	}
	a.ok("settings", "set", "--sync-errors-per-device", "7")
	a.ok("settings", "set", "--conflict-detection", "on")
	var set engine.Settings
	if a.json(&set, "settings", "get"); set != (engine.Settings{ConflictDetection: true, SyncErrorsPerDevice: 7}) {
		t.Fatalf("settings %+v", set)
	}
}

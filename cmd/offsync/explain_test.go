package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mustFail runs a command that must fail with a message holding every
// one of want, and returns its exit code.
func mustFail(t *testing.T, args []string, want ...string) int {
	t.Helper()
	out, err := run(t, context.Background(), args...)
	if err == nil {
		t.Fatalf("offsync %s: succeeded\n%s", strings.Join(args, " "), out)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("offsync %s: %q does not say %q", strings.Join(args, " "), err, w)
		}
	}
	return exitCode(err, io.Discard)
}

func TestServerWithoutSchemeSuggestsHTTP(t *testing.T) {
	store := filepath.Join(t.TempDir(), "d")
	for _, args := range [][]string{
		{"user", "list", "--server", "127.0.0.1:7070", "--admin-token", "x"},
		{"device", "sync", "--server", "127.0.0.1:7070", "--token", "ofs_x", "--store", store},
	} {
		if code := mustFail(t, args, "use http://127.0.0.1:7070"); code != exitUsage {
			t.Fatalf("exit code %d, want %d", code, exitUsage)
		}
	}
}

func TestUnreachableServerSaysWhereAndHow(t *testing.T) {
	base := "http://" + freeAddr(t) // nothing listens there now
	store := filepath.Join(t.TempDir(), "d")
	for _, args := range [][]string{
		{"user", "list", "--server", base, "--admin-token", "x"},
		{"device", "sync", "--server", base, "--token", "ofs_x", "--store", store},
	} {
		mustFail(t, args, "not reachable at "+base, "--server", "OFFSYNC_SERVER", "connection refused")
	}
	// OFFSYNC_SERVER is where the commands go without --server.
	t.Setenv("OFFSYNC_SERVER", base)
	mustFail(t, []string{"user", "list", "--admin-token", "x"}, "not reachable at "+base)
	mustFail(t, []string{"device", "sync", "--token", "ofs_x", "--store", store}, "not reachable at "+base)
}

func TestDeviceSyncWithoutTokenFailsBeforeAnyRequest(t *testing.T) {
	t.Setenv("OFFSYNC_DEVICE_TOKEN", "")
	store := filepath.Join(t.TempDir(), "d")
	// The server is unreachable: a request would fail differently.
	code := mustFail(t, []string{"device", "sync", "--server", "http://" + freeAddr(t), "--store", store}, "--token", "OFFSYNC_DEVICE_TOKEN")
	if code != exitUsage {
		t.Fatalf("exit code %d", code)
	}
	if _, err := os.Stat(store); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the store was made: %v", err)
	}
}

// syncedStore syncs a device store of a Field Sales user against a.
func syncedStore(t *testing.T, a *adminEnv) string {
	t.Helper()
	var prof struct{ Users []string }
	a.json(&prof, "profile", "get", "Field Sales")
	var tok struct{ Token string }
	a.json(&tok, "token", "create", "--user", prof.Users[0])
	store := filepath.Join(t.TempDir(), "d")
	if out, err := run(t, context.Background(), "device", "sync", "--server", a.base, "--token", tok.Token, "--store", store); err != nil {
		t.Fatalf("device sync: %v\n%s", err, out)
	}
	return store
}

func TestDeviceQueryRefusesAMissingStoreAndAnUnknownEntity(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	mustFail(t, []string{"device", "query", "--store", missing, "--entity", "account"}, "no device store", missing)
	mustFail(t, []string{"device", "edit", "--store", missing, "--entity", "account", "--id", "x", "--set", "name=y"}, "no device store")
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a store was made at the mistyped path: %v", err)
	}
	a := newAdminEnv(t)
	store := syncedStore(t, a)
	mustFail(t, []string{"device", "query", "--store", store, "--entity", "nosuch"}, `"nosuch"`, "account")
	out, err := run(t, context.Background(), "device", "query", "--store", store, "--entity", "account")
	if err != nil || !strings.Contains(out, `"id"`) {
		t.Fatalf("query account: %v\n%s", err, out)
	}
}

func TestClosedOutputPipeExitsQuietly(t *testing.T) {
	a := newAdminEnv(t)
	store := syncedStore(t, a)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader went away, as head does
	defer w.Close()
	root := newRootCmd()
	root.SetArgs([]string{"device", "query", "--store", store, "--entity", "account"})
	root.SetOut(w)
	root.SetErr(io.Discard)
	err = root.ExecuteContext(context.Background())
	if !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("query into a closed pipe: %v", err)
	}
	var stderr bytes.Buffer
	if code := exitCode(err, &stderr); code != exitOK || stderr.Len() > 0 {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	// Other errors are printed, with code 1.
	if code := exitCode(fmt.Errorf("boom"), &stderr); code != exitError || !strings.Contains(stderr.String(), "offsync: boom") {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
}

func TestCompletion(t *testing.T) {
	a := newAdminEnv(t)
	store := syncedStore(t, a)
	complete := func(args ...string) string {
		t.Helper()
		out, err := run(t, context.Background(), append([]string{"__complete"}, args...)...)
		if err != nil {
			t.Fatalf("complete %v: %v", args, err)
		}
		return out
	}
	if out := complete("profile", "get", "--server", a.base, "--admin-token", adminTestToken, "Field"); !strings.Contains(out, "Field Sales\n") {
		t.Fatalf("profile names:\n%s", out)
	}
	if out := complete("user", "list", "-o", ""); !strings.Contains(out, "json\t") || !strings.Contains(out, "table\t") {
		t.Fatalf("-o values:\n%s", out)
	}
	if out := complete("device", "query", "--store", store, "--entity", "acc"); !strings.Contains(out, "account\n") {
		t.Fatalf("entities:\n%s", out)
	}
	if out := complete("sync-errors", "list", "--server", a.base, "--admin-token", adminTestToken, "--entity", ""); !strings.Contains(out, "contact\n") {
		t.Fatalf("offline entities:\n%s", out)
	}
}

func TestHelpTexts(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"device", "sync", "--help"}, "Push the changes queued"},
		{[]string{"device", "edit", "--help"}, "id of the row to change"},
		{[]string{"device", "delete", "--help"}, "id of the row to delete"},
		{[]string{"--help"}, "OFFSYNC_TLS_CA"},
		{[]string{"--help"}, "3  device sync"},
	} {
		out, err := run(t, context.Background(), c.args...)
		if err != nil || !strings.Contains(out, c.want) {
			t.Fatalf("offsync %v: %v: no %q in\n%s", c.args, err, c.want, out)
		}
	}
}

// TestHelpNeverShowsTokens: tokens from the environment are never shown
// as flag defaults (docs/admin-api.md says so).
func TestHelpNeverShowsTokens(t *testing.T) {
	const admin, device = "admin-secret-0123456789", "ofs_device-secret"
	t.Setenv("OFFSYNC_ADMIN_TOKEN", admin)
	t.Setenv("OFFSYNC_DEVICE_TOKEN", device)
	for _, args := range [][]string{
		{"user", "list", "--help"}, {"profile", "get", "--help"}, {"serve", "--help"},
		{"bench", "--help"}, {"device", "sync", "--help"}, {"device", "watch", "--help"}, {"cluster", "status", "--help"},
	} {
		out, err := run(t, context.Background(), args...)
		if err != nil || !strings.Contains(out, "token") {
			t.Fatalf("offsync %v: %v\n%s", args, err, out)
		}
		if strings.Contains(out, admin) || strings.Contains(out, device) {
			t.Fatalf("offsync %v shows a token:\n%s", args, out)
		}
	}
}

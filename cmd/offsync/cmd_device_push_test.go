package main

import (
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/engine"
)

// TestDevicePushEditsAndRejections: a device edits a row its user may
// write and one it may not, offline; the sync applies the first (another
// device sees it) and rejects the second with forbidden, recorded as a
// sync error, the server row unchanged.
func TestDevicePushEditsAndRejections(t *testing.T) {
	a := newAdminEnv(t)
	var prof struct{ Users []string }
	a.json(&prof, "profile", "get", "Field Sales")
	user := prof.Users[0]
	var own, other engine.ViewRow
	// Find, in the user's view, an account the user owns and one they do not.
	_, _ = a.e.View(user, "", nowOf(a), func(vr engine.ViewRow) error {
		if vr.Rule.Entity != "account" {
			return nil
		}
		if vr.Row.OwnerID == user && own.Rule == nil {
			own = vr
		}
		if vr.Row.OwnerID != user && other.Rule == nil {
			other = vr
		}
		return nil
	})

	if own.Rule == nil || other.Rule == nil {
		t.Skip("the demo user has no own and foreign account in view")
	}
	token := func() string {
		var tok struct{ Token string }
		a.json(&tok, "token", "create", "--user", user)
		return tok.Token
	}
	store := filepath.Join(t.TempDir(), "d1")
	t1 := token()
	runCmd := run
	run := func(args ...string) string {
		out, err := run(t, context.Background(), args...)
		if err != nil {
			t.Fatalf("offsync %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	run("device", "sync", "--server", a.base, "--token", t1, "--store", store)
	run("device", "edit", "--store", store, "--entity", "account", "--id", own.Row.ID, "--set", "telephone1='+1 555-0111'")
	run("device", "edit", "--store", store, "--entity", "account", "--id", other.Row.ID, "--set", "name=Hijacked")
	// A sync with a rejected change completes, and exits with exitRejected.
	out, err := runCmd(t, context.Background(), "device", "sync", "--server", a.base, "--token", t1, "--store", store)
	if !strings.Contains(out, "1 applied, 1 rejected") || !strings.Contains(out, "forbidden") {
		t.Fatalf("sync output:\n%s", out)
	}
	if code := exitCode(err, io.Discard); code != exitRejected {
		t.Fatalf("sync with a rejection: exit code %d (%v), want %d", code, err, exitRejected)
	}
	if row, _ := a.e.Get("account", own.Row.ID); row.Attrs["telephone1"] != "+1 555-0111" {
		t.Fatalf("own row: %+v", row.Attrs)
	}
	if row, _ := a.e.Get("account", other.Row.ID); row.Attrs["name"] == "Hijacked" || row.Version != other.Row.Version {
		t.Fatalf("foreign row changed: %+v", row)
	}
	errs, _, err := a.e.SyncErrors(engine.SyncErrorFilter{User: user})
	if err != nil || len(errs) != 1 || errs[0].Code != engine.CodeForbidden {
		t.Fatalf("sync errors: %+v %v", errs, err)
	}
	// The administrator sees the error, and re-applies it.
	var listed []struct {
		Ref  string
		Code string
	}
	a.json(&listed, "sync-errors", "list", "--user", user, "--code", "forbidden")
	if len(listed) != 1 {
		t.Fatalf("sync-errors list: %+v", listed)
	}
	// show prints the time as list does (RFC 3339); --since takes a date.
	if out := a.ok("sync-errors", "show", listed[0].Ref); !regexp.MustCompile(`(?m)^time:\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(out) {
		t.Fatalf("sync-errors show:\n%s", out)
	}
	for since, want := range map[string]int{"2000-01-01": 1, "2999-01-01": 0} {
		var got []struct{ Ref string }
		if a.json(&got, "sync-errors", "list", "--since", since); len(got) != want {
			t.Fatalf("--since %s: %d errors, want %d", since, len(got), want)
		}
	}
	if out := a.ok("sync-errors", "reapply", listed[0].Ref); !strings.Contains(out, "reapply") {
		t.Fatalf("reapply: %s", out)
	}
	if row, _ := a.e.Get("account", other.Row.ID); row.Attrs["name"] != "Hijacked" {
		t.Fatalf("after the administrator's re-apply: %+v", row.Attrs)
	}
	a.json(&listed, "sync-errors", "list")
	if len(listed) != 0 {
		t.Fatalf("a re-applied error is still listed: %+v", listed)
	}
	a.ok("settings", "set", "--conflict-detection", "on")
	var set struct{ ConflictDetection bool }
	if a.json(&set, "settings", "get"); !set.ConflictDetection {
		t.Fatal("conflict detection not on")
	}
	// Another device of the user sees the applied edit.
	d2, err := client.OpenDevice(client.DeviceConfig{Store: filepath.Join(t.TempDir(), "d2"), Server: a.base, Token: token()})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if _, err := d2.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := ""
	_ = d2.Rows("account", func(r client.Row) error {
		if r.ID == own.Row.ID {
			seen, _ = r.Attrs["telephone1"].(string)
		}
		return nil
	})
	if seen != "+1 555-0111" {
		t.Fatalf("the other device sees %q", seen)
	}
	// The push is idempotent: the queue is empty, nothing is re-sent.
	d1, err := client.OpenDevice(client.DeviceConfig{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := d1.Pending()
	rj, _ := d1.Rejected()
	d1.Close()
	if n != 0 || len(rj) != 1 || rj[0].Code != engine.CodeForbidden {
		t.Fatalf("queue %d, rejected %+v", n, rj)
	}
}

// nowOf is the server clock of an admin env (the dataset's time).
func nowOf(a *adminEnv) int64 { return a.now.UnixMilli() }

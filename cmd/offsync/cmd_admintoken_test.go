package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offsync/offsync/client"
)

// TestAdminTokensRotateOnline: named admin tokens work as soon as they are
// created, several at once, and stop as soon as they are revoked, with no
// restart; the list never shows a secret.
func TestAdminTokensRotateOnline(t *testing.T) {
	a := newAdminEnv(t)
	create := func(name string) string {
		var tok struct{ Token, ID, Name string }
		a.json(&tok, "admin-token", "create", "--name", name)
		if !strings.HasPrefix(tok.Token, "ofa_") || tok.Name != name {
			t.Fatalf("create %s: %+v", name, tok)
		}
		return tok.Token
	}
	ci, alice := create("ci"), create("alice")
	as := func(token string, args ...string) error {
		_, err := run(t, context.Background(), append(args, "--server", a.base, "--admin-token", token)...)
		return err
	}
	for _, tok := range []string{ci, alice} {
		if err := as(tok, "user", "list"); err != nil {
			t.Fatalf("a new token: %v", err)
		}
	}
	out := a.ok("admin-token", "list")
	if !strings.Contains(out, "ci") || !strings.Contains(out, "alice") || strings.Contains(out, ci) || strings.Contains(out, alice) {
		t.Fatalf("list:\n%s", out)
	}
	// Rotation: alice revokes ci, by name, with her own token.
	if err := as(alice, "admin-token", "revoke", "ci"); err != nil {
		t.Fatal(err)
	}
	if err := as(ci, "user", "list"); !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("a revoked token: %v", err)
	}
	if err := as(alice, "user", "list"); err != nil {
		t.Fatalf("the other token after the revocation: %v", err)
	}
	if _, err := a.cli("admin-token", "revoke", "ci"); err == nil || !strings.Contains(err.Error(), `no live admin token is named "ci"`) {
		t.Fatalf("revoke a revoked name: %v", err)
	}
	if _, err := a.cli("admin-token", "create"); err == nil || !strings.Contains(err.Error(), "name") {
		t.Fatalf("create without a name: %v", err)
	}
}

// TestAdminCLIFallsBackToTheLocalTokenFile: with no token given, the admin
// commands use ./offsync-data/admin-token, and say so.
func TestAdminCLIFallsBackToTheLocalTokenFile(t *testing.T) {
	a := newAdminEnv(t)
	t.Setenv("OFFSYNC_ADMIN_TOKEN", "")
	t.Chdir(t.TempDir())
	if _, err := run(t, context.Background(), "user", "list", "--server", a.base); err == nil || !strings.Contains(err.Error(), "OFFSYNC_ADMIN_TOKEN") {
		t.Fatalf("no token anywhere: %v", err)
	}
	if err := os.MkdirAll("offsync-data", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("offsync-data", "admin-token"), []byte(adminTestToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, context.Background(), "user", "list", "--server", a.base)
	if err != nil || !strings.Contains(out, "using the admin token in offsync-data/admin-token") || !strings.Contains(out, "EMAIL") {
		t.Fatalf("fallback: %v\n%s", err, out)
	}
	// A stale file (the server now runs with another token) is named.
	if err := os.WriteFile(filepath.Join("offsync-data", "admin-token"), []byte("an-old-generated-token-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = run(t, context.Background(), "user", "list", "--server", a.base)
	if !errors.Is(err, client.ErrUnauthorized) || !strings.Contains(err.Error(), "the token is the one in offsync-data/admin-token") {
		t.Fatalf("a stale token file: %v", err)
	}
}

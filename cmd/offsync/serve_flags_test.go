package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServeMessagesNameFlags(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--admin-token", "short"}, "--admin-token (or OFFSYNC_ADMIN_TOKEN): must be at least 16 characters"},
		{[]string{"--nonvoter"}, "--nonvoter: needs --join"},
		{[]string{"--raft", "0.0.0.0:0"}, "set --raft-advertise"},
		{[]string{"--http", ":0", "--join", "http://127.0.0.1:1"}, "set --http-advertise"},
		{[]string{"--log-format", "xml"}, "--log-format"},
		{[]string{"--log-level", "loud"}, "--log-level"},
		{[]string{"--raft-log-level", "loud"}, "--raft-log-level"},
	} {
		args := append([]string{"serve", "--data", data}, c.args...)
		if code := mustFail(t, args, c.want); code != exitUsage {
			t.Fatalf("serve %v: exit code %d", c.args, code)
		}
		if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("serve %v made the data directory: %v", c.args, err)
		}
	}
}

// TestServeFailedStartLeavesNothing: a start that fails after opening the
// engine and Raft (the HTTP address is taken) removes what it made.
func TestServeFailedStartLeavesNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fresh := filepath.Join(t.TempDir(), "data")
	mustFail(t, []string{"serve", "--data", fresh, "--http", ln.Addr().String()}, "listen http")
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed first start left %s: %v", fresh, err)
	}
	// A data directory that existed stays, without engine/ and raft/.
	existing := t.TempDir()
	mustFail(t, []string{"serve", "--data", existing, "--http", ln.Addr().String(), "--admin-token", e2eToken}, "listen http")
	for _, d := range []string{"engine", "raft"} {
		if _, err := os.Stat(filepath.Join(existing, d)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a failed start left %s/: %v", d, err)
		}
	}
	if _, err := os.Stat(existing); err != nil {
		t.Fatalf("the existing data directory was removed: %v", err)
	}
}

// TestServeJSONLogs: --log-format json writes one JSON object a line,
// and a single node warns neither on its first start nor on a restart.
func TestServeJSONLogs(t *testing.T) {
	data := t.TempDir()
	for start := range 2 {
		httpAddr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		stderr := &syncBuffer{}
		go func() {
			root := newRootCmd()
			root.SetArgs([]string{"serve", "--data", data, "--http", httpAddr, "--admin-token", e2eToken, "--log-format", "json"})
			root.SetOut(&syncBuffer{})
			root.SetErr(stderr)
			done <- root.ExecuteContext(ctx)
		}()
		waitReady(t, "http://"+httpAddr, 20*time.Second)
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not shut down")
		}
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		serving := false
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("start %d: not a JSON object: %q", start, l)
			}
			if m["level"] == "WARN" || m["level"] == "ERROR" {
				t.Fatalf("start %d of a single node logged %q", start, l)
			}
			serving = serving || m["msg"] == "offsync serving"
		}
		if !serving {
			t.Fatalf("start %d: no serving line in\n%s", start, stderr.String())
		}
	}
}

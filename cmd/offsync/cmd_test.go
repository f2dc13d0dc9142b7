package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// run executes the command tree in-process with args.
func run(t *testing.T, ctx context.Context, args ...string) (string, error) {
	t.Helper()
	// Locked: Raft's connection goroutines may still log after serve
	// returns (hashicorp/raft does not wait for them on shutdown).
	out := &syncBuffer{}
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(out)
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

func TestVersionCommand(t *testing.T) {
	out, err := run(t, context.Background(), "version")
	if err != nil || !strings.HasPrefix(out, "offsync dev (commit ") {
		t.Fatalf("version: %q %v", out, err)
	}
}

// freeAddr returns a loopback address with a port that was free just now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitReady polls /readyz until it answers 200.
func waitReady(t testing.TB, base string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not ready after %s", base, timeout)
}

func TestServeInProcessGeneratesTokenAndShutsDown(t *testing.T) {
	data := t.TempDir()
	httpAddr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		root := newRootCmd()
		root.SetArgs([]string{"serve", "--data", data, "--http", httpAddr, "--raft", freeAddr(t)})
		root.SetOut(&out)
		root.SetErr(&bytes.Buffer{})
		done <- root.ExecuteContext(ctx)
	}()
	base := "http://" + httpAddr
	waitReady(t, base, 20*time.Second)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if !strings.Contains(out.String(), "Generated admin token") {
		t.Fatalf("no token printed: %q", out.String())
	}
	var tok string
	fmt.Sscanf(out.String()[strings.LastIndex(out.String(), ": ")+2:], "%s", &tok)
	if len(tok) != 64 {
		t.Fatalf("token %q", tok)
	}
	_ = json.Valid
}

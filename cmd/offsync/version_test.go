package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestVersionEndpointNeedsNoToken(t *testing.T) {
	a := newAdminEnv(t)
	resp, err := http.Get(a.base + "/version")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ Version, Commit string }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 || v.Version != "dev" || v.Commit == "" {
		t.Fatalf("GET /version: %d %+v %v", resp.StatusCode, v, err)
	}
	out, err := run(t, context.Background(), "version")
	if err != nil || !strings.HasPrefix(out, "offsync dev (commit "+v.Commit+", go") {
		t.Fatalf("version: %q %v (the endpoint says %+v)", out, err, v)
	}
}

// TestMakeBuildSetsVersionAndCommit: make build links the version and
// commit in, so they show with Go's VCS stamping off.
func TestMakeBuildSetsVersionAndCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	bin := filepath.Join(t.TempDir(), "offsync")
	cmd := exec.Command("make", "-s", "build", "OUT="+bin, "VERSION=v9.8.7", "COMMIT=0123456789ab")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "offsync v9.8.7 (commit 0123456789ab, ") {
		t.Fatalf("version: %q %v", out, err)
	}
}

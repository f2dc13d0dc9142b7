package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// serveFor runs serve in-process with args until the test ends, once it
// answers /readyz at base.
func serveFor(t *testing.T, base string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		root := newRootCmd()
		root.SetArgs(append([]string{"serve"}, args...))
		root.SetOut(&syncBuffer{})
		root.SetErr(&syncBuffer{})
		done <- root.ExecuteContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	waitReady(t, base, 30*time.Second)
}

// adminStatus is the status of GET /v1/admin/users with token.
func adminStatus(t *testing.T, base, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/admin/users", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

const (
	fileToken = "token-from-the-file-0123456789"
	flagToken = "token-from-the-flag-0123456789"
	envToken  = "token-from-the-env-0123456789"
)

// writeConfig writes a serve config file for a node with its own data
// directory and addresses, and returns its path and HTTP base URL.
func writeConfig(t *testing.T, extra string) (path, base, metrics string) {
	t.Helper()
	dir := t.TempDir()
	httpAddr, metricsAddr := freeAddr(t), freeAddr(t)
	body := "# a test node\ndata: " + filepath.Join(dir, "data") + "\nhttp: " + httpAddr + "\nraft: " + freeAddr(t) +
		"\nadmin-token: " + fileToken + "\nmax-lag: 500\nbootstrap: true\nmetrics-public: " + metricsAddr + "\nlog-level: warn\n" + extra
	path = filepath.Join(dir, "offsync.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, "http://" + httpAddr, "http://" + metricsAddr
}

func TestServeConfigFile(t *testing.T) {
	t.Run("values apply, metrics-public serves without a token", func(t *testing.T) {
		path, base, metrics := writeConfig(t, "")
		serveFor(t, base, "--config", path)
		if code := adminStatus(t, base, fileToken); code != 200 {
			t.Fatalf("the file's admin token got %d", code)
		}
		resp, err := http.Get(metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(resp.Body)
		if resp.StatusCode != 200 || err != nil || fams["offsync_raft_state"] == nil {
			t.Fatalf("public metrics: %d %v", resp.StatusCode, err)
		}
	})
	t.Run("a flag wins over the file", func(t *testing.T) {
		path, base, _ := writeConfig(t, "")
		serveFor(t, base, "--config", path, "--admin-token", flagToken)
		if adminStatus(t, base, flagToken) != 200 || adminStatus(t, base, fileToken) != 401 {
			t.Fatal("the file's token, not the flag's, is in force")
		}
	})
	t.Run("the environment wins over the file", func(t *testing.T) {
		t.Setenv("OFFSYNC_ADMIN_TOKEN", envToken)
		path, base, _ := writeConfig(t, "")
		serveFor(t, base, "--config", path)
		if adminStatus(t, base, envToken) != 200 || adminStatus(t, base, fileToken) != 401 {
			t.Fatal("the file's token, not OFFSYNC_ADMIN_TOKEN, is in force")
		}
	})
}

func TestServeConfigFileRefusals(t *testing.T) {
	for name, tc := range map[string]struct{ extra, want string }{
		"unknown key":       {"max-lagg: 3\n", `unknown key "max-lagg"`},
		"not a flag":        {"config: other.yaml\n", `unknown key "config"`},
		"bad value":         {"max-concurrent-pulls: many\n", "max-concurrent-pulls:"},
		"not a single item": {"tls:\n  cert: x\n", `unknown key "tls"`},
		"a list":            {"http-advertise: [a, b]\n", "http-advertise: want a single value"},
		"no value":          {"sync-error-retention:\n", "sync-error-retention: want a single value"},
	} {
		t.Run(name, func(t *testing.T) {
			path, _, _ := writeConfig(t, tc.extra)
			var out bytes.Buffer
			root := newRootCmd()
			root.SetArgs([]string{"serve", "--config", path})
			root.SetOut(&out)
			root.SetErr(&out)
			err := root.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("serve = %v, want an error naming %s and %q", err, path, tc.want)
			}
			if exitCode(err, &out) != exitUsage {
				t.Fatalf("exit code %d, want %d", exitCode(err, &out), exitUsage)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(path), "data")); !os.IsNotExist(err) {
				t.Fatal("a refused config file left a data directory")
			}
		})
	}
}

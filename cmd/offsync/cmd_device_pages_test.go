package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/server"
)

// TestDeviceLoadsPagesFromAnotherNode: a device's first load lists
// shared pages on one node, which then stops answering; the device
// fetches every page from the other node (which never computed them:
// caches of its own), and ends with the same rows as a device that
// loaded everything from one node.
func TestDeviceLoadsPagesFromAnotherNode(t *testing.T) {
	a := newAdminEnvWith(t, func(c *server.Config) { c.PageRows = 50 })
	var prof struct{ Users []string }
	a.json(&prof, "profile", "get", "Field Sales")
	var tok struct{ Token string }
	a.json(&tok, "token", "create", "--user", prof.Users[0])

	// Node 1 answers pulls, then nothing once a page is asked for.
	target, _ := url.Parse(a.base)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var down atomic.Bool
	node1 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/sync/pages/") {
			down.Store(true)
		}
		if down.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(node1.Close)
	scfg := server.DefaultConfig(adminTestToken)
	scfg.Now, scfg.PageRows = func() time.Time { return a.now }, 50 // pages are cut alike on every node
	s2, err := server.New(scfg, directWriter{a.e}, a.e, readyAlways{})
	if err != nil {
		t.Fatal(err)
	}
	node2 := httptest.NewServer(s2.Handler())
	t.Cleanup(node2.Close)

	open := func(servers ...string) *client.Device {
		d, err := client.OpenDevice(client.DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: servers[0], Servers: servers[1:], Token: tok.Token})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	moved := open(node1.URL, node2.URL)
	sum, err := moved.Sync(context.Background())
	if err != nil || sum.Pages < 2 || sum.Resets != 1 || !down.Load() {
		t.Fatalf("sync: %+v %v (node 1 down: %v)", sum, err, down.Load())
	}
	ref := open(a.base)
	if _, err := ref.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, want := deviceDump(t, moved), deviceDump(t, ref)
	if got != want || want == "" {
		t.Fatalf("the device that moved holds\n%s\nthe reference\n%s", got, want)
	}
}

// deviceDump lists a device's rows, entity by entity, by id.
func deviceDump(t *testing.T, d *client.Device) string {
	t.Helper()
	counts, err := d.Counts()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range []string{"account", "contact", "opportunity", "task"} {
		if counts[e] == 0 {
			continue
		}
		err := d.Rows(e, func(r client.Row) error {
			b.WriteString(fmt.Sprintf("%s %s %d %v\n", e, r.ID, r.Version, r.Attrs))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

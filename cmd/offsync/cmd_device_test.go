package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offsync/offsync/client"
)

// TestDeviceWatchSyncsOnEvents runs the reference device in-process: watch
// syncs at once, and again when an ingest writes a row into its view.
func TestDeviceWatchSyncsOnEvents(t *testing.T) {
	a := newAdminEnv(t)
	user := ""
	var prof struct{ Users []string }
	a.json(&prof, "profile", "get", "Field Sales")
	user = prof.Users[0]
	var tok struct{ Token string }
	a.json(&tok, "token", "create", "--user", user)
	store := filepath.Join(t.TempDir(), "dev")
	d, err := client.OpenDevice(client.DeviceConfig{Store: store, Server: a.base, Token: tok.Token})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	var syncs []client.SyncSummary
	done := make(chan error, 1)
	go func() {
		done <- d.Watch(ctx, func(s client.SyncSummary, err error) {
			if err != nil {
				t.Errorf("sync: %v", err)
			}
			mu.Lock()
			syncs = append(syncs, s)
			mu.Unlock()
		})
	}()
	waitFor := func(n int) client.SyncSummary {
		for ctx.Err() == nil {
			mu.Lock()
			if len(syncs) >= n {
				s := syncs[n-1]
				mu.Unlock()
				return s
			}
			mu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("no sync %d", n)
		return client.SyncSummary{}
	}
	first := waitFor(1)
	if first.Resets != 1 || first.Upserts == 0 {
		t.Fatalf("first sync: %+v", first)
	}
	const task = "7a5c0000-0000-4000-8000-0000000000d1"
	a.ok("org", "apply", "-f", writeFile(t, map[string]any{})) // an admin change alone brings no rows
	body := fmt.Sprintf(`{"records":[{"entity":"task","id":%q,"ownerid":%q,"attributes":{"subject":"Follow up"}}]}`, task, user)
	if err := a.ingest(body); err != nil {
		t.Fatal(err)
	}
	for n := 2; ; n++ {
		s := waitFor(n)
		if s.Upserts == 1 {
			break
		}
	}
	found := false
	_ = d.Rows("task", func(r client.Row) error { found = found || r.ID == task; return nil })
	if !found {
		t.Fatal("the new task is not on the device")
	}
	cancel()
	if err := <-done; err != nil && !strings.Contains(err.Error(), "context") {
		t.Fatalf("watch: %v", err)
	}
}

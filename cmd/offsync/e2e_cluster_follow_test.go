package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/bench"
	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/reference"
)

// TestDeviceFollowsCluster runs the built binary as a 3-node cluster and
// `offsync device sync` configured with the leader's URL only. The first
// sync learns the members. Changes are queued, the configured node is
// killed with SIGKILL, and the next syncs (still with that one URL) push
// and pull through another node: nothing queued is lost, every change is
// on the cluster once, and at the end the device holds its reference
// view of the converged cluster.
func TestDeviceFollowsCluster(t *testing.T) {
	bin := buildBinary(t)
	pc, dir := startCrashCluster(t, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	user, token := crashDeviceUser(t, pc.URL(0), bench.DefaultProcAdminToken)
	if _, err := pc.WaitCaughtUp(ctx, 0); err != nil { // every node knows the token
		t.Fatal(err)
	}
	victim, err := pc.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "device")
	sync := func() string {
		return runBin(t, bin, "device", "sync", "--server", pc.URL(victim), "--token", token, "--store", store)
	}
	out := sync()
	if !strings.Contains(out, "served by "+pc.URL(victim)) {
		t.Fatalf("first sync, through %s:\n%s", pc.URL(victim), out)
	}
	for i := 0; i < pc.Len(); i++ {
		if !strings.Contains(out, pc.URL(i)) {
			t.Fatalf("the first sync did not learn %s:\n%s", pc.URL(i), out)
		}
	}
	var created []string
	queue := func(n int, label string) {
		for k := 0; k < n; k++ {
			id := fmt.Sprintf("f0110000-0000-4000-8000-%012d", len(created))
			runBin(t, bin, "device", "create", "--store", store, "--entity", "task", "--id", id, "--set", fmt.Sprintf("subject=%s %d", label, k))
			created = append(created, id)
		}
	}
	queue(3, "before")
	if err := pc.Kill9(victim); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed %s (the leader, and the only node the device was given)", pc.ID(victim))
	var lastSync [2]time.Time
	for round, n := range []int{3, 2} {
		if round > 0 {
			queue(n, "after the kill")
		}
		lastSync[0] = time.Now()
		out = sync()
		lastSync[1] = time.Now()
		t.Logf("sync %d after the kill:\n%s", round+1, out)
		if strings.Contains(out, "served by "+pc.URL(victim)) || !strings.Contains(out, "served by ") {
			t.Fatalf("sync %d after the kill was not served by another node:\n%s", round+1, out)
		}
		if want := fmt.Sprintf("pushed %d change(s): %d applied, 0 rejected", n, n); !strings.Contains(out, want) {
			t.Fatalf("sync %d after the kill did not push its changes:\n%s", round+1, out)
		}
	}
	if err := pc.Restart(victim); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.WaitCaughtUp(ctx, 0); err != nil {
		t.Fatal(err)
	}
	st := sameClusterState(t, pc)
	dev, err := client.OpenDevice(client.DeviceConfig{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if n, err := dev.Pending(); err != nil || n != 0 {
		t.Fatalf("%d changes still queued (%v)", n, err)
	}
	checkCreated(t, st, created)
	checkDeviceAgainstReference(t, dev, st, user, lastSync)
}

// checkCreated checks that the cluster holds each created task once.
func checkCreated(t *testing.T, st *reference.State, ids []string) {
	t.Helper()
	have := map[string]int{}
	for _, r := range st.Rows["task"] {
		have[r.ID]++
	}
	for _, id := range ids {
		if have[id] != 1 {
			t.Errorf("task %s: %d rows on the cluster, want 1", id, have[id])
		}
	}
}

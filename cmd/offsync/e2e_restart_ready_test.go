package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/offsync/offsync/bench"
)

// TestRestartedFollowerBecomesReady runs a 3-process cluster, kills a
// follower with SIGKILL, keeps writing through the leader while it is down
// (long enough for the leader's retries to the dead node to back off to
// their longest), restarts it and waits until its /readyz answers 200 at
// the leader's version. It logs how long that took (docs/operations.md,
// Restarts); it asserts only that the node becomes ready.
func TestRestartedFollowerBecomesReady(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	cfg := bench.DefaultProcConfig(bin, filepath.Join(dir, "cluster"))
	pc, err := bench.NewProcCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := pc.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	leader, err := pc.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := (leader + 1) % pc.Len()
	if err := pc.Kill9(f); err != nil {
		t.Fatal(err)
	}
	// 15 s down: hashicorp/raft's retries to a dead follower back off
	// exponentially to about 10 s between attempts.
	down := time.Now()
	for i := 0; time.Since(down) < 15*time.Second; i++ {
		body := map[string]string{"name": fmt.Sprintf("w%d", i)}
		if err := pc.Admin(leader).Do(ctx, http.MethodPost, "/v1/admin/admin-tokens", body, nil); err != nil {
			t.Fatalf("write while %s is down: %v", pc.ID(f), err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	want, _, err := pc.Applied(ctx, leader)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := pc.Restart(f); err != nil {
		t.Fatal(err)
	}
	if err := pc.WaitNodeReady(ctx, f); err != nil {
		t.Fatalf("%s after its restart: %v\n%s", pc.ID(f), err, pc.LogTail(f, 8<<10))
	}
	took := time.Since(start)
	got, _, err := pc.Applied(ctx, f)
	if err != nil || got < want {
		t.Fatalf("%s ready at version %d, the leader was at %d before the restart (%v)", pc.ID(f), got, want, err)
	}
	t.Logf("restarted follower ready after %s (version %d)", took.Round(10*time.Millisecond), got)
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/offsync/offsync/bench"
)

// soakDuration reads OFFSYNC_SOAK (a Go duration, e.g. 1h) or skips the
// test, saying how to run it.
func soakDuration(t *testing.T) time.Duration {
	s := os.Getenv("OFFSYNC_SOAK")
	if s == "" {
		t.Skip("soak skipped: set OFFSYNC_SOAK to a duration to run it, e.g. OFFSYNC_SOAK=1h go test ./... -run TestSoak -timeout 2h")
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("OFFSYNC_SOAK: %q is not a positive duration", s)
	}
	return d
}

// soakTotals adds up what the soak's runs did.
type soakTotals struct {
	crashRuns, crashRounds, clusterRuns, clusterKills, failoverRuns, failoverKills int
	acked, pushes, pulls, unknown, late, syncs                                     int
	lost, failedRuns                                                               int
}

// TestSoak runs, until OFFSYNC_SOAK has passed, the crash rounds of a
// single node (10 per run), the follower and leader kills of a cluster
// (2 of each per run) and the failover run (3 leader kills in 30 s), in
// turn, each with a new seed (logged). It prints the operation counts
// and the losses and divergences, which must all be zero (every check of
// those tests applies; a failed run is reported with its seed). The
// randomized convergence tests soak in the reference package's TestSoak,
// which the same command runs.
func TestSoak(t *testing.T) {
	d := soakDuration(t)
	bin := buildBinary(t)
	end := time.Now().Add(d)
	var tot soakTotals
	for i := 0; time.Now().Before(end); i++ {
		seed := time.Now().UnixNano()
		var ok bool
		switch i % 3 {
		case 0:
			ok = t.Run(fmt.Sprintf("crash-%d", i), func(t *testing.T) {
				t.Logf("seed %d (replay with OFFSYNC_CRASH_SEED=%d OFFSYNC_CRASH_ROUNDS=10 -run TestCrashSingleNode)", seed, seed)
				ops := runSingleNodeCrash(t, bin, seed, 10)
				tot.crashRuns++
				tot.crashRounds += ops.Rounds - 1
				tot.add(ops)
			})
		case 1:
			ok = t.Run(fmt.Sprintf("cluster-crash-%d", i), func(t *testing.T) {
				t.Logf("seed %d (replay with OFFSYNC_CRASH_SEED=%d OFFSYNC_CRASH_CLUSTER_ROUNDS=2 -run TestCrashCluster)", seed, seed)
				pc, dir := startCrashCluster(t, bin)
				ops := runClusterCrash(t, context.Background(), pc, seed, 2, dir)
				tot.clusterRuns++
				tot.clusterKills += ops.Rounds
				tot.add(ops)
			})
		default:
			ok = t.Run(fmt.Sprintf("failover-%d", i), func(t *testing.T) {
				res := soakFailover(t, bin, seed)
				tot.failoverRuns++
				tot.failoverKills += len(res.FailoverSeconds)
				tot.acked += res.AckedWrites
				tot.syncs += res.Syncs
				tot.lost += res.LostAckedWrites
			})
		}
		if !ok {
			tot.failedRuns++
		}
	}
	t.Logf("soak of %s: %d single-node crash runs (%d kill -9 rounds), %d cluster crash runs (%d follower/leader kills), %d failover runs (%d leader kills)",
		d, tot.crashRuns, tot.crashRounds, tot.clusterRuns, tot.clusterKills, tot.failoverRuns, tot.failoverKills)
	t.Logf("operations: %d acknowledged writes (%d of them pushes), %d pulls along old cursors, %d device syncs in failover runs, %d writes cut off by kills (each whole or not at all; %d of them committed after a check had seen them missing)",
		tot.acked, tot.pushes, tot.pulls, tot.syncs, tot.unknown, tot.late)
	t.Logf("losses: %d acknowledged writes lost (failover ledger); failed runs (a loss, half-applied batch, version regression, reset cursor or divergence; see above): %d",
		tot.lost, tot.failedRuns)
	if tot.lost != 0 || tot.failedRuns != 0 {
		t.Errorf("the soak found %d lost writes and %d failed runs", tot.lost, tot.failedRuns)
	}
}

// add counts a crash run's operations.
func (s *soakTotals) add(ops crashOps) {
	s.acked += ops.Ingests + ops.Pushes
	s.pushes += ops.Pushes
	s.pulls += ops.Pulls
	s.unknown += ops.Unknown
	s.late += ops.LateApplied
}

// soakFailover runs one failover run (TestFailoverKillLeader's, shorter)
// and its checks, and returns its result.
func soakFailover(t *testing.T, bin string, seed int64) bench.FailoverResult {
	t.Logf("seed %d (replay with OFFSYNC_SEED=%d -run TestFailoverKillLeader)", seed, seed)
	dir := t.TempDir()
	cfg := bench.DefaultFailoverConfig(bin, dir)
	cfg.Kills, cfg.Duration, cfg.Devices, cfg.IngestRate, cfg.Seed = 3, 30*time.Second, 4, 30, seed
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(dir, "*", "cluster", "*.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("--- %s (end):\n%s", filepath.Base(l), tail(string(b), 16<<10))
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var run *bench.FailoverRun
	for attempt := 1; ; attempt++ {
		// StartFailover does not retry a 503 (a young cluster that lost
		// its leader on a busy machine); start again, in a new directory.
		var err error
		cfg.Dir = filepath.Join(dir, fmt.Sprint(attempt))
		if run, err = bench.StartFailover(ctx, cfg); err == nil {
			break
		}
		if attempt == 3 {
			t.Fatalf("start: %v", err)
		}
		t.Logf("start %d failed, starting again: %v", attempt, err)
	}
	t.Cleanup(func() { run.Close() })
	if err := run.Run(ctx); err != nil {
		t.Fatalf("run: %v", err)
	}
	if err := run.Verify(ctx); err != nil {
		t.Fatalf("verify: %v", err)
	}
	settleFailover(t, ctx, run)
	res := run.Result()
	if len(res.FailoverSeconds) != cfg.Kills {
		t.Errorf("writes resumed after %d of %d kills", len(res.FailoverSeconds), cfg.Kills)
	}
	if res.LostAckedWrites != 0 {
		t.Errorf("%d acknowledged writes lost or changed: %v", res.LostAckedWrites, run.Notes())
	}
	checkConvergence(t, run)
	return res
}

// settleFailover brings a verified failover run to rest before its
// databases and devices are compared: Verify's last syncs push the
// mutations still queued, which are writes that the devices synced
// before them have not seen, and nodes may still be applying them. So it
// syncs every device again until none pushed anything, and waits until
// every node applied the same version.
func settleFailover(t *testing.T, ctx context.Context, run *bench.FailoverRun) {
	t.Helper()
	for pass := 0; ; pass++ {
		pushed := 0
		for _, d := range run.Devices {
			start := time.Now()
			sum, err := syncUntil(ctx, d.Device)
			if err != nil {
				t.Fatalf("settle: sync the device of %s: %v", d.User, err)
			}
			d.LastSyncStart, d.LastSyncEnd = start, time.Now()
			pushed += sum.Applied + len(sum.Rejected) + sum.Deferred
		}
		if pushed == 0 {
			break
		}
		if pass == 3 {
			t.Fatalf("settle: the devices still push after %d passes", pass+1)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := run.Cluster.WaitCaughtUp(wctx, 0); err != nil {
		t.Fatalf("settle: %v", err)
	}
}

package bench

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestFailoverScenarioSmall runs the harness's failover scenario with the
// offsync binary in $OFFSYNC_BENCH_BINARY on CRM-small: 40 devices (36
// light), 2 leader kills and 1 follower kill in 20 s. It checks that
// each kill has its syncs and statistics, that the light devices pushed,
// and that nothing was lost or failed. Skipped without the variable.
func TestFailoverScenarioSmall(t *testing.T) {
	bin := os.Getenv("OFFSYNC_BENCH_BINARY")
	if bin == "" {
		t.Skip("set OFFSYNC_BENCH_BINARY to an offsync binary to run the failover scenario")
	}
	c := DefaultHarnessConfig(ScenarioFailover, bin, t.TempDir())
	c.Rows, c.Devices, c.Duration, c.IngestRate = 10_000, 40, 20*time.Second, 50
	c.Failover.Kills, c.Failover.FollowerKills, c.Failover.SyncInterval = 2, 1, 2*time.Second
	var log bytes.Buffer
	c.Log = &log
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	r, err := RunHarness(ctx, c)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	f := r.Failover
	if len(f.Kills) != 3 || len(f.FailoverSeconds) != 2 {
		t.Fatalf("kills %+v, failover-s %v", f.Kills, f.FailoverSeconds)
	}
	leaders := 0
	for i, k := range f.Kills {
		if k.Leader {
			leaders++
		}
		if k.Syncs == 0 || k.SyncP99Ms <= 0 || k.RestartSeconds <= 0 {
			t.Errorf("kill %d: %+v", i+1, k)
		}
	}
	if leaders != 2 || !f.Kills[0].Leader {
		t.Errorf("kills %+v: want 2 of the leader, the first one among them", f.Kills)
	}
	if f.LostAckedWrites != 0 || f.FailedSyncs != 0 || f.LightPushes[0] == 0 || f.LightPushes[1] != 0 {
		t.Errorf("lost %d, failed syncs %d, light pushes %v; notes %v", f.LostAckedWrites, f.FailedSyncs, f.LightPushes, f.Notes)
	}
	if f.LeaderChanges < 2 {
		t.Errorf("the watch saw %d leader changes after 2 leader kills", f.LeaderChanges)
	}
	var table bytes.Buffer
	if err := WriteTable(&table, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "follower n") {
		t.Errorf("table:\n%s", table.String())
	}
	t.Logf("\n%s", table.String())
}

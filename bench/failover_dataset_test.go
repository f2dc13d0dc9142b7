package bench

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/offsync/offsync/client"
)

// TestFailoverLoadWays compares the two ways of putting CRM-N into a
// 3-node cluster of the offsync binary in $OFFSYNC_BENCH_BINARY
// ($OFFSYNC_BENCH_ROWS rows, 100,000 unless set): applied straight to
// node 1's engine, then the cluster formed from it (the followers
// install its snapshot), as the failover scenario does; or an empty
// cluster loaded through the leader's ingest API in batches of 2,500, 4
// in flight. It logs both times and checks that each cluster ends at
// the same version on every node. Skipped without the variable: it
// takes minutes.
func TestFailoverLoadWays(t *testing.T) {
	bin := os.Getenv("OFFSYNC_BENCH_BINARY")
	if bin == "" {
		t.Skip("set OFFSYNC_BENCH_BINARY to an offsync binary to compare the ways of loading a cluster")
	}
	rows := 100_000
	if s := os.Getenv("OFFSYNC_BENCH_ROWS"); s != "" {
		var err error
		if rows, err = strconv.Atoi(s); err != nil {
			t.Fatalf("OFFSYNC_BENCH_ROWS: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	newCluster := func() *ProcCluster {
		c := DefaultProcConfig(bin, t.TempDir())
		c.ReadyTimeout = 10 * time.Minute
		pc, err := NewProcCluster(c)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		return pc
	}

	pc := newCluster()
	start := time.Now()
	load, err := loadFailoverDataset(ctx, pc.DataDir(0), rows, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	v1, err := pc.WaitCaughtUp(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	direct := time.Since(start)
	t.Logf("into node 1's engine, then the cluster formed: %v (load %v, start and snapshot installs %v), version %d", direct.Round(time.Millisecond), load.Round(time.Millisecond), (direct - load).Round(time.Millisecond), v1)
	pc.Close()

	pc = newCluster()
	start = time.Now()
	if err := pc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	formed := time.Since(start)
	leader, err := pc.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin := &client.Admin{Server: pc.URL(leader), Token: DefaultProcAdminToken, HTTP: &http.Client{Timeout: 5 * time.Minute}}
	target := &serverTarget{kind: serverRemote, url: pc.URL(leader), token: DefaultProcAdminToken, admin: admin}
	dc, _, err := HarnessDataset(rows, 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadViaAdmin(ctx, target, dc, func(int) {}); err != nil {
		t.Fatal(err)
	}
	v2, err := pc.WaitCaughtUp(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	viaLeader := time.Since(start)
	t.Logf("an empty cluster loaded through the leader: %v (forming it %v), version %d", viaLeader.Round(time.Millisecond), formed.Round(time.Millisecond), v2)
}

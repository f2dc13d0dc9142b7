package main

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offsync/offsync/bench"
	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/reference"
)

// liveRoute sends a device's requests to a running node of a cluster,
// whatever the URL says, moving to another one after a failure.
type liveRoute struct {
	pc   *bench.ProcCluster
	next atomic.Uint64
}

// RoundTrip implements http.RoundTripper.
func (l *liveRoute) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Host, r.Host = l.pc.HTTPAddr(liveNode(l.pc, int(l.next.Load()))), ""
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || resp.StatusCode >= 500 {
		l.next.Add(1)
	}
	return resp, err
}

// liveNode returns the first running node from i on (round robin).
func liveNode(pc *bench.ProcCluster, i int) int {
	for k := 0; k < pc.Len(); k++ {
		if j := (i + k) % pc.Len(); pc.Running(j) {
			return j
		}
	}
	return 0
}

// liveURLs are the base URLs of the running nodes.
func liveURLs(pc *bench.ProcCluster) []string {
	var out []string
	for i := 0; i < pc.Len(); i++ {
		if pc.Running(i) {
			out = append(out, pc.URL(i))
		}
	}
	if len(out) == 0 {
		out = pc.URLs()
	}
	return out
}

// TestCrashCluster runs the crash rounds of TestCrashSingleNode against a
// 3-node cluster of `offsync serve` processes: the load goes through
// every running node, and each round kills a follower or the leader
// (alternating; OFFSYNC_CRASH_CLUSTER_ROUNDS of each, 3 by default) with
// SIGKILL at a random moment, keeps the load on the others for a while,
// restarts it and waits until every node caught up. Then every node holds
// every acknowledged batch whole at its version and every cut-off batch
// whole or not at all, an old cursor gets a delta on any node, and the
// device matches a fresh load. At the end every node holds the same
// database and the device its reference view.
func TestCrashCluster(t *testing.T) {
	seed, perKind := crashSeed(t), envRounds(t, "OFFSYNC_CRASH_CLUSTER_ROUNDS", 3)
	t.Logf("%d follower and %d leader kills (more with OFFSYNC_CRASH_CLUSTER_ROUNDS)", perKind, perKind)
	pc, dir := startCrashCluster(t, buildBinary(t))
	runClusterCrash(t, context.Background(), pc, seed, perKind, dir)
}

// startCrashCluster starts a 3-process demo cluster of bin, killed at the
// test's cleanup (printing the nodes' logs if it failed), and returns it
// with a directory for the test's other files.
func startCrashCluster(t *testing.T, bin string) (*bench.ProcCluster, string) {
	for attempt := 1; ; attempt++ {
		dir := t.TempDir()
		cfg := bench.DefaultProcConfig(bin, filepath.Join(dir, "cluster"))
		cfg.Demo = true
		pc, err := bench.NewProcCluster(cfg)
		if err != nil {
			t.Fatal(err)
		}
		err = pc.Start(context.Background())
		if err != nil && attempt < 3 && portTaken(pc) {
			// Another process took a port between choosing it and the
			// node binding it: start again on new ports.
			t.Logf("start cluster (attempt %d): %v: a port was taken meanwhile, again", attempt, err)
			pc.Close()
			continue
		}
		t.Cleanup(func() {
			pc.Close()
			if t.Failed() {
				for i := 0; i < pc.Len(); i++ {
					t.Logf("--- %s (end):\n%s", pc.ID(i), pc.LogTail(i, 16<<10))
				}
			}
		})
		if err != nil {
			t.Fatalf("start cluster: %v", err)
		}
		return pc, dir
	}
}

// portTaken reports whether a node of pc failed to start because its
// address was in use.
func portTaken(pc *bench.ProcCluster) bool {
	for i := 0; i < pc.Len(); i++ {
		if strings.Contains(pc.LogTail(i, 4<<10), "address already in use") {
			return true
		}
	}
	return false
}

// runClusterCrash runs 2*perKind kill rounds on a started cluster and
// checks it; it returns what the load did.
func runClusterCrash(t *testing.T, ctx context.Context, pc *bench.ProcCluster, seed int64, perKind int, dir string) crashOps {
	user, token := crashDeviceUser(t, pc.URL(0), bench.DefaultProcAdminToken)
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := pc.WaitCaughtUp(wctx, 0); err != nil { // every node knows the token
		t.Fatal(err)
	}
	load := newCrashLoad(bench.DefaultProcAdminToken, token, user, func() []string { return liveURLs(pc) })
	devCfg := client.DeviceConfig{Store: filepath.Join(dir, "device"), Server: pc.URL(0), Token: token,
		HTTP: &http.Client{Timeout: 10 * time.Second, Transport: &liveRoute{pc: pc}}}
	dev, err := client.OpenDevice(devCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if _, err := syncUntil(ctx, dev); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	if err := load.pullChain(ctx, false); err != nil {
		t.Fatalf("first pull: %v", err)
	}
	rng := rand.New(rand.NewSource(seed))
	checked := 0
	var lastSync [2]time.Time
	for round := 1; round <= 2*perKind; round++ {
		killLeader := round%2 == 0
		where := fmt.Sprintf("seed %d round %d", seed, round)
		lctx, lcancel := context.WithTimeout(ctx, 30*time.Second)
		leader, err := pc.Leader(lctx)
		lcancel()
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		victim := leader
		if !killLeader {
			victim = (leader + 1 + rng.Intn(pc.Len()-1)) % pc.Len()
		}
		load.nextEpoch()
		rctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); load.run(rctx, seed+int64(round)) }()
		go func() { defer wg.Done(); load.syncLoop(rctx, dev, seed+int64(round)) }()
		time.Sleep(time.Duration(200+rng.Intn(1300)) * time.Millisecond)
		if err := pc.Kill9(victim); err != nil {
			t.Fatal(err)
		}
		// The others carry on (through an election when it was the
		// leader).
		time.Sleep(time.Duration(500+rng.Intn(2000)) * time.Millisecond)
		stop()
		wg.Wait()
		if err := pc.Restart(victim); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		v, err := pc.WaitCaughtUp(wctx, load.maxAcked())
		cancel()
		if err != nil {
			t.Fatalf("%s: after killing %s: %v", where, pc.ID(victim), err)
		}
		load.checkRound(ctx, t, where+": after killing "+pc.ID(victim), pc.URLs(), &checked, dev, devCfg, &lastSync)
		kind := "follower"
		if killLeader {
			kind = "leader"
		}
		t.Logf("round %d: killed %s %s; every node at version %d, %d batches checked on each", round, kind, pc.ID(victim), v, checked)
	}
	if problems := load.check(ctx, pc.URLs(), 0); len(problems) > 0 {
		t.Fatalf("seed %d, final check: %v", seed, problems)
	}
	t.Logf("cluster crash rounds: %+v", load.ops)
	if load.ops.Ingests < perKind || load.ops.Pushes < perKind {
		t.Errorf("the load hardly ran: %+v", load.ops)
	}
	checkDeviceAgainstReference(t, dev, sameClusterState(t, pc), user, lastSync)
	return load.ops
}

// sameClusterState stops every node, checks that their databases are
// identical (same rows; the same digest at the same applied version) and
// returns node 1's state.
func sameClusterState(t *testing.T, pc *bench.ProcCluster) *reference.State {
	t.Helper()
	var states []*reference.State
	var digests []engine.Digest
	for i := 0; i < pc.Len(); i++ {
		if err := pc.Stop(i); err != nil {
			t.Fatal(err)
		}
		eng, err := engine.Open(engine.DefaultConfig(filepath.Join(pc.DataDir(i), "engine")))
		if err != nil {
			t.Fatalf("open %s's engine: %v", pc.ID(i), err)
		}
		st, err := reference.Load(eng)
		var d engine.Digest
		if err == nil {
			d, err = eng.Digest()
		}
		eng.Close()
		if err != nil {
			t.Fatalf("load %s's state: %v", pc.ID(i), err)
		}
		states, digests = append(states, st), append(digests, d)
	}
	for i := 1; i < len(states); i++ {
		if d := diffStates(states[0], states[i]); d != "" {
			t.Errorf("%s and %s hold different rows:%s", pc.ID(0), pc.ID(i), d)
		}
		if digests[i] != digests[0] {
			t.Errorf("%s (applied %d) and %s (applied %d) hold different databases", pc.ID(0), digests[0].Applied, pc.ID(i), digests[i].Applied)
		}
	}
	return states[0]
}

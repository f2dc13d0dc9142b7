package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/reference"
)

// crashSeed returns the seed of a crash run (OFFSYNC_CRASH_SEED replays
// one) and logs it.
func crashSeed(t testing.TB) int64 {
	seed := time.Now().UnixNano()
	if s := os.Getenv("OFFSYNC_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("OFFSYNC_CRASH_SEED: %v", err)
		}
	}
	t.Logf("seed %d (replay with OFFSYNC_CRASH_SEED=%d)", seed, seed)
	return seed
}

// envRounds reads a positive count from the environment variable name,
// or returns def.
func envRounds(t testing.TB, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("%s: %q is not a positive number", name, s)
	}
	return n
}

// crashDeviceUser picks the first Field Sales user of the demo data and
// mints a device token for it.
func crashDeviceUser(t testing.TB, base, admin string) (user, token string) {
	t.Helper()
	do := func(method, path string, out any) {
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, err)
		}
	}
	var prof struct{ Users []string }
	do("GET", "/v1/admin/profiles/"+url.PathEscape("Field Sales"), &prof)
	if len(prof.Users) == 0 {
		t.Fatal("the demo's Field Sales profile has no users")
	}
	// A busy machine can cost a young cluster its leader: 503 is an
	// answer to retry.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		req, _ := http.NewRequest("POST", base+"/v1/admin/users/"+prof.Users[0]+"/tokens", nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("mint a token: %v", err)
		}
		var tok struct{ Token string }
		err = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		switch {
		case resp.StatusCode == 200 && err == nil:
			return prof.Users[0], tok.Token
		case resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline):
			t.Fatalf("mint a token: %d %v", resp.StatusCode, err)
		}
	}
}

// syncLoop syncs d every 20-200ms until ctx ends (errors are expected
// around a kill); the version a sync ends at must never go back.
func (l *crashLoad) syncLoop(ctx context.Context, d *client.Device, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	for ctx.Err() == nil {
		if sum, err := d.Sync(ctx); err == nil {
			l.mu.Lock()
			if sum.Version < l.devVersion {
				l.errs = append(l.errs, fmt.Sprintf("device sync ended at version %d after %d", sum.Version, l.devVersion))
			}
			l.devVersion = max(l.devVersion, sum.Version)
			l.mu.Unlock()
		}
		sleepCtx(ctx, time.Duration(20+rng.Intn(180))*time.Millisecond)
	}
}

// TestCrashSingleNode kills the built binary with SIGKILL at random
// moments while it takes multi-record ingest batches, multi-mutation
// pushes, pulls and device syncs, and restarts it on the same data, for
// OFFSYNC_CRASH_ROUNDS rounds (20 by default). After each restart: every
// acknowledged batch is there whole at its acknowledged version; a batch
// cut off by the kill is there whole or not at all; writes get versions
// above every acknowledged one and pull versions never go back; a cursor
// taken before the kill gets a delta (not a reset); and a device kept in
// step across the kills holds exactly what a fresh device loads. At the
// end, the device holds the reference view computed from the engine.
func TestCrashSingleNode(t *testing.T) {
	seed, rounds := crashSeed(t), envRounds(t, "OFFSYNC_CRASH_ROUNDS", 20)
	t.Logf("%d rounds (more with OFFSYNC_CRASH_ROUNDS)", rounds)
	runSingleNodeCrash(t, buildBinary(t), seed, rounds)
}

// runSingleNodeCrash runs the rounds of TestCrashSingleNode with the
// binary bin and returns what the load did.
func runSingleNodeCrash(t *testing.T, bin string, seed int64, rounds int) crashOps {
	data, dir := t.TempDir(), t.TempDir()
	httpAddr, raftAddr := freeAddr(t), freeAddr(t)
	p := startServe(t, bin, data, httpAddr, raftAddr, "--demo")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log of the last round:\n%s", p.logs)
		}
	})
	user, token := crashDeviceUser(t, p.base, e2eToken)
	load := newCrashLoad(e2eToken, token, user, func() []string { return []string{p.base} })
	devCfg := client.DeviceConfig{Store: filepath.Join(dir, "device"), Server: p.base, Token: token}
	dev, err := client.OpenDevice(devCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	ctx := context.Background()
	if _, err := dev.Sync(ctx); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	if err := load.pullChain(ctx, false); err != nil {
		t.Fatalf("first pull: %v", err)
	}
	rng := rand.New(rand.NewSource(seed))
	checked := 0
	var lastSync [2]time.Time
	for round := 1; round <= rounds; round++ {
		load.nextEpoch()
		lctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); load.run(lctx, seed+int64(round)) }()
		go func() { defer wg.Done(); load.syncLoop(lctx, dev, seed+int64(round)) }()
		time.Sleep(time.Duration(100+rng.Intn(1400)) * time.Millisecond)
		p.kill()
		stop()
		wg.Wait()

		restart := time.Now()
		p = startServe(t, bin, data, httpAddr, raftAddr, "--demo")
		ready := time.Since(restart)
		where := fmt.Sprintf("seed %d round %d", seed, round)
		load.checkRound(ctx, t, where, []string{p.base}, &checked, dev, devCfg, &lastSync)
		if testing.Verbose() {
			t.Logf("round %d: ready after %s, checked in %s", round, ready.Round(time.Millisecond), (time.Since(restart) - ready).Round(time.Millisecond))
		}
	}
	// One more write after the last restart: its version is above every
	// acknowledged one.
	load.nextEpoch()
	load.ingest(ctx, rng, "crash after the last restart")
	if problems := load.check(ctx, []string{p.base}, 0); len(problems) > 0 || len(load.violations()) > 0 {
		t.Fatalf("seed %d, final check: %v %v", seed, problems, load.violations())
	}
	lastSync[0] = time.Now()
	if _, err := syncUntil(ctx, dev); err != nil {
		t.Fatalf("last sync: %v", err)
	}
	lastSync[1] = time.Now()
	t.Logf("crash rounds: %+v", load.ops)
	if load.ops.Ingests < rounds || load.ops.Pushes < rounds/2 {
		t.Errorf("the load hardly ran: %+v", load.ops)
	}
	// Stop the node cleanly and compare the device with the reference
	// view computed from its engine.
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Wait()
	eng, err := engine.Open(engine.DefaultConfig(filepath.Join(data, "engine")))
	if err != nil {
		t.Fatal(err)
	}
	st, err := reference.Load(eng)
	eng.Close()
	if err != nil {
		t.Fatal(err)
	}
	checkDeviceAgainstReference(t, dev, st, user, lastSync)
	return load.ops
}

// checkDeviceAgainstReference compares the device with the reference view
// of user as of its last sync, which started at lastSync[0] and ended at
// lastSync[1]: the pull's time lies between, so the device must equal the
// view at one of the two.
func checkDeviceAgainstReference(t *testing.T, dev *client.Device, st *reference.State, user string, lastSync [2]time.Time) {
	t.Helper()
	got := deviceView(t, dev, st)
	var diffs []string
	for _, at := range lastSync {
		want, err := reference.Compute(st, user, "", at.UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
		diffs = append(diffs, diffViews(got, normalizeView(want), "the device", "the reference view"))
	}
	if diffs[0] != "" && diffs[1] != "" {
		t.Errorf("the device differs from its reference view:%s", diffs[0])
	}
}

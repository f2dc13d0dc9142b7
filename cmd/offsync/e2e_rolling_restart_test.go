package main

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offsync/offsync/bench"
	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
)

// rollingDevice is a device that syncs in a loop during a rolling
// restart, queuing a new task before every sync.
type rollingDevice struct {
	dev  *client.Device
	user string
	mu   sync.Mutex
	// queued are the tasks queued and not yet acknowledged; acked those
	// a sync acknowledged (the queue empty after it, none rejected).
	queued, acked []string
	syncs, failed int
	deferred      int
	errs          []string
	lastSync      [2]time.Time
	served        map[string]int
}

// loop queues a task and syncs, every 20-200 ms, until ctx ends.
func (d *rollingDevice) loop(ctx context.Context, t *testing.T, name string, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	for n := 0; ctx.Err() == nil; n++ {
		m, err := d.dev.Queue(codec.Mutation{Entity: "task", RowID: crashGUID(rng), Op: "create",
			Attrs: map[string]any{"subject": fmt.Sprintf("%s rolling %d", name, n)}})
		if err != nil {
			t.Errorf("%s: queue: %v", name, err)
			return
		}
		d.mu.Lock()
		d.queued = append(d.queued, m.RowID)
		d.mu.Unlock()
		d.sync(context.WithoutCancel(ctx), name)
		sleepCtx(ctx, time.Duration(20+rng.Intn(180))*time.Millisecond)
	}
}

// sync runs one sync and records its outcome.
func (d *rollingDevice) sync(ctx context.Context, name string) {
	start := time.Now()
	sum, err := d.dev.Sync(ctx)
	end := time.Now()
	pending, perr := d.dev.Pending()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.syncs++
	switch {
	case err != nil || perr != nil:
		d.failed++
		d.errs = append(d.errs, fmt.Sprintf("%s: sync at %s: %v %v", name, start.Format("15:04:05.000"), err, perr))
		return
	case len(sum.Rejected) > 0:
		d.errs = append(d.errs, fmt.Sprintf("%s: %d changes rejected: %+v", name, len(sum.Rejected), sum.Rejected))
	case sum.Deferred > 0:
		d.deferred++
	}
	d.served[sum.Server]++
	d.lastSync = [2]time.Time{start, end}
	if pending == 0 {
		d.acked = append(d.acked, d.queued...)
		d.queued = nil
	}
}

// TestRollingRestart runs the built binary as a 3-node cluster, with
// three devices (each given one node's URL) queuing a change and syncing
// every 20-200 ms, and restarts every node in turn as docs/operations.md
// says: hand leadership over (`offsync cluster transfer-leader`) when
// the node leads, stop it (SIGTERM), start it again 8 s later (longer
// than a device waits for one node), and wait until its /readyz answers
// 200 (caught up) before the next node. No sync fails, each device was
// served by more than one node, every acknowledged change is on the
// cluster once, the nodes converge, and each device holds its reference
// view.
func TestRollingRestart(t *testing.T) {
	bin := buildBinary(t)
	pc, dir := startCrashCluster(t, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	devs := make([]*rollingDevice, pc.Len())
	for i := range devs {
		user, token := crashDeviceUser(t, pc.URL(0), bench.DefaultProcAdminToken)
		devs[i] = &rollingDevice{user: user, served: map[string]int{}}
		if _, err := pc.WaitCaughtUp(ctx, 0); err != nil { // every node knows the token
			t.Fatal(err)
		}
		var err error
		devs[i].dev, err = client.OpenDevice(client.DeviceConfig{Store: filepath.Join(dir, fmt.Sprintf("device%d", i)),
			Server: pc.URL(i), Token: token, HTTP: &http.Client{Timeout: time.Minute}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { devs[i].dev.Close() })
		devs[i].sync(ctx, fmt.Sprintf("device %d", i)) // the first load
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	lctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i, d := range devs {
		wg.Go(func() { d.loop(lctx, t, fmt.Sprintf("device %d", i), seed+int64(i)) })
	}
	admin := []string{"--admin-token", bench.DefaultProcAdminToken}
	for i := 0; i < pc.Len(); i++ {
		sleepCtx(ctx, time.Second) // the devices sync with every node up
		leader, err := pc.Leader(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if leader == i {
			transferLeader(t, bin, pc.URL((i+1)%pc.Len()), admin, pc.ID(i))
		}
		if err := pc.Stop(i); err != nil {
			t.Fatal(err)
		}
		// The devices sync with the node down, longer than a device
		// waits for one node (client.DefaultRetryConfig: at most 7.5 s
		// of pauses), as when an upgrade takes a while.
		sleepCtx(ctx, 8*time.Second)
		if err := pc.Restart(i); err != nil {
			t.Fatal(err)
		}
		if err := pc.WaitNodeReady(ctx, i); err != nil {
			t.Fatalf("%s after its restart: %v", pc.ID(i), err)
		}
		t.Logf("restarted %s; it is ready", pc.ID(i))
	}
	sleepCtx(ctx, time.Second)
	stop()
	wg.Wait()
	// Twice: the first round pushes what is left, the second pulls
	// every device's changes.
	for range 2 {
		for i, d := range devs {
			d.sync(ctx, fmt.Sprintf("device %d, last syncs", i))
		}
	}
	if _, err := pc.WaitCaughtUp(ctx, 0); err != nil {
		t.Fatal(err)
	}
	st := sameClusterState(t, pc)
	var all []string
	for i, d := range devs {
		t.Logf("device %d: %d syncs, %d failed, %d with the push deferred; %d changes acknowledged; served by %v",
			i, d.syncs, d.failed, d.deferred, len(d.acked), d.served)
		for _, e := range d.errs {
			t.Error(e)
		}
		if len(d.queued) > 0 {
			t.Errorf("device %d: %d changes still queued after the last sync", i, len(d.queued))
		}
		if len(d.served) < 2 {
			t.Errorf("device %d was served by %v only: it did not move to another node", i, d.served)
		}
		if len(d.acked) < 10 {
			t.Errorf("device %d: only %d changes acknowledged: the load hardly ran", i, len(d.acked))
		}
		all = append(all, d.acked...)
		checkDeviceAgainstReference(t, d.dev, st, d.user, d.lastSync)
	}
	checkCreated(t, st, all)
}

// transferLeader runs `offsync cluster transfer-leader` through the node
// at base. A busy machine can make a transfer time out (503): it is
// asked again, up to five times.
func transferLeader(t *testing.T, bin, base string, admin []string, from string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		out, err := exec.Command(bin, append([]string{"cluster", "transfer-leader", "--server", base}, admin...)...).CombinedOutput()
		if err == nil {
			t.Logf("%s led: %s", from, strings.TrimSpace(string(out)))
			return
		}
		if attempt == 5 {
			t.Fatalf("transfer-leader: %v\n%s", err, out)
		}
		t.Logf("transfer-leader (attempt %d): %v: %s", attempt, err, strings.TrimSpace(string(out)))
		time.Sleep(time.Second)
	}
}

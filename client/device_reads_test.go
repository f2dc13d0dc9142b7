package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"
)

// readsScript is a device's life: a first load in pages, deltas too big
// for one local transaction, a delta in pages, a small one, a paged
// reload that the server starts again halfway, and a big delta again.
func readsScript(seed int64) *scriptGen {
	g := newScriptGen(seed)
	g.load(500, 150)
	g.delta(0.4, 120, 1)
	g.delta(0.5, 60, 3)
	g.delta(0.01, 3, 1)
	g.load(300, 60)
	g.abandonLoad(3)
	g.load(400, 120)
	g.delta(0.6, 200, 1)
	return g
}

// TestDeviceReadsDuringSync: readers that read while the device syncs
// (first loads in pages, deltas too big for one local transaction, deltas
// in pages) only ever see a complete state, the one before a sync or the
// one after it, never a mix, and never an older one than they saw. Each
// write split over several local transactions is followed by a read
// before it goes on, besides readers that read without pause.
func TestDeviceReadsDuringSync(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	g := readsScript(seed)
	ts := g.serve(t)
	o := newObserver(g.states)
	d := openModelDevice(t, tempStore(t), ts.URL, 40)
	defer d.Close()

	// A reader at each split commit: the sync waits for its read.
	ask, done := make(chan struct{}), make(chan error)
	go func() {
		r := o.reader()
		for range ask {
			done <- r.read(d)
		}
	}()
	splits := 0
	var failed error
	d.afterCommit = func() error {
		splits++
		ask <- struct{}{}
		if err := <-done; err != nil && failed == nil {
			failed = fmt.Errorf("read after split commit %d: %w", splits, err)
		}
		return nil
	}
	defer close(ask)

	// Readers that read without pause until the script is done.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	reads := make([]int, 2)
	for i := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := o.reader()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := r.read(d); err != nil {
					t.Errorf("reader %d, read %d: %v", i, reads[i], err)
					return
				}
				reads[i]++
			}
		}()
	}
	for k := 1; k < len(g.states); k++ {
		sum, err := d.Sync(context.Background())
		if err != nil {
			t.Fatalf("sync %d: %v", k, err)
		}
		if sum.Pulls != len(g.syncs[k-1]) {
			t.Fatalf("sync %d: %d pulls, want %d", k, sum.Pulls, len(g.syncs[k-1]))
		}
		if failed != nil {
			t.Fatalf("sync %d: %v", k, failed)
		}
		if err := o.exactly(d, k); err != nil {
			t.Fatalf("after sync %d: %v", k, err)
		}
		if gens, err := d.storedGenerations(); err != nil || len(gens) != 1 {
			t.Fatalf("after sync %d: generations %v (%v), want one", k, gens, err)
		}
	}
	close(stop)
	wg.Wait()
	if splits < 20 {
		t.Fatalf("only %d split commits: the script does not exercise writes over several transactions", splits)
	}
	t.Logf("%d split commits, %v reads", splits, reads)
}

var errCrash = errors.New("crash")

// TestDeviceSyncCrashMidPull: a sync cut at a commit of a write split
// over several transactions (copying the rows, applying a big delta or a
// page, deleting the old generation) leaves the device showing the state
// before the pull or after it; after a restart the next sync reaches the
// state after it and no other generation is left on disk. Each sync is cut
// at its first and last split commits and at some between.
func TestDeviceSyncCrashMidPull(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	g := newScriptGen(seed)
	g.load(300, 120)
	g.delta(0.5, 50, 1)
	g.delta(0.5, 30, 2)
	g.load(200, 90)
	g.load(200, 40)
	g.abandonLoad(2)
	g.load(150, 60)
	ts := g.serve(t)
	o := newObserver(g.states)
	const txnOps = 25

	// A dry run counts the split commits of each sync.
	commits := make([]int, len(g.states))
	d := openModelDevice(t, tempStore(t), ts.URL, txnOps)
	for k := 1; k < len(g.states); k++ {
		d.afterCommit = func() error { commits[k]++; return nil }
		if _, err := d.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		if commits[k] == 0 {
			t.Fatalf("sync %d: no write split over several transactions", k)
		}
	}
	d.Close()

	for k := 1; k < len(g.states); k++ {
		ts.upTo.Store(int64(k))
		t.Logf("sync %d: %d split commits", k, commits[k])
		points := []int{1, commits[k]}
		for range 3 {
			points = append(points, 1+rng.Intn(commits[k]))
		}
		for _, crashAt := range points {
			store := tempStore(t)
			d := openModelDevice(t, store, ts.URL, txnOps)
			for j := 1; j < k; j++ {
				if _, err := d.Sync(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			n := 0
			d.afterCommit = func() error {
				if n++; n == crashAt {
					return errCrash
				}
				return nil
			}
			if _, err := d.Sync(context.Background()); !errors.Is(err, errCrash) {
				t.Fatalf("sync %d, crash at commit %d of %d: %v", k, crashAt, commits[k], err)
			}
			if o.exactly(d, k-1) != nil && o.exactly(d, k) != nil {
				t.Fatalf("sync %d, crash at commit %d of %d: the device shows neither the state before nor the one after", k, crashAt, commits[k])
			}
			d.Close()
			d = openModelDevice(t, store, ts.URL, txnOps)
			if _, err := d.Sync(context.Background()); err != nil {
				t.Fatalf("sync %d, crash at commit %d, then sync: %v", k, crashAt, err)
			}
			if err := o.exactly(d, k); err != nil {
				t.Fatalf("sync %d, crash at commit %d, then sync: %v", k, crashAt, err)
			}
			if gens, err := d.storedGenerations(); err != nil || len(gens) != 1 {
				t.Fatalf("sync %d, crash at commit %d, then sync: generations %v (%v), want one", k, crashAt, gens, err)
			}
			d.Close()
		}
	}
}

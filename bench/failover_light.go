package bench

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"sync"
	"time"

	"github.com/offsync/offsync/codec"
)

// The light devices of a failover run: thousands of devices cost the
// harness little when each keeps only its token and cursor (the bench
// harness's puller), yet every sync is a real pull over HTTP (msgpack,
// zstd, pages) and some push. Each device has a home node (the nodes in
// turn) and starts each sync there; on a failed request it moves on to
// the next node, as a device holding the cluster's endpoints does, with
// a growing, jittered pause, for up to FailoverSyncRetry.

// lightRequestTimeout bounds one request of a light device.
const lightRequestTimeout = 5 * time.Second

// foLight is one light device.
type foLight struct {
	index  int
	user   string
	token  string
	home   int
	cursor string
	rng    *rand.Rand
	// pending is the task the device pushes at its next sync, and mut
	// the mutation that creates it (retried with the same id).
	pending *foWrite
	mut     codec.Mutation
	pushSeq int
}

// startLight makes the light devices, device i the user of tokens[i]
// (users[(Devices+i) % len(users)]) homed on node i mod Nodes, and runs
// their first loads, FirstLoads at a time.
func (r *FailoverRun) startLight(ctx context.Context, users, tokens []string) error {
	if r.cfg.LightDevices == 0 {
		return nil
	}
	r.lightHC = newHTTPClient(r.cfg.LightDevices + 16)
	for i, tok := range tokens {
		r.light = append(r.light, &foLight{index: i, user: users[(r.cfg.Devices+i)%len(users)], token: tok,
			home: i % r.Cluster.Len(), rng: rand.New(rand.NewSource(lightSeed(r.cfg.Seed, i)))})
	}
	start := time.Now()
	err := forEach(ctx, len(r.light), r.cfg.FirstLoads, func(ctx context.Context, i int) error {
		if err := r.lightSync(ctx, r.light[i]); err != nil {
			return fmt.Errorf("first load of light device %d: %w", i+1, err)
		}
		return nil
	}, func(done int) {
		if done%200 == 0 {
			r.progress("%d of %d light devices loaded", done, len(r.light))
		}
	})
	r.res.FirstLoadSeconds = time.Since(start).Seconds()
	r.progress("%d light devices loaded in %.1fs", len(r.light), r.res.FirstLoadSeconds)
	return err
}

// runLight runs every light device's loop until ctx ends.
func (r *FailoverRun) runLight(ctx context.Context, wg *sync.WaitGroup) {
	for _, d := range r.light {
		wg.Add(1)
		go func() { defer wg.Done(); r.lightLoop(ctx, d) }()
	}
}

// lightLoop syncs d every SyncInterval (each wait drawn between half and
// one and a half of it, the first from zero) until ctx ends; before one
// sync in PushEvery it queues a new task, which the sync pushes.
func (r *FailoverRun) lightLoop(ctx context.Context, d *foLight) {
	iv := r.cfg.SyncInterval
	wait := time.Duration(d.rng.Int63n(int64(iv)))
	for sleepCtx(ctx, wait) {
		if d.pending == nil && d.rng.Intn(r.cfg.PushEvery) == 0 {
			d.pushSeq++
			subject := fmt.Sprintf("failover light d%d #%d", d.index+1, d.pushSeq)
			d.mut = codec.Mutation{ID: fmt.Sprintf("fo-l%d-%d", d.index+1, d.pushSeq), Entity: "task", RowID: foGUID(d.rng), Op: "create",
				Attrs: map[string]any{"subject": subject}}
			d.pending = &foWrite{entity: "task", id: d.mut.RowID, owner: d.user, attrs: map[string]any{"subject": subject}}
			r.attempt(d.pending)
		}
		_ = r.lightSync(ctx, d)
		wait = iv/2 + time.Duration(d.rng.Int63n(int64(iv)))
	}
}

// lightSync is one sync of d: its pending push, then pulls until it is
// up to date, starting at its home node and moving on to the next node
// after each failure, for up to FailoverSyncRetry. A sync cut by the end
// of ctx is not counted.
func (r *FailoverRun) lightSync(ctx context.Context, d *foLight) error {
	start := time.Now()
	n := r.Cluster.Len()
	for attempt := 0; ; attempt++ {
		err := r.lightOnce(ctx, d, (d.home+attempt)%n)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			r.syncs.add(foSync{start: start, dur: time.Since(start)})
			r.mu.Lock()
			r.res.Syncs++
			r.mu.Unlock()
			return nil
		}
		if time.Since(start) >= FailoverSyncRetry {
			r.syncs.add(foSync{start: start, dur: time.Since(start), failed: true})
			r.mu.Lock()
			r.res.Syncs++
			r.res.FailedSyncs++
			r.mu.Unlock()
			r.note("sync of light device %d (%s) failed after %d attempts in %s: %v", d.index+1, d.user, attempt+1, time.Since(start).Round(time.Millisecond), err)
			return err
		}
		sleepCtx(ctx, lightBackoff(attempt, d.rng))
	}
}

// lightSeed seeds light device i's random choices (its row ids among
// them): apart from the seeds of the writers and Go devices of the run
// (small multiples of seed plus an index below 2^32).
func lightSeed(seed int64, i int) int64 { return seed*15_485_863 + 1<<40 + int64(i) }

// lightBackoff is the pause after failed attempt n (from 0): 25ms
// doubling up to 800ms, each drawn between half and all of it.
func lightBackoff(n int, rng *rand.Rand) time.Duration {
	d := 25 * time.Millisecond << min(n, 5)
	return d/2 + time.Duration(rng.Int63n(int64(d/2)+1))
}

// lightOnce pushes d's pending task, if any, then pulls until d is up to
// date, through node i.
func (r *FailoverRun) lightOnce(ctx context.Context, d *foLight, i int) error {
	base := r.Cluster.URL(i)
	if d.pending != nil {
		if err := r.lightPush(ctx, d, base); err != nil {
			return err
		}
	}
	p := &puller{hc: r.lightHC, url: base + "/v1/sync/pull"}
	for {
		rctx, cancel := context.WithTimeout(ctx, lightRequestTimeout)
		a, err := p.pull(rctx, d.token, d.cursor)
		cancel()
		if err != nil {
			return fmt.Errorf("%s: %w", r.Cluster.ID(i), err)
		}
		d.cursor = a.resp.Cursor
		if !a.resp.More {
			return nil
		}
	}
}

// lightPush pushes d's pending task through base and settles it:
// applied, it joins the acknowledged writes; rejected, it is counted.
func (r *FailoverRun) lightPush(ctx context.Context, d *foLight, base string) error {
	body, err := codec.Marshal(codec.PushRequest{Mutations: []codec.Mutation{d.mut}})
	if err != nil {
		return err
	}
	hdr := http.Header{"Authorization": {"Bearer " + d.token}, "Content-Type": {"application/msgpack"},
		"Accept": {"application/msgpack"}, "Accept-Encoding": {"zstd"}}
	rctx, cancel := context.WithTimeout(ctx, lightRequestTimeout)
	defer cancel()
	raw, _, _, err := deviceCall(rctx, r.lightHC, base+"/v1/sync/push", hdr, body)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	var res codec.PushResponse
	if err := codec.Unmarshal(raw, &res); err != nil || len(res.Results) != 1 {
		return fmt.Errorf("push: decode answer: %v (%d results)", err, len(res.Results))
	}
	w := d.pending
	d.pending = nil
	if !res.Results[0].Applied {
		r.note("light device %d: task refused: %s %s", d.index+1, res.Results[0].Code, res.Results[0].Message)
		r.mu.Lock()
		r.res.LightPushes[1]++
		r.mu.Unlock()
		return nil
	}
	w.version = res.Results[0].Version
	r.ack(w)
	r.mu.Lock()
	r.res.LightPushes[0]++
	r.mu.Unlock()
	return nil
}

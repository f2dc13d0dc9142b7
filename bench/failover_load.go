package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"sync"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/server"
)

// The load of a failover run: paced writers send one-record ingest
// batches through every live node, the devices sync, and the kill cycle
// kills the leader (or a follower) with SIGKILL, probes until a write is
// accepted again (the failover time), then restarts the node.

// Run puts the cluster under load and kills Kills leaders and
// FollowerKills followers, in the order killPlan gives, one per cycle of
// Duration/(Kills+FollowerKills): kill -9, time until a write is
// accepted again, wait, restart, wait until the node is ready, and so on
// until Duration has passed. Then the load stops. Meanwhile it watches
// the leader (false elections).
func (r *FailoverRun) Run(ctx context.Context) error {
	lctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	tokens := make(chan struct{})
	wg.Add(2)
	go func() { defer wg.Done(); r.pace(lctx, tokens) }()
	go func() { defer wg.Done(); r.watchLeader(lctx) }()
	// A writer waits for each answer: enough of them keep the rate up.
	for w := 0; w < min(max(r.cfg.IngestRate/10, 4), 64); w++ {
		wg.Add(1)
		go func() { defer wg.Done(); r.writer(lctx, w, tokens) }()
	}
	for i, d := range r.Devices {
		wg.Add(1)
		go func() { defer wg.Done(); r.deviceLoop(lctx, i, d) }()
	}
	r.runLight(lctx, &wg)
	plan := killPlan(r.cfg.Kills, r.cfg.FollowerKills)
	if len(plan) == 0 {
		if !sleepCtx(ctx, r.cfg.Duration) {
			return ctx.Err()
		}
	}
	cycle := r.cfg.Duration / time.Duration(max(len(plan), 1))
	for k, leader := range plan {
		end := time.Now().Add(cycle)
		if !sleepCtx(ctx, cycle/4) {
			return ctx.Err()
		}
		if err := r.killNode(ctx, k+1, leader, cycle/4); err != nil {
			return err
		}
		if !sleepCtx(ctx, time.Until(end)) {
			return ctx.Err()
		}
	}
	stop()
	wg.Wait()
	res := r.Result()
	r.progress("load stopped: %d acknowledged writes, %d syncs (%d failed), %d leader changes (%d false)", res.AckedWrites, res.Syncs, res.FailedSyncs, res.LeaderChanges, res.FalseElections)
	return nil
}

// killNode is one kill cycle: find the leader (and, unless leader, a
// follower), kill -9 it, measure the time until a write is accepted
// again, wait pause, restart it and wait until it is ready.
func (r *FailoverRun) killNode(ctx context.Context, k int, leader bool, pause time.Duration) error {
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	victim, err := r.Cluster.Leader(lctx)
	if err != nil {
		return fmt.Errorf("kill %d: %w", k, err)
	}
	role := "leader"
	if !leader {
		role = "follower"
		victim = (victim + 1 + k%(r.Cluster.Len()-1)) % r.Cluster.Len()
	}
	r.watch.killed(victim)
	killed := time.Now()
	if err := r.Cluster.Kill9(victim); err != nil {
		return err
	}
	secs, err := r.probe(ctx, killed)
	if err != nil {
		return fmt.Errorf("kill %d of %s: %w", k, r.Cluster.ID(victim), err)
	}
	r.mu.Lock()
	if leader {
		r.res.FailoverSeconds = append(r.res.FailoverSeconds, secs)
	}
	r.kills = append(r.kills, foKill{node: victim, id: r.Cluster.ID(victim), leader: leader, at: killed, failover: secs})
	ki := len(r.kills) - 1
	r.mu.Unlock()
	r.progress("kill %d: %s %s killed; writes accepted again after %.2fs", k, role, r.Cluster.ID(victim), secs)
	if !sleepCtx(ctx, pause) {
		return ctx.Err()
	}
	if err := r.Cluster.Restart(victim); err != nil {
		return err
	}
	rctx, cancel2 := context.WithTimeout(ctx, 90*time.Second)
	defer cancel2()
	start := time.Now()
	if err := r.Cluster.WaitNodeReady(rctx, victim); err != nil {
		return fmt.Errorf("kill %d: restart %s: %w", k, r.Cluster.ID(victim), err)
	}
	r.mu.Lock()
	r.kills[ki].restart = time.Since(start).Seconds()
	r.mu.Unlock()
	r.progress("kill %d: %s restarted, ready after %.2fs", k, r.Cluster.ID(victim), time.Since(start).Seconds())
	return nil
}

// probe writes a new row through the live nodes in turn, every 20ms with
// a 2s timeout each, until one is accepted, and returns the seconds since
// killed.
func (r *FailoverRun) probe(ctx context.Context, killed time.Time) (float64, error) {
	rng := rand.New(rand.NewSource(r.cfg.Seed + killed.UnixNano()))
	for {
		w := r.newWrite(rng, -1, 0)
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		v, err := r.post(pctx, r.pick(), w)
		cancel()
		if err == nil {
			at := time.Since(killed).Seconds()
			w.version = v
			r.ack(w)
			return at, nil
		}
		if time.Since(killed) > FailoverResumeTimeout {
			return 0, fmt.Errorf("writes did not resume within %s: %w", FailoverResumeTimeout, err)
		}
		if !sleepCtx(ctx, 20*time.Millisecond) {
			return 0, ctx.Err()
		}
	}
}

// pace hands out IngestRate tokens per second; a token no writer is
// ready for is dropped, so the rate never bursts after a stall.
func (r *FailoverRun) pace(ctx context.Context, tokens chan<- struct{}) {
	t := time.NewTicker(time.Second / time.Duration(r.cfg.IngestRate))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			select {
			case tokens <- struct{}{}:
			default:
			}
		}
	}
}

// writer writes new rows owned by the device users, and sometimes
// rewrites one of its own earlier rows, retrying each write on the next
// node until it is acknowledged.
func (r *FailoverRun) writer(ctx context.Context, n int, tokens <-chan struct{}) {
	rng := rand.New(rand.NewSource(r.cfg.Seed*7919 + int64(n)))
	var mine []*foWrite
	for seq := 0; ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-tokens:
		}
		var w *foWrite
		if len(mine) > 0 && rng.Intn(4) == 0 {
			old := mine[rng.Intn(len(mine))]
			w = &foWrite{entity: old.entity, id: old.id, owner: old.owner, attrs: foAttrs(old.entity, fmt.Sprintf("failover w%d #%d", n, seq), rng)}
		} else {
			w = r.newWrite(rng, n, seq)
		}
		r.attempt(w)
		for attempt := 0; ; attempt++ {
			v, err := r.post(ctx, r.pick(), w)
			if err == nil {
				w.version = v
				r.ack(w)
				mine = append(mine, w)
				break
			}
			if ctx.Err() != nil {
				return
			}
			if !retryable(err) {
				break // post noted it
			}
			if !sleepCtx(ctx, min(time.Duration(attempt+1)*50*time.Millisecond, 500*time.Millisecond)) {
				return
			}
		}
	}
}

// newWrite is a new row of a random entity, owned by a device user, with
// values labelled by writer and seq (writer -1: the probe).
func (r *FailoverRun) newWrite(rng *rand.Rand, writer, seq int) *foWrite {
	entity := []string{"account", "opportunity", "task"}[rng.Intn(3)]
	return &foWrite{entity: entity, id: foGUID(rng), owner: r.owners[rng.Intn(len(r.owners))],
		attrs: foAttrs(entity, fmt.Sprintf("failover w%d #%d", writer, seq), rng)}
}

// foAttrs are an entity's attributes with label as its name, as JSON
// decodes them.
func foAttrs(entity, label string, rng *rand.Rand) map[string]any {
	switch entity {
	case "account":
		return map[string]any{"name": label, "numberofemployees": float64(rng.Intn(1000)), "description": "written during failover"}
	case "opportunity":
		return map[string]any{"name": label, "closeprobability": float64(rng.Intn(101))}
	}
	return map[string]any{"subject": label, "actualdurationminutes": float64(rng.Intn(240))}
}

func foGUID(rng *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", rng.Uint32(), rng.Intn(1<<16), rng.Intn(1<<12), 0x8000|rng.Intn(1<<14), rng.Int63n(1<<48))
}

// post sends w as a one-record ingest batch to node i and returns the
// version it was applied at.
func (r *FailoverRun) post(ctx context.Context, i int, w *foWrite) (uint64, error) {
	rec := map[string]any{"entity": w.entity, "id": w.id, "ownerid": w.owner, "attributes": w.attrs}
	body := map[string]any{"records": []any{rec}}
	admin := r.Cluster.Admin(i)
	admin.HTTP = r.http
	var res server.IngestResponse
	if err := admin.Do(ctx, http.MethodPost, "/v1/records", body, &res); err != nil {
		var ae *client.APIError
		if errors.As(err, &ae) && ae.Status != http.StatusServiceUnavailable {
			r.note("write to %s: %v", r.Cluster.ID(i), err)
		}
		return 0, err
	}
	return res.Version, nil
}

// pick returns the next running node, round-robin.
func (r *FailoverRun) pick() int {
	n := r.Cluster.Len()
	for k := 0; k < n; k++ {
		i := int(r.next.Add(1) % uint64(n))
		if r.Cluster.Running(i) {
			return i
		}
	}
	return int(r.next.Load() % uint64(n))
}

// sleepCtx sleeps for d or until ctx ends, and says whether ctx is alive.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// retryable says whether a client would retry err: 5xx answers and
// transport failures.
func retryable(err error) bool {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return ae.Status >= 500
	}
	return !errors.Is(err, client.ErrConfig) && !errors.Is(err, client.ErrResponse)
}

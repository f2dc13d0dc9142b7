package bench

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
)

// The devices of a failover run: each syncs as its own demo user through
// the live nodes in turn, retrying a failed sync on the next node, and
// now and then pushes a new task; the mutations a sync settles join the
// run's acknowledged writes.

// FailoverDevice is one device of a run, syncing as User through every
// node in turn.
type FailoverDevice struct {
	// User is the demo user the device's token belongs to.
	User string
	// Device is the device's local store.
	Device *client.Device
	// LastSyncStart and LastSyncEnd bracket its last successful sync, so
	// the server time of its last pull lies between them.
	LastSyncStart, LastSyncEnd time.Time
	route                      foRoute
	pending                    []codec.Mutation
}

// foRoute sends a device's requests to the node it talks to now, whatever
// the URL says.
type foRoute struct{ host atomic.Value }

// RoundTrip implements http.RoundTripper.
func (f *foRoute) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Host, r.Host = f.host.Load().(string), ""
	return http.DefaultTransport.RoundTrip(r)
}

// deviceUsers returns the members of the offline profiles ("Field
// Sales" and "Managers", as the node reports them), shuffled by the seed
// and alternating between the two profiles.
func (r *FailoverRun) deviceUsers(ctx context.Context) ([]string, error) {
	rng := rand.New(rand.NewSource(r.cfg.Seed))
	var lists [][]string
	for _, name := range []string{dataset.ProfileFieldSales, dataset.ProfileManagers} {
		var p struct{ Users []string }
		if err := r.Cluster.Admin(0).Do(ctx, http.MethodGet, "/v1/admin/profiles/"+url.PathEscape(name), nil, &p); err != nil {
			return nil, fmt.Errorf("read profile %s: %w", name, err)
		}
		rng.Shuffle(len(p.Users), func(i, j int) { p.Users[i], p.Users[j] = p.Users[j], p.Users[i] })
		lists = append(lists, p.Users)
	}
	var out []string
	for i := 0; i < len(lists[0]) || i < len(lists[1]); i++ {
		for _, l := range lists {
			if i < len(l) {
				out = append(out, l[i])
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("pick device users: the offline profiles have no member")
	}
	return out, nil
}

// deviceLoop syncs d every 100-600ms until ctx ends; before one sync in
// three it queues a new task, which the sync pushes.
func (r *FailoverRun) deviceLoop(ctx context.Context, n int, d *FailoverDevice) {
	rng := rand.New(rand.NewSource(r.cfg.Seed*104729 + int64(n)))
	for k := 0; sleepCtx(ctx, time.Duration(100+rng.Intn(500))*time.Millisecond); k++ {
		if rng.Intn(3) == 0 {
			m, err := d.Device.Queue(codec.Mutation{ID: foGUID(rng), Entity: "task", RowID: foGUID(rng), Op: "create",
				Attrs: map[string]any{"subject": fmt.Sprintf("failover push d%d #%d", n+1, k)}})
			if err != nil {
				r.note("queue on device %d: %v", n+1, err)
				return
			}
			d.pending = append(d.pending, m)
		}
		_ = r.sync(ctx, d)
	}
}

// sync syncs d through the live nodes in turn, retrying for up to
// FailoverSyncRetry; a sync still failing then counts as failed.
func (r *FailoverRun) sync(ctx context.Context, d *FailoverDevice) error {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		d.route.host.Store(r.Cluster.HTTPAddr(r.pick()))
		t0 := time.Now()
		_, err := d.Device.Sync(ctx)
		r.settlePushes(d)
		if err == nil {
			d.LastSyncStart, d.LastSyncEnd = t0, time.Now()
			r.syncs.add(foSync{start: start, dur: time.Since(start)})
			r.mu.Lock()
			r.res.Syncs++
			r.mu.Unlock()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Since(start) >= FailoverSyncRetry {
			r.syncs.add(foSync{start: start, dur: time.Since(start), failed: true})
			r.mu.Lock()
			r.res.Syncs++
			r.res.FailedSyncs++
			r.mu.Unlock()
			r.note("sync of %s failed after %d attempts in %s: %v", d.User, attempt, time.Since(start).Round(time.Millisecond), err)
			return err
		}
		sleepCtx(ctx, min(time.Duration(attempt)*100*time.Millisecond, time.Second))
	}
}

// settlePushes acknowledges d's queued mutations once its queue is empty:
// those the server did not reject were applied.
func (r *FailoverRun) settlePushes(d *FailoverDevice) {
	if n, err := d.Device.Pending(); len(d.pending) == 0 || err != nil || n > 0 {
		return
	}
	rejected := map[string]bool{}
	rj, _ := d.Device.Rejected()
	for _, x := range rj {
		rejected[x.Mutation.ID] = true
	}
	for _, m := range d.pending {
		if rejected[m.ID] {
			r.mu.Lock()
			r.pushes[1]++
			r.mu.Unlock()
			continue
		}
		r.ack(&foWrite{entity: m.Entity, id: m.RowID, owner: d.User, attrs: map[string]any{"subject": m.Attrs["subject"]}})
		r.mu.Lock()
		r.pushes[0]++
		r.mu.Unlock()
	}
	d.pending = nil
}

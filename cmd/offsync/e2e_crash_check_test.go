package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/offsync/offsync/client"
)

// The checks of the crash tests, run when no load is running: every
// acknowledged batch is there whole at its version, every batch cut off
// by a kill is there whole or not at all (and stays so), and a device
// kept in step by deltas across the kills holds what a fresh device loads.

// crashRow is what GET /v1/records answers.
type crashRow struct {
	Version uint64         `json:"version"`
	Deleted bool           `json:"deleted"`
	Attrs   map[string]any `json:"attributes"`
}

// getRow reads a row from node base: (row, true), (_, false) when it
// does not exist, or an error (retried a few times on 503).
func (l *crashLoad) getRow(ctx context.Context, base, entity, id string) (crashRow, bool, error) {
	for attempt := 0; ; attempt++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/records/"+entity+"/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+l.admin)
		resp, err := l.http.Do(req)
		if err != nil {
			return crashRow{}, false, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			return crashRow{}, false, err
		case resp.StatusCode == http.StatusNotFound:
			return crashRow{}, false, nil
		case resp.StatusCode == http.StatusOK:
			var r crashRow
			if err := json.Unmarshal(b, &r); err != nil {
				return crashRow{}, false, err
			}
			return r, !r.Deleted, nil
		case resp.StatusCode == http.StatusServiceUnavailable && attempt < 20:
			time.Sleep(100 * time.Millisecond)
		default:
			return crashRow{}, false, fmt.Errorf("get %s/%s: status %d: %s", entity, id, resp.StatusCode, b)
		}
	}
}

// checkBatch checks one batch on node base and returns what is wrong
// ("" when nothing). An unacknowledged batch seen for the first time is
// settled: applied whole, or not at all.
func (l *crashLoad) checkBatch(ctx context.Context, base string, b *crashBatch) string {
	present, versions := 0, map[uint64]bool{}
	for k, id := range b.ids {
		row, ok, err := l.getRow(ctx, base, b.entity, id)
		if err != nil {
			return fmt.Sprintf("%s: read %s %s of %q: %v", base, b.entity, id, b.label, err)
		}
		if !ok {
			continue
		}
		present++
		versions[row.Version] = true
		attr := "name"
		if b.push {
			attr = "subject"
		}
		if want := fmt.Sprintf("%s #%d", b.label, k); row.Attrs[attr] != want {
			return fmt.Sprintf("%s: %s %s holds %s %v, want %q", base, b.entity, id, attr, row.Attrs[attr], want)
		}
		if b.acked {
			want := b.version
			if b.push {
				want = b.versions[k]
			}
			if row.Version != want {
				return fmt.Sprintf("%s: %s %s of %q at version %d, acknowledged at %d", base, b.entity, id, b.label, row.Version, want)
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case b.acked && present != len(b.ids):
		return fmt.Sprintf("%s: acknowledged batch %q at version %d: %d of its %d rows lost", base, b.label, b.version, len(b.ids)-present, len(b.ids))
	case b.acked:
		return ""
	case present != 0 && present != len(b.ids):
		return fmt.Sprintf("%s: batch %q cut off by a kill is half-applied: %d of %d rows", base, b.label, present, len(b.ids))
	case len(versions) > 1:
		return fmt.Sprintf("%s: batch %q applied at several versions %v", base, b.label, versions)
	case !b.settled:
		b.settled, b.applied = true, present > 0
		l.ops.Unknown++
		if b.applied {
			l.ops.UnknownApplied++
			for v := range versions {
				b.version = v
			}
		}
		return ""
	case !b.applied && present > 0:
		// An unacknowledged write may still commit after it was seen
		// missing: a proposal still queued when its client gave up, or,
		// after a restart, a log entry written before the kill that the
		// node applies only once it commits an entry of its new term
		// (its /readyz can say ready before that). It must then be
		// whole, and stay.
		b.applied = true
		l.ops.LateApplied++
		for v := range versions {
			b.version = v
		}
		return ""
	case b.applied && present == 0:
		return fmt.Sprintf("%s: batch %q cut off by a kill was applied at %d, now it is gone", base, b.label, b.version)
	case b.applied && !versions[b.version]:
		return fmt.Sprintf("%s: batch %q cut off by a kill was applied at %d, now at %v", base, b.label, b.version, versions)
	}
	return ""
}

// check checks the batches from index from on every node in bases and
// returns the problems found (at most 10).
func (l *crashLoad) check(ctx context.Context, bases []string, from int) []string {
	l.mu.Lock()
	batches := append([]*crashBatch(nil), l.batches[from:]...)
	l.mu.Unlock()
	var mu sync.Mutex
	var problems []string
	for _, base := range bases {
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(batches); i += 8 {
					if p := l.checkBatch(ctx, base, batches[i]); p != "" {
						mu.Lock()
						problems = append(problems, p)
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
	}
	sort.Strings(problems)
	if len(problems) > 10 {
		problems = append(problems[:10], fmt.Sprintf("... %d more", len(problems)-10))
	}
	return problems
}

// sent is the number of batches recorded so far.
func (l *crashLoad) sent() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.batches)
}

// syncUntil syncs d, retrying answers that ask for a retry (a node still
// catching up) for up to a minute.
func syncUntil(ctx context.Context, d *client.Device) (client.SyncSummary, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		sum, err := d.Sync(ctx)
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return sum, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// deviceMatchesFreshLoad syncs d, then loads a new device in dir from
// scratch with the same settings, and describes how their rows differ
// ("" when they are the same).
func deviceMatchesFreshLoad(ctx context.Context, d *client.Device, cfg client.DeviceConfig, dir string) (string, error) {
	if _, err := syncUntil(ctx, d); err != nil {
		return "", fmt.Errorf("sync the device: %w", err)
	}
	cfg.Store = filepath.Join(dir, "fresh")
	fresh, err := client.OpenDevice(cfg)
	if err != nil {
		return "", err
	}
	defer fresh.Close()
	if _, err := syncUntil(ctx, fresh); err != nil {
		return "", fmt.Errorf("load a fresh device: %w", err)
	}
	a, err := deviceRows(d)
	if err != nil {
		return "", err
	}
	b, err := deviceRows(fresh)
	if err != nil {
		return "", err
	}
	var diffs []string
	for _, k := range sortedKeys(a, b) {
		ra, inA := a[k]
		rb, inB := b[k]
		switch {
		case !inA:
			diffs = append(diffs, "only in the fresh load: "+k)
		case !inB:
			diffs = append(diffs, "only on the device: "+k)
		case !reflect.DeepEqual(ra, rb):
			diffs = append(diffs, fmt.Sprintf("%s: device %+v, fresh %+v", k, ra, rb))
		}
	}
	if len(diffs) == 0 {
		return "", nil
	}
	if len(diffs) > 10 {
		diffs = append(diffs[:10], fmt.Sprintf("... %d more", len(diffs)-10))
	}
	return fmt.Sprintf("%d differences: %v", len(diffs), diffs), nil
}

// deviceRows reads every row a device holds, keyed "entity/id".
func deviceRows(d *client.Device) (map[string]client.Row, error) {
	counts, err := d.Counts()
	if err != nil {
		return nil, err
	}
	out := map[string]client.Row{}
	for e := range counts {
		err := d.Rows(e, func(r client.Row) error {
			out[e+"/"+r.ID] = r
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkRound runs the checks that follow a kill and restart: every batch
// sent since *checked is whole (or, if cut off, all or nothing) on every
// node of bases, a cursor taken before the kill still gets a delta, the
// device converges on a fresh load (lastSync brackets that sync), and no
// version went back.
func (l *crashLoad) checkRound(ctx context.Context, t *testing.T, where string, bases []string, checked *int, dev *client.Device, devCfg client.DeviceConfig, lastSync *[2]time.Time) {
	t.Helper()
	if problems := l.check(ctx, bases, *checked); len(problems) > 0 {
		t.Fatalf("%s: %d problems:\n%v", where, len(problems), problems)
	}
	*checked = l.sent()
	if err := l.pullChain(ctx, true); err != nil {
		t.Fatalf("%s: a cursor taken before the kill: %v", where, err)
	}
	lastSync[0] = time.Now()
	diff, err := deviceMatchesFreshLoad(ctx, dev, devCfg, t.TempDir())
	lastSync[1] = time.Now()
	if err != nil || diff != "" {
		t.Fatalf("%s: the device does not converge: %v %s", where, err, diff)
	}
	if errs := l.violations(); len(errs) > 0 {
		t.Fatalf("%s: %v", where, errs)
	}
}

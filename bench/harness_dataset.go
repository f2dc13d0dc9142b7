package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// openLoaded opens the server c asks for with the dataset of c.Rows and
// c.Seed in it: loaded through the admin API unless the kept data
// directory (or, with Load off, the server) already holds it. A started
// server is then restarted, so that its memory is serving's, and left to
// go idle. It fills r.Dataset, r.Run.Server and the load metrics.
func openLoaded(ctx context.Context, c HarnessConfig, r *HarnessResult) (*serverTarget, dataset.Config, engine.Org, error) {
	var org engine.Org
	t, err := openTarget(ctx, c)
	if err != nil {
		return nil, dataset.Config{}, org, err
	}
	fail := func(err error) (*serverTarget, dataset.Config, engine.Org, error) {
		t.close()
		return nil, dataset.Config{}, org, err
	}
	r.Run.Server = t.kind
	now, loaded := time.Now(), false
	if t.dataDir != "" {
		if at, ok := readMark(t.dataDir, c.Rows, c.Seed, c.Kind); ok {
			now, loaded = at, true
			r.note("the data directory %s already held this dataset (loaded %s): not loaded again", t.dataDir, at.Format(time.RFC3339))
		}
	}
	if !c.Load && !loaded {
		loaded = true
		r.note("not loaded (--load=false): the server must already hold the dataset of %d rows and seed %d, loaded recently", c.Rows, c.Seed)
	}
	dc, size, err := HarnessDataset(c.Rows, c.Seed, now)
	if err != nil {
		return fail(fmt.Errorf("open dataset: %w", err))
	}
	dc.Kind = c.Kind
	if org, err = dataset.Org(dc); err != nil {
		return fail(err)
	}
	r.Dataset = DatasetInfo{Size: size, Kind: dc.Kind, Rows: dc.Rows(), Seed: c.Seed, Users: dc.Users, BusinessUnits: dc.BusinessUnits, Loaded: !loaded}
	if !loaded {
		c.logf("loading %d rows (CRM-%s, kind %q) through the admin API of %s", dc.Rows(), size, dc.Kind, t.url)
		start := time.Now()
		n, err := loadViaAdmin(ctx, t, dc, func(rows int) { c.Progress("rows loaded", rows, dc.Rows()) })
		if err != nil {
			return fail(err)
		}
		took := time.Since(start)
		r.Dataset.LoadSecs = took.Seconds()
		r.Metrics[MetricLoadRowsPerSec] = ratio(float64(n), took.Seconds())
		c.logf("loaded %d rows in %v (%.0f rows/s)", n, took.Round(time.Millisecond), r.Metrics[MetricLoadRowsPerSec])
		if t.dataDir != "" && c.DataDir != "" {
			if err := writeMark(t.dataDir, dc); err != nil {
				return fail(err)
			}
		}
	}
	if _, peak, _, err := t.rss(ctx); err == nil {
		r.Metrics[MetricLoadRSSMiB] = mib(peak)
	}
	restarted, err := t.restart(ctx)
	if err != nil {
		return fail(err)
	}
	start := time.Now()
	switch {
	case restarted:
		settlePID(ctx, t.pid(), c.SettleTimeout)
	case t.kind == serverInProcess:
		Settle(ctx, c.SettleTimeout)
	}
	r.Dataset.SettleSecs = time.Since(start).Seconds()
	if restarted {
		c.logf("restarted the server (pid %d) and waited %v for it to go idle", t.pid(), time.Since(start).Round(time.Millisecond))
	}
	if t.kind == serverInProcess {
		r.note("the server ran in this process: rss-mib counts the harness's devices too")
	}
	return t, dc, org, nil
}

package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// The dataset of a failover run at scale. Loading CRM-N through the
// leader would replicate every batch to every node as it goes; instead
// the harness applies the dataset straight to node 1's engine (as
// LoadDataset does, with no Raft and no HTTP), and node 1 then forms the
// cluster at the engine's version (replication's bootstrap from a
// restored engine). The other nodes join empty and install node 1's
// snapshot: one Badger backup streamed to each, applied in one go.
// docs/benchmarks.md compares the two ways.

// loadFailoverDataset applies the CRM-N dataset of rows and seed, dated
// now, to a new engine in dataDir/engine (a node's --data), and returns
// how long it took. The engine is closed afterwards.
func loadFailoverDataset(ctx context.Context, dataDir string, rows int, seed int64) (time.Duration, error) {
	dc, _, err := HarnessDataset(rows, seed, time.Now())
	if err != nil {
		return 0, fmt.Errorf("load failover dataset: %w", err)
	}
	ec := engine.DefaultConfig(filepath.Join(dataDir, "engine"))
	if rows >= 1_000_000 {
		ec.MemTableSize = LargeMemTableSize
	}
	e, err := engine.Open(ec)
	if err != nil {
		return 0, fmt.Errorf("load failover dataset: %w", err)
	}
	start := time.Now()
	l := newPipelinedLoader(NewDirectWriter(e))
	_, err = dataset.Load(ctx, l, dc, DefaultLoadBatch, nil)
	if ferr := l.flush(); err == nil {
		err = ferr
	}
	took := time.Since(start)
	if cerr := e.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("load failover dataset: %w", err)
	}
	return took, nil
}

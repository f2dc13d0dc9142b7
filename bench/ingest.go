package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// MetricRatioVsBadger is the unit BenchmarkIngest reports.
const MetricRatioVsBadger = "ratio-vs-badger"

// MetricCeilingVsBadger is BenchmarkIngest's ceiling (ingest_ceiling.go)
// against raw Badger.
const MetricCeilingVsBadger = "ceiling-ratio-vs-badger"

// IngestConfig sizes an ingest run.
type IngestConfig struct {
	// Dir is a scratch directory for both databases.
	Dir string
	// Rows is how many CRM rows to write.
	Rows int
	// BatchSize is the records per ingest command (and per WriteBatch
	// flush in the baseline).
	BatchSize int
	// Writers is how many concurrent proposers write.
	Writers int
	// Seed seeds the dataset.
	Seed int64
}

// DefaultIngestConfig returns an IngestConfig writing 20,000 rows.
func DefaultIngestConfig(dir string) IngestConfig {
	return IngestConfig{Dir: dir, Rows: 20_000, BatchSize: 250, Writers: 16, Seed: dataset.DefaultSeed}
}

// Validate checks the config; its messages name the bad field.
func (c IngestConfig) Validate() error {
	switch {
	case c.Dir == "":
		return fmt.Errorf("ingest config: Dir: must be set")
	case c.Rows < 1:
		return fmt.Errorf("ingest config: Rows: must be positive")
	case c.BatchSize < 1 || c.BatchSize > engine.MaxRecordsPerCommand:
		return fmt.Errorf("ingest config: BatchSize: %d is outside 1..%d", c.BatchSize, engine.MaxRecordsPerCommand)
	case c.Writers < 1:
		return fmt.Errorf("ingest config: Writers: must be positive")
	}
	return nil
}

// IngestResult is what RunIngest measured.
type IngestResult struct {
	Rows             int
	RowsPerSec       float64 // through Raft and engine.Apply
	BadgerRowsPerSec float64 // raw Badger WriteBatch of the same encoded rows
	RatioVsBadger    float64
	// CeilingRowsPerSec is the same proposals through the same Raft into
	// an FSM that writes one key a row as the baseline does
	// (ingest_ceiling.go); CeilingVsBadger is its rate against raw
	// Badger's: what no engine on this Raft can beat.
	CeilingRowsPerSec, CeilingVsBadger float64
	// CPUPerRow and BadgerCPUPerRow are the CPU time (user and system, of
	// this whole process) a row cost on each path, 0 where unknown: on a
	// shared machine they move less than the rates do.
	CPUPerRow, BadgerCPUPerRow, CeilingCPUPerRow time.Duration
}

// RunIngest writes the same CRM rows three times: through the full write
// path (Raft with its log store, one node, then engine.Apply; no HTTP),
// through the same Raft into a one-key FSM (the ceiling), and as raw
// Badger WriteBatch of the rows encoded as the engine stores them; it
// compares the rates.
func RunIngest(ctx context.Context, c IngestConfig) (IngestResult, error) {
	if err := c.Validate(); err != nil {
		return IngestResult{}, err
	}
	batches, err := ingestBatches(c)
	if err != nil {
		return IngestResult{}, err
	}
	full, fullCPU, err := timeFullPath(ctx, c, batches)
	if err != nil {
		return IngestResult{}, err
	}
	ceil, ceilCPU, err := timeCeiling(ctx, filepath.Join(c.Dir, "ceiling"), 1, c.Writers, batches)
	if err != nil {
		return IngestResult{}, err
	}
	raw, rawCPU, err := timeBadger(c, batches)
	if err != nil {
		return IngestResult{}, err
	}
	n := time.Duration(c.Rows)
	r := IngestResult{Rows: c.Rows, RowsPerSec: float64(c.Rows) / full.Seconds(), BadgerRowsPerSec: float64(c.Rows) / raw.Seconds(),
		CeilingRowsPerSec: float64(c.Rows) / ceil.Seconds(), CPUPerRow: fullCPU / n, BadgerCPUPerRow: rawCPU / n, CeilingCPUPerRow: ceilCPU / n}
	r.RatioVsBadger = r.RowsPerSec / r.BadgerRowsPerSec
	r.CeilingVsBadger = r.CeilingRowsPerSec / r.BadgerRowsPerSec
	return r, nil
}

// cpuSince is the process CPU time used since cpu0 (0 where unknown).
func cpuSince(cpu0 time.Duration) time.Duration {
	cpu1, ok := processCPU()
	if !ok {
		return 0
	}
	return cpu1 - cpu0
}

// ingestBatches generates the first c.Rows rows of a CRM dataset.
func ingestBatches(c IngestConfig) ([][]codec.Record, error) {
	dc, err := dataset.ConfigFor(dataset.SizeSmall)
	if err != nil {
		return nil, err
	}
	dc.Seed = c.Seed
	if c.Rows > dc.Rows() {
		scale := (c.Rows + dc.Rows() - 1) / dc.Rows()
		dc.Accounts, dc.Contacts, dc.Opportunities, dc.Tasks = dc.Accounts*scale, dc.Contacts*scale, dc.Opportunities*scale, dc.Tasks*scale
	}
	var out [][]codec.Record
	n := 0
	err = dataset.Generate(dc, c.BatchSize, func(recs []codec.Record) error {
		if n+len(recs) > c.Rows {
			recs = recs[:c.Rows-n]
		}
		out = append(out, recs)
		n += len(recs)
		if n >= c.Rows {
			return dataset.ErrStop
		}
		return nil
	})
	return out, err
}

// timeFullPath loads the schema and organization, then times the rows
// proposed by c.Writers concurrent writers through a one-voter Raft node,
// and the process CPU time they took.
func timeFullPath(ctx context.Context, c IngestConfig, batches [][]codec.Record) (took, cpu time.Duration, err error) {
	dir := filepath.Join(c.Dir, "full")
	eng, err := engine.Open(engine.DefaultConfig(filepath.Join(dir, "engine")))
	if err != nil {
		return 0, 0, err
	}
	defer eng.Close()
	rc := replication.DefaultConfig("bench", filepath.Join(dir, "raft"))
	rc.RaftAddr = "127.0.0.1:0"
	rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = 100*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond
	node, err := replication.Open(rc, eng)
	if err != nil {
		return 0, 0, err
	}
	defer node.Close()
	if err := node.WaitLeader(ctx); err != nil {
		return 0, 0, err
	}
	if err := loadOrg(ctx, node, c.Seed); err != nil {
		return 0, 0, err
	}
	now := time.Now().UnixMilli()
	cpu0, _ := processCPU()
	took, err = proposeBatches(c.Writers, batches, func(recs []codec.Record) error { return proposeIngest(ctx, node, now, recs) })
	return took, cpuSince(cpu0), err
}

// loadOrg publishes the CRM schema and writes the organization.
func loadOrg(ctx context.Context, node *replication.Node, seed int64) error {
	dc, err := dataset.ConfigFor(dataset.SizeSmall)
	if err != nil {
		return err
	}
	dc.Seed = seed
	sch, err := dataset.Schema()
	if err != nil {
		return err
	}
	org, err := dataset.Org(dc)
	if err != nil {
		return err
	}
	for _, cmd := range []*engine.Command{
		{Kind: engine.KindSetSchemaDraft, Schema: &sch},
		{Kind: engine.KindPublishSchema},
		{Kind: engine.KindPutOrg, Org: &org},
	} {
		res, err := node.Propose(ctx, cmd)
		if err == nil && res.Err != nil {
			err = res.Err
		}
		if err != nil {
			return fmt.Errorf("load %s: %w", cmd.Kind, err)
		}
	}
	return nil
}

// timeBadger times raw Badger WriteBatch of the same rows, each encoded as
// the engine's stored row (msgpack codec.Row) under its row key, and
// returns the process CPU time it took.
func timeBadger(c IngestConfig, batches [][]codec.Record) (took, cpu time.Duration, err error) {
	opts := badger.DefaultOptions(filepath.Join(c.Dir, "badger")).WithLogger(nil).WithMemTableSize(engine.DefaultMemTableSize).WithBlockCacheSize(engine.DefaultBlockCacheSize)
	db, err := badger.Open(opts)
	if err != nil {
		return 0, 0, fmt.Errorf("open badger: %w", err)
	}
	defer db.Close()
	start := time.Now()
	cpu0, _ := processCPU()
	wb := db.NewWriteBatch()
	for _, b := range batches {
		for _, rec := range b {
			row := codec.Row{ID: rec.ID, OwnerID: rec.OwnerID, CreatedOn: start.UnixMilli(), ModifiedOn: start.UnixMilli(), Version: 1, Attrs: rec.Attrs}
			v, err := codec.Marshal(&row)
			if err != nil {
				return 0, 0, err
			}
			if err := wb.Set([]byte("r/"+rec.Entity+"/"+rec.ID), v); err != nil {
				return 0, 0, fmt.Errorf("write batch: %w", err)
			}
		}
	}
	if err := wb.Flush(); err != nil {
		return 0, 0, fmt.Errorf("flush write batch: %w", err)
	}
	return time.Since(start), cpuSince(cpu0), nil
}

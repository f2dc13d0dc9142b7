package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// MetricRatioVsSingle is the unit BenchmarkReplicatedIngest reports.
const MetricRatioVsSingle = "ratio-vs-single"

// MetricCeilingVsSingle is BenchmarkReplicatedIngest's ratio with the
// one-key FSM on every node (ingest_ceiling.go).
const MetricCeilingVsSingle = "ceiling-ratio-vs-single"

// ReplicatedConfig sizes RunReplicatedIngest.
type ReplicatedConfig struct {
	// Dir is a scratch directory for every node.
	Dir string
	// Rows, BatchSize and Writers are the load, as in IngestConfig.
	Rows, BatchSize, Writers int
	// Nodes is the cluster compared with a single node.
	Nodes int
	// Rounds is how many single-node and cluster runs alternate; the
	// medians are compared.
	Rounds int
	Seed   int64
}

// DefaultReplicatedConfig returns the load of DefaultIngestConfig on a
// 3-node cluster, one round.
func DefaultReplicatedConfig(dir string) ReplicatedConfig {
	ic := DefaultIngestConfig(dir)
	return ReplicatedConfig{Dir: dir, Rows: ic.Rows, BatchSize: ic.BatchSize, Writers: ic.Writers, Nodes: 3, Rounds: 1, Seed: ic.Seed}
}

// Validate checks the config; its messages name the bad field.
func (c ReplicatedConfig) Validate() error {
	ic := IngestConfig{Dir: c.Dir, Rows: c.Rows, BatchSize: c.BatchSize, Writers: c.Writers, Seed: c.Seed}
	if err := ic.Validate(); err != nil {
		return fmt.Errorf("replicated config: %w", err)
	}
	switch {
	case c.Nodes < 2:
		return fmt.Errorf("replicated config: Nodes: %d is below 2", c.Nodes)
	case c.Rounds < 1:
		return fmt.Errorf("replicated config: Rounds: must be positive")
	}
	return nil
}

// ReplicatedResult is what RunReplicatedIngest measured (medians over
// the rounds).
type ReplicatedResult struct {
	Rows  int
	Nodes int
	// SingleRowsPerSec and ClusterRowsPerSec are acknowledged rows per
	// second: committed by a majority and applied on the leader.
	SingleRowsPerSec, ClusterRowsPerSec float64
	// RatioVsSingle is ClusterRowsPerSec / SingleRowsPerSec (target >=
	// 0.6).
	RatioVsSingle float64
	// FollowerLag is how long after the last acknowledgement every
	// follower had applied everything.
	FollowerLag time.Duration
	// SingleCores and ClusterCores are the CPU this process used while
	// writing, in cores (CPU seconds per second; 0 where unknown): how
	// close each run came to saturating the machine.
	SingleCores, ClusterCores float64
	// CPUVsSingle is the CPU a row cost the cluster (every node, in
	// this process) over what it cost the single node (0 where unknown):
	// the work replication adds, which on a machine of few cores bounds
	// RatioVsSingle and moves less with other load than the rates do.
	CPUVsSingle float64
	// CeilingSingleRowsPerSec and CeilingClusterRowsPerSec are the same
	// runs with every node's FSM the one-key FSM of BenchmarkIngest's
	// ceiling (ingest_ceiling.go), and CeilingRatioVsSingle their ratio:
	// what replication itself allows on this machine, whatever each
	// replica's apply costs.
	CeilingSingleRowsPerSec, CeilingClusterRowsPerSec, CeilingRatioVsSingle float64
}

// RunReplicatedIngest writes the same CRM rows, with the same concurrent
// writers, through a one-node cluster and through a c.Nodes-node loopback
// cluster (each node its own engine and Raft log store, in this
// process), and compares the acknowledged rates.
func RunReplicatedIngest(ctx context.Context, c ReplicatedConfig) (ReplicatedResult, error) {
	if err := c.Validate(); err != nil {
		return ReplicatedResult{}, err
	}
	batches, err := ingestBatches(IngestConfig{Dir: c.Dir, Rows: c.Rows, BatchSize: c.BatchSize, Writers: c.Writers, Seed: c.Seed})
	if err != nil {
		return ReplicatedResult{}, err
	}
	var single, cluster, singleCores, clusterCores, ceilSingle, ceilCluster []float64
	var lags []time.Duration
	for round := range c.Rounds {
		for _, n := range []int{1, c.Nodes} {
			dir := filepath.Join(c.Dir, fmt.Sprintf("round%d-ceiling%d", round, n))
			d, _, err := timeCeiling(ctx, dir, n, c.Writers, batches)
			if err != nil {
				return ReplicatedResult{}, fmt.Errorf("%d-node ceiling: %w", n, err)
			}
			os.RemoveAll(dir)
			if n == 1 {
				ceilSingle = append(ceilSingle, float64(c.Rows)/d.Seconds())
			} else {
				ceilCluster = append(ceilCluster, float64(c.Rows)/d.Seconds())
			}
		}
		for _, n := range []int{1, c.Nodes} {
			dir := filepath.Join(c.Dir, fmt.Sprintf("round%d-nodes%d", round, n))
			d, cpu, lag, err := timeCluster(ctx, dir, n, c.Writers, c.Seed, batches)
			if err != nil {
				return ReplicatedResult{}, fmt.Errorf("%d-node ingest: %w", n, err)
			}
			os.RemoveAll(dir)
			rate, cores := float64(c.Rows)/d.Seconds(), cpu.Seconds()/d.Seconds()
			if n == 1 {
				single, singleCores = append(single, rate), append(singleCores, cores)
			} else {
				cluster, clusterCores, lags = append(cluster, rate), append(clusterCores, cores), append(lags, lag)
			}
		}
	}
	r := ReplicatedResult{Rows: c.Rows, Nodes: c.Nodes, SingleRowsPerSec: medianFloat(single), ClusterRowsPerSec: medianFloat(cluster), FollowerLag: median(lags),
		SingleCores: medianFloat(singleCores), ClusterCores: medianFloat(clusterCores)}
	r.RatioVsSingle = ratio(r.ClusterRowsPerSec, r.SingleRowsPerSec)
	r.CeilingSingleRowsPerSec, r.CeilingClusterRowsPerSec = medianFloat(ceilSingle), medianFloat(ceilCluster)
	r.CeilingRatioVsSingle = ratio(r.CeilingClusterRowsPerSec, r.CeilingSingleRowsPerSec)
	if r.ClusterCores > 0 && r.SingleCores > 0 {
		r.CPUVsSingle = ratio(r.ClusterCores/r.ClusterRowsPerSec, r.SingleCores/r.SingleRowsPerSec)
	}
	return r, nil
}

// timeCluster opens an n-node loopback cluster in dir, loads the schema
// and the organization, then times batches proposed to the leader by
// writers concurrent writers, and measures the CPU this process used
// meanwhile. It also returns how long the followers then took to apply
// everything.
func timeCluster(ctx context.Context, dir string, n, writers int, seed int64, batches [][]codec.Record) (took, cpu, lag time.Duration, err error) {
	nodes, closeAll, err := openLoopCluster(ctx, dir, n)
	if err != nil {
		return 0, 0, 0, err
	}
	defer closeAll()
	leader := nodes[0]
	if err := loadOrg(ctx, leader, seed); err != nil {
		return 0, 0, 0, err
	}
	if err := caughtUp(ctx, nodes); err != nil {
		return 0, 0, 0, err
	}
	cpu0, _ := processCPU()
	if took, err = proposeAll(ctx, leader, writers, batches); err != nil {
		return 0, 0, 0, err
	}
	if cpu1, ok := processCPU(); ok {
		cpu = cpu1 - cpu0
	}
	start := time.Now()
	if err := caughtUp(ctx, nodes); err != nil {
		return 0, 0, 0, err
	}
	return took, cpu, time.Since(start), nil
}

// openLoopCluster opens n nodes on loopback ports, each with its own
// engine under dir: the first bootstraps and leads, the others join it.
func openLoopCluster(ctx context.Context, dir string, n int) ([]*replication.Node, func(), error) {
	quiet := slog.New(slog.DiscardHandler)
	var nodes []*replication.Node
	var engines []*engine.Engine
	closeAll := func() {
		for i := len(nodes) - 1; i >= 0; i-- {
			nodes[i].Close()
		}
		for _, e := range engines {
			e.Close()
		}
	}
	for i := range n {
		id := fmt.Sprintf("n%d", i+1)
		ec := engine.DefaultConfig(filepath.Join(dir, id, "engine"))
		ec.Logger = quiet
		// Each node's goroutines (Badger's and Raft's are started by
		// the two Opens) carry the label node=<id>-of-<n>, so that a CPU
		// profile splits by node: pprof -tags.
		labels := pprof.Labels("node", fmt.Sprintf("%s-of-%d", id, n))
		var eng *engine.Engine
		var err error
		pprof.Do(ctx, labels, func(context.Context) { eng, err = engine.Open(ec) })
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		engines = append(engines, eng)
		rc := replication.DefaultConfig(id, filepath.Join(dir, id, "raft"))
		rc.RaftAddr, rc.Bootstrap, rc.Logger = "127.0.0.1:0", i == 0, quiet
		// Three nodes on two cores under the race detector (CI) can miss
		// heartbeats for longer than the default 400 ms: a leader that
		// steps down fails the run ("not the leader"). Longer timeouts
		// change no throughput (heartbeats go out at a tenth of them).
		rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = 2*time.Second, 2*time.Second, time.Second
		var node *replication.Node
		pprof.Do(ctx, labels, func(context.Context) { node, err = replication.Open(rc, eng) })
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		nodes = append(nodes, node)
		if i == 0 {
			err = node.WaitLeader(ctx)
		} else {
			err = nodes[0].Join(id, node.RaftAddr(), 10*time.Second)
		}
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("open loopback cluster: %w", err)
		}
	}
	return nodes, closeAll, nil
}

// caughtUp waits until every node has applied what the first has.
func caughtUp(ctx context.Context, nodes []*replication.Node) error {
	want := nodes[0].Engine().Applied()
	for _, n := range nodes[1:] {
		if err := poll(ctx, "followers", func() (bool, error) { return n.Engine().Applied() >= want, nil }); err != nil {
			return err
		}
	}
	return nil
}

// proposeAll proposes one ingest command per batch to node from writers
// concurrent writers and returns how long it took until the last was
// acknowledged.
func proposeAll(ctx context.Context, node *replication.Node, writers int, batches [][]codec.Record) (time.Duration, error) {
	return proposeBatches(writers, batches, func(recs []codec.Record) error {
		return proposeIngest(ctx, node, dataset.DefaultNow.UnixMilli(), recs)
	})
}

// proposeIngest proposes recs as one ingest command at time now and
// returns its error, the engine's included.
func proposeIngest(ctx context.Context, node *replication.Node, now int64, recs []codec.Record) error {
	res, err := node.Propose(ctx, &engine.Command{Kind: engine.KindIngest, Now: now, Records: recs})
	if err == nil && res.Err != nil {
		err = res.Err
	}
	return err
}

// proposeBatches calls propose for each batch from writers concurrent
// writers, each taking the next batch when its last is acknowledged, and
// returns how long it took until the last was. A writer stops at its
// first error.
func proposeBatches(writers int, batches [][]codec.Record, propose func([]codec.Record) error) (time.Duration, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, writers)
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(batches) {
					return
				}
				if err := propose(batches[i]); err != nil {
					errs[w] = fmt.Errorf("ingest batch %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), errors.Join(errs...)
}

// poll waits until done reports true, checking every 5 ms, or until ctx
// ends.
func poll(ctx context.Context, what string, done func() (bool, error)) error {
	for {
		ok, err := done()
		if ok || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: %w", what, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// medianFloat returns the median of v (the lower middle for an even
// count).
func medianFloat(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

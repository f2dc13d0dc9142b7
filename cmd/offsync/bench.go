package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/offsync/offsync/bench"
	"github.com/offsync/offsync/dataset"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

type benchFlags struct {
	scenario, server, adminToken, out, dir, data, cpuProfile, memProfile string
	datasetKind                                                          string
	rows, devices, pushRate, ingestRate, streams, concurrency            int
	seed                                                                 int64
	duration, settle                                                     time.Duration
	load, inProcess                                                      bool
	failover                                                             bench.FailoverOptions
}

// newBenchCmd is `offsync bench`: the load harness (bench.RunHarness).
func newBenchCmd() *cobra.Command {
	var f benchFlags
	c := &cobra.Command{
		Use:   "bench",
		Short: "Load a server with CRM-N and N devices and measure it (docs/benchmarks.md)",
		Long: `Run a benchmark scenario against a server this command starts (a child
process of this binary), or a running one (--server):

  serve     load CRM-N, run every device's first load, then pull cycles, pushes
            and back-office ingest for --duration; compare with a plain net/http
            handler serving the same bytes (serve-ratio-vs-static)
  memory    peak RSS of the server at --rows (default 1,000,000) with --streams
            open event streams (rss-mib)
  failover  3 nodes on CRM-N, kill -9 of the leader (--kills) and of followers
            (--follower-kills) under load (failover-s, failed-syncs,
            lost-acked-writes; per kill, the syncs around it)

Prints a table; --out writes the results as JSON.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runBench(cmd, f) },
	}
	fl := c.Flags()
	fl.StringVar(&f.scenario, "scenario", bench.ScenarioServe, "serve, memory or failover")
	fl.StringVar(&f.server, "server", "", "URL of a running server to load (default: start one)")
	fl.StringVar(&f.adminToken, "admin-token", "", "its admin token (default $OFFSYNC_ADMIN_TOKEN; required with --server)")
	fl.IntVar(&f.rows, "rows", bench.DefaultHarnessRows, "CRM-N rows (10000 small, 100000 medium, 1000000 large; memory default 1000000)")
	fl.IntVar(&f.devices, "devices", bench.DefaultHarnessDevices, "devices, each a real user of a real profile with its own token")
	fl.DurationVar(&f.duration, "duration", bench.DefaultHarnessDuration, "how long pull cycles run")
	fl.IntVar(&f.pushRate, "push-rate", bench.DefaultPushRate, "device mutations pushed per second, across devices")
	fl.IntVar(&f.ingestRate, "ingest-rate", bench.DefaultIngestRate, "rows per second ingested through POST /v1/records meanwhile")
	fl.IntVar(&f.streams, "streams", bench.DefaultStreams, "event streams the memory scenario opens")
	fl.IntVar(&f.concurrency, "first-load-concurrency", bench.DefaultFirstLoadConcurrency, "first loads run at once")
	fl.Int64Var(&f.seed, "seed", 1, "dataset and load seed")
	fl.StringVar(&f.datasetKind, "dataset", "crm", "crm (CRM-N) or noisy (CRM-noisy: random ids, pseudo-word text, uniform numbers; ingest-rate defaults to 0)")
	fl.StringVar(&f.out, "out", "", "write the results as JSON to this file")
	fl.StringVar(&f.dir, "dir", "", "scratch directory (default: a temporary one, removed unless the run fails)")
	fl.StringVar(&f.data, "data", "", "keep the started server's data here, and reuse it when it holds the same dataset")
	fl.BoolVar(&f.load, "load", true, "load the dataset (false: the server already holds the one of --rows and --seed)")
	fl.BoolVar(&f.inProcess, "in-process", false, "run the started server in this process (its RSS then includes the devices)")
	fl.DurationVar(&f.settle, "settle", bench.DefaultHarnessSettle, "at most this long, wait for the loaded server to go idle")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the started server to this file")
	fl.StringVar(&f.memProfile, "memprofile", "", "write a heap profile of the started server, at its shutdown, to this file")
	fl.IntVar(&f.failover.Kills, "kills", bench.DefaultFailoverKills, "failover: kill -9 of the leader this many times (0 with --follower-kills 0: count false elections only)")
	fl.IntVar(&f.failover.FollowerKills, "follower-kills", bench.DefaultFailoverFollowerKills, "failover: kill -9 of a follower this many times")
	fl.DurationVar(&f.failover.SyncInterval, "sync-interval", bench.DefaultFailoverSyncInterval, "failover: each device syncs about this often")
	fl.StringArrayVar(&f.failover.NodeArgs, "node-arg", nil, "failover: an extra serve flag for every node, e.g. --node-arg=--raft-heartbeat-timeout=1s (repeat)")
	c.AddCommand(newBenchServerCmd())
	return c
}

func runBench(cmd *cobra.Command, f benchFlags) error {
	ctx := cmd.Context()
	c := bench.DefaultHarnessConfig(f.scenario, "", f.dir)
	changed := cmd.Flags().Changed
	c.Server, c.AdminToken, c.DataDir, c.Load, c.Seed = f.server, f.adminToken, f.data, f.load, f.seed
	if c.AdminToken == "" {
		c.AdminToken = os.Getenv("OFFSYNC_ADMIN_TOKEN")
	}
	if f.scenario != bench.ScenarioMemory || changed("rows") {
		c.Rows = f.rows
	}
	c.Devices, c.Duration, c.PushRate, c.IngestRate = f.devices, f.duration, f.pushRate, f.ingestRate
	c.Streams, c.FirstLoadConcurrency, c.SettleTimeout = f.streams, f.concurrency, f.settle
	switch f.datasetKind {
	case "crm":
	case "noisy":
		c.Kind = dataset.KindNoisy
		if !changed("ingest-rate") {
			c.IngestRate = 0
		}
	default:
		return fmt.Errorf("--dataset: %q is not crm or noisy", f.datasetKind)
	}
	if f.scenario == bench.ScenarioFailover {
		fc := bench.DefaultFailoverConfig("", "")
		if !changed("devices") {
			c.Devices = fc.Devices
		}
		if !changed("ingest-rate") {
			c.IngestRate = fc.IngestRate
		}
		if !changed("duration") {
			c.Duration = fc.Duration
		}
		c.Failover = f.failover
	}
	if c.Server == "" && (!f.inProcess || f.scenario == bench.ScenarioFailover) {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find this binary: %w", err)
		}
		c.Binary = exe
		for _, p := range []struct{ flag, path string }{{"--cpuprofile", f.cpuProfile}, {"--memprofile", f.memProfile}} {
			if p.path == "" {
				continue
			}
			abs, err := filepath.Abs(p.path)
			if err != nil {
				return fmt.Errorf("profile path: %w", err)
			}
			if c.ServeArgs[0] != "bench" {
				c.ServeArgs = []string{"bench", "server"}
			}
			c.ServeArgs = append(c.ServeArgs, p.flag, abs)
		}
	}
	keep := f.dir != ""
	if keep {
		if err := os.MkdirAll(f.dir, 0o700); err != nil {
			return fmt.Errorf("create scratch directory: %w", err)
		}
	} else {
		dir, err := os.MkdirTemp("", "offsync-bench-")
		if err != nil {
			return fmt.Errorf("create scratch directory: %w", err)
		}
		c.Dir = dir
	}
	stderr := cmd.ErrOrStderr()
	c.Log = stderr
	c.Progress = newStageBars(stderr).progress
	r, err := bench.RunHarness(ctx, c)
	if err != nil && !keep {
		fmt.Fprintf(stderr, "bench: kept the scratch directory (server log) in %s\n", c.Dir)
	} else if !keep {
		os.RemoveAll(c.Dir)
	}
	if r != nil && f.out != "" {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if merr := enc.Encode(r); merr != nil {
			return fmt.Errorf("encode results: %w", merr)
		}
		if werr := os.WriteFile(f.out, b.Bytes(), 0o644); werr != nil {
			return fmt.Errorf("write results: %w", werr)
		}
	}
	if err != nil {
		return err
	}
	return bench.WriteTable(cmd.OutOrStdout(), r)
}

// stageBars shows one progress bar per stage on a terminal (nothing
// elsewhere). Stages report from many goroutines.
type stageBars struct {
	mu    sync.Mutex
	w     *os.File
	stage string
	bar   *progressbar.ProgressBar
}

// newStageBars returns bars on w when it is a terminal.
func newStageBars(w any) *stageBars {
	f, ok := w.(*os.File)
	if !ok {
		return &stageBars{}
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return &stageBars{}
	}
	return &stageBars{w: f}
}

func (s *stageBars) progress(stage string, done, total int) {
	if s.w == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if stage != s.stage {
		if s.bar != nil {
			_ = s.bar.Finish()
		}
		s.stage = stage
		s.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(s.w), progressbar.OptionSetDescription(stage),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	_ = s.bar.Set(done)
}

// newBenchServerCmd is `offsync bench server`, hidden: serve (same
// flags), writing a CPU profile of the run and a heap profile of the
// memory in use as soon as it is told to stop, before shutting down (a
// busy server may take long to shut down, or be killed). The harness
// starts it for --cpuprofile and --memprofile.
func newBenchServerCmd() *cobra.Command {
	c := newServeCmd()
	c.Use, c.Short, c.Hidden = "server", "serve, writing CPU and heap profiles", true
	var profile, heap string
	c.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile here")
	c.Flags().StringVar(&heap, "memprofile", "", "write a heap profile here when told to stop")
	serve := c.RunE
	c.RunE = func(cmd *cobra.Command, args []string) error {
		var stopCPU func()
		if profile != "" {
			pf, err := os.Create(profile)
			if err != nil {
				return fmt.Errorf("create cpu profile: %w", err)
			}
			if err := pprof.StartCPUProfile(pf); err != nil {
				pf.Close()
				return fmt.Errorf("start cpu profile: %w", err)
			}
			stopCPU = func() { pprof.StopCPUProfile(); pf.Close() }
		}
		done := make(chan struct{})
		profiled := make(chan struct{})
		go func() {
			defer close(profiled)
			select {
			case <-cmd.Context().Done():
			case <-done:
			}
			if stopCPU != nil {
				stopCPU()
			}
			if heap != "" {
				writeHeapProfile(cmd, heap)
			}
		}()
		err := serve(cmd, args)
		close(done)
		<-profiled
		return err
	}
	return c
}

// writeHeapProfile writes the heap profile (in use as of the last
// collection) to path; a failure is only reported.
func writeHeapProfile(cmd *cobra.Command, path string) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "offsync: write heap profile: %v\n", err)
	}
}

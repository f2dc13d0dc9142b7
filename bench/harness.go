package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/offsync/offsync/dataset"
)

// The scenarios RunHarness runs (`offsync bench --scenario`).
const (
	// ScenarioServe loads CRM-N, runs every device's first load, then pull
	// cycles, pushes and back-office ingest for a while, and compares the
	// pull rate with a plain net/http handler serving the same bytes
	// (benchmark #7).
	ScenarioServe = "serve"
	// ScenarioMemory measures the server's peak RSS with many open event
	// streams (benchmark #8).
	ScenarioMemory = "memory"
	// ScenarioFailover kills the leader of a 3-node cluster under load
	// (benchmark #9, RunFailover).
	ScenarioFailover = "failover"
)

// Defaults for HarnessConfig.
const (
	DefaultHarnessRows     = 10_000
	DefaultMemoryRows      = 1_000_000
	DefaultHarnessDevices  = 100
	DefaultHarnessDuration = 30 * time.Second
	DefaultPushRate        = 20
	DefaultIngestRate      = 200
	DefaultStreams         = 10_000
	// DefaultFirstLoadConcurrency is how many devices run their first
	// load at once.
	DefaultFirstLoadConcurrency = 8
	// DefaultHarnessSettle is HarnessConfig.SettleTimeout's default.
	DefaultHarnessSettle = 2 * time.Minute
	// minHarnessRows is the smallest dataset: every entity gets rows.
	minHarnessRows = 100
)

// DefaultServeArgs are the arguments that start a server from Binary; the
// harness adds --data, --http and --admin-token.
var DefaultServeArgs = []string{"serve"}

// HarnessConfig configures RunHarness, the load harness behind
// `offsync bench`.
type HarnessConfig struct {
	// Scenario is ScenarioServe, ScenarioMemory or ScenarioFailover.
	Scenario string
	// Server is the base URL of a running server to target. Empty starts
	// a server: a child process of Binary, or in this process.
	Server string
	// AdminToken is the server's admin token: required with Server,
	// generated otherwise.
	AdminToken string
	// Binary is the offsync executable. The harness starts its server as
	// `Binary ServeArgs... --data --http --admin-token`, so that the
	// server's RSS is its own; the failover scenario starts its nodes
	// from it. Empty (and no Server) runs the server in this process: its
	// RSS then includes the harness's devices.
	Binary    string
	ServeArgs []string
	// Dir is a scratch directory: the server's data and log.
	Dir string
	// DataDir, when set, is the started server's data directory, kept
	// after the run. A directory that already holds the dataset of the
	// same Rows and Seed (a marker file says so) is not loaded again.
	DataDir string
	// Rows is the size of the CRM-N dataset (see HarnessDataset); Seed
	// seeds it and the harness's random choices.
	Rows int
	Seed int64
	// Kind is the dataset: dataset.KindCRMN (or empty) or
	// dataset.KindNoisy (CRM-noisy: the first-load and delta bytes on
	// data without CRM-N's structure). CRM-noisy's ids are not
	// addressable from here, so it needs IngestRate 0 and is not for the
	// failover scenario.
	Kind string
	// Load loads the dataset through the admin API. Without it the server
	// must already hold the dataset of Rows and Seed.
	Load bool
	// Devices is how many devices pull, each with its own token, for a
	// real user of a real profile (users are reused when there are more
	// devices than users).
	Devices int
	// Duration is how long the measured pull cycles run.
	Duration time.Duration
	// PushRate is how many device mutations per second are pushed,
	// spread over the devices; IngestRate how many rows per second the
	// back office ingests through POST /v1/records meanwhile.
	PushRate, IngestRate int
	// Streams is how many event streams the memory scenario opens.
	Streams int
	// FirstLoadConcurrency is how many first loads run at once.
	FirstLoadConcurrency int
	// SettleTimeout bounds how long a started server may take, after the
	// load, to go idle (Badger compacts in the background) before the
	// measured stages.
	SettleTimeout time.Duration
	// Log receives one line per stage; nil discards them.
	Log io.Writer
	// Progress, when set, is called as a stage advances (done of total).
	Progress func(stage string, done, total int)
	// Failover holds the failover scenario's own settings.
	Failover FailoverOptions
}

// DefaultHarnessConfig returns the config of scenario, starting servers
// from binary (empty: in this process) with scratch space in dir.
func DefaultHarnessConfig(scenario, binary, dir string) HarnessConfig {
	c := HarnessConfig{
		Scenario: scenario, Binary: binary, ServeArgs: DefaultServeArgs, Dir: dir,
		Rows: DefaultHarnessRows, Seed: 1, Load: true, Devices: DefaultHarnessDevices,
		Duration: DefaultHarnessDuration, PushRate: DefaultPushRate, IngestRate: DefaultIngestRate,
		Streams: DefaultStreams, FirstLoadConcurrency: DefaultFirstLoadConcurrency, SettleTimeout: DefaultHarnessSettle,
		Failover: DefaultFailoverOptions(),
	}
	if scenario == ScenarioMemory {
		c.Rows = DefaultMemoryRows
	}
	return c
}

// Validate checks the config; its messages name the bad field.
func (c HarnessConfig) Validate() error {
	switch {
	case c.Scenario != ScenarioServe && c.Scenario != ScenarioMemory && c.Scenario != ScenarioFailover:
		return fmt.Errorf("harness config: Scenario: %q is not %s, %s or %s", c.Scenario, ScenarioServe, ScenarioMemory, ScenarioFailover)
	case c.Server != "" && c.AdminToken == "":
		return fmt.Errorf("harness config: AdminToken: required with Server")
	case c.Server != "" && c.Scenario == ScenarioFailover:
		return fmt.Errorf("harness config: Server: the failover scenario starts its own cluster")
	case c.Scenario == ScenarioFailover && c.Binary == "":
		return fmt.Errorf("harness config: Binary: the failover scenario starts nodes from it")
	case c.Binary != "" && len(c.ServeArgs) == 0:
		return fmt.Errorf("harness config: ServeArgs: must not be empty with Binary")
	case c.Dir == "":
		return fmt.Errorf("harness config: Dir: must be set")
	case dataset.CheckKind(c.Kind) != nil:
		return fmt.Errorf("harness config: Kind: %w", dataset.CheckKind(c.Kind))
	case c.Kind == dataset.KindNoisy && c.Scenario == ScenarioFailover:
		return fmt.Errorf("harness config: Kind: the failover scenario loads CRM-N only")
	case c.Kind == dataset.KindNoisy && c.IngestRate > 0:
		return fmt.Errorf("harness config: IngestRate: must be 0 with Kind %q (its ids are not addressable)", dataset.KindNoisy)
	case c.Rows < minHarnessRows:
		return fmt.Errorf("harness config: Rows: %d is below %d", c.Rows, minHarnessRows)
	case c.Devices < 1:
		return fmt.Errorf("harness config: Devices: must be positive")
	case c.Duration < time.Second:
		return fmt.Errorf("harness config: Duration: %v is below 1s", c.Duration)
	case c.PushRate < 0:
		return fmt.Errorf("harness config: PushRate: must not be negative")
	case c.IngestRate < 0:
		return fmt.Errorf("harness config: IngestRate: must not be negative")
	case c.Scenario == ScenarioMemory && c.Streams < 1:
		return fmt.Errorf("harness config: Streams: must be positive")
	case c.FirstLoadConcurrency < 1:
		return fmt.Errorf("harness config: FirstLoadConcurrency: must be positive")
	case c.SettleTimeout < 0:
		return fmt.Errorf("harness config: SettleTimeout: must not be negative")
	}
	return nil
}

// RunHarness runs c's scenario and returns its result: the metrics under
// the names of shared/benchmarks.md, the details behind them, and the
// machine they were measured on.
func RunHarness(ctx context.Context, c HarnessConfig) (*HarnessResult, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Progress == nil {
		c.Progress = func(string, int, int) {}
	}
	r := newHarnessResult(c)
	if n, err := raiseOpenFiles(c.openFiles()); err != nil {
		r.note("could not raise the open-file limit (%d): %v", n, err)
	}
	start := time.Now()
	var err error
	switch c.Scenario {
	case ScenarioServe:
		err = runServeScenario(ctx, c, r)
	case ScenarioMemory:
		err = runMemoryScenario(ctx, c, r)
	case ScenarioFailover:
		err = runFailoverScenario(ctx, c, r)
	}
	r.Elapsed = time.Since(start).Round(time.Millisecond).String()
	if err != nil {
		return r, fmt.Errorf("run %s scenario: %w", c.Scenario, err)
	}
	r.checkTargets()
	return r, nil
}

// openFiles estimates the file descriptors this process needs: a
// connection per device (two for a server in this process), and per
// event stream in the memory scenario.
func (c HarnessConfig) openFiles() int {
	n := 2*c.Devices + 1024
	if c.Scenario == ScenarioMemory {
		n += c.Streams
		if c.Server == "" && c.Binary == "" {
			n += c.Streams
		}
	}
	return n
}

// logf writes one stage line to c.Log.
func (c HarnessConfig) logf(format string, args ...any) {
	fmt.Fprintf(c.Log, "bench: "+format+"\n", args...)
}

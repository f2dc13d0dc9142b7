package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/server"
)

// The failover benchmark kills the leader of a ProcCluster under load and
// measures how long writes stop, how many device syncs fail and whether
// any acknowledged write is lost. This file holds its configuration, its
// result and the FailoverRun lifecycle (start, result, close); the load
// and kill cycle are in failover_load.go, the devices in
// failover_devices.go (Go devices with stores) and failover_light.go
// (storeless devices, by the thousand), the dataset in
// failover_dataset.go, the per-kill statistics in failover_kills.go, the
// election watch in failover_watch.go and the acknowledged-write checks
// in failover_verify.go.

// Defaults for FailoverConfig, and the run's fixed client behaviour.
const (
	DefaultFailoverNodes      = 3
	DefaultFailoverKills      = 5
	DefaultFailoverDuration   = 60 * time.Second
	DefaultFailoverDevices    = 4
	DefaultFailoverIngestRate = 50
	DefaultFailoverSeed       = 1
	// DefaultFailoverFollowerKills is how many followers the harness's
	// failover scenario kills besides the leaders (DefaultFailoverConfig
	// kills none).
	DefaultFailoverFollowerKills = 2
	// DefaultFailoverSyncInterval is how often a light device syncs (each
	// wait jittered to between half and one and a half of it).
	DefaultFailoverSyncInterval = 10 * time.Second
	// DefaultFailoverPushEvery makes one light-device sync in this many
	// push a new task first.
	DefaultFailoverPushEvery = 5
	// DefaultFailoverFirstLoads is how many light devices run their
	// first load at once.
	DefaultFailoverFirstLoads = 8
	// FailoverSyncRetry is how long a device retries one sync, through
	// every node in turn, before the sync counts as failed.
	FailoverSyncRetry = 10 * time.Second
	// FailoverResumeTimeout is how long a run waits for writes to resume
	// after a kill before it gives up.
	FailoverResumeTimeout = 60 * time.Second
)

// FailoverConfig configures RunFailover.
type FailoverConfig struct {
	// Binary is the offsync binary the nodes run.
	Binary string
	// Dir holds the cluster's data and logs (cluster/) and the devices'
	// stores (devices/).
	Dir string
	// Nodes is the cluster size, at least 3 (a majority must survive).
	Nodes int
	// Rows, when positive, is the size of the CRM-N dataset the cluster
	// serves (see HarnessDataset): it is loaded straight into node 1's
	// engine, then node 1 forms the cluster at its version and the
	// others join and install its snapshot. 0 serves the demo dataset.
	Rows int
	// Kills is how many times the leader is killed with SIGKILL;
	// FollowerKills how many times a follower is, between them. 0 and 0
	// runs the load without kills (to count false elections).
	Kills         int
	FollowerKills int
	// Duration is the length of the load; the kills are spread evenly
	// over it (a kill cycle takes Duration/(Kills+FollowerKills), longer
	// when a restarted node is slow to be ready).
	Duration time.Duration
	// Devices is how many Go devices (client.Device, each with its local
	// store) sync, each as its own user of the offline profiles.
	Devices int
	// LightDevices is how many storeless devices sync besides them: each
	// a user of the offline profiles (reused when there are fewer users),
	// homed on the nodes in turn, pulling over HTTP every SyncInterval
	// (jittered) and pushing a new task in one sync of PushEvery.
	LightDevices int
	SyncInterval time.Duration
	PushEvery    int
	// FirstLoads is how many light devices run their first load at once.
	FirstLoads int
	// NodeArgs are extra `serve` flags for every node (Raft timeouts,
	// say).
	NodeArgs []string
	// IngestRate is the records per second written through the ingest
	// API, one record per request, spread over every live node.
	IngestRate int
	// Seed seeds every random choice of the load.
	Seed int64
	// Progress, when set, receives one line per event.
	Progress io.Writer
}

// DefaultFailoverConfig returns a FailoverConfig of 3 nodes on the demo
// dataset and 5 kills of the leader (no follower) over a minute, with 4
// Go devices, no light device and 50 records/s of ingest.
func DefaultFailoverConfig(binary, dir string) FailoverConfig {
	return FailoverConfig{Binary: binary, Dir: dir, Nodes: DefaultFailoverNodes, Kills: DefaultFailoverKills,
		Duration: DefaultFailoverDuration, Devices: DefaultFailoverDevices, IngestRate: DefaultFailoverIngestRate, Seed: DefaultFailoverSeed,
		SyncInterval: DefaultFailoverSyncInterval, PushEvery: DefaultFailoverPushEvery, FirstLoads: DefaultFailoverFirstLoads}
}

// Validate checks the config; its messages name the bad field.
func (c FailoverConfig) Validate() error {
	switch {
	case c.Binary == "":
		return fmt.Errorf("failover config: Binary: must be set")
	case c.Dir == "":
		return fmt.Errorf("failover config: Dir: must be set")
	case c.Nodes < 3:
		return fmt.Errorf("failover config: Nodes: %d is below 3 (a majority must survive a kill)", c.Nodes)
	case c.Rows != 0 && c.Rows < minHarnessRows:
		return fmt.Errorf("failover config: Rows: %d is below %d (0 serves the demo dataset)", c.Rows, minHarnessRows)
	case c.Kills < 0:
		return fmt.Errorf("failover config: Kills: must not be negative")
	case c.FollowerKills < 0:
		return fmt.Errorf("failover config: FollowerKills: must not be negative")
	case c.Duration <= 0:
		return fmt.Errorf("failover config: Duration: must be positive")
	case c.Devices < 0:
		return fmt.Errorf("failover config: Devices: must not be negative")
	case c.LightDevices < 0:
		return fmt.Errorf("failover config: LightDevices: must not be negative")
	case c.LightDevices > 0 && c.SyncInterval < 100*time.Millisecond:
		return fmt.Errorf("failover config: SyncInterval: %v is below 100ms", c.SyncInterval)
	case c.LightDevices > 0 && c.PushEvery < 1:
		return fmt.Errorf("failover config: PushEvery: must be positive")
	case c.LightDevices > 0 && c.FirstLoads < 1:
		return fmt.Errorf("failover config: FirstLoads: must be positive")
	case c.IngestRate < 1 || c.IngestRate > 100_000:
		return fmt.Errorf("failover config: IngestRate: %d is outside 1..100000", c.IngestRate)
	}
	return nil
}

// FailoverResult is what RunFailover measured.
type FailoverResult struct {
	// FailoverSeconds holds, per kill, the seconds from the SIGKILL of the
	// leader until a write was accepted again (failover-s).
	FailoverSeconds []float64
	// MaxFailoverSeconds is the largest of FailoverSeconds: the value
	// reported as failover-s.
	MaxFailoverSeconds float64
	// FailedSyncs counts device syncs that still failed after
	// FailoverSyncRetry of retries (failed-syncs).
	FailedSyncs int
	// LostAckedWrites counts rows whose last acknowledged write (ingest or
	// device push) is missing or different on some node at the end
	// (lost-acked-writes).
	LostAckedWrites int
	// AckedWrites counts acknowledged writes; Syncs the device syncs that
	// succeeded or failed.
	AckedWrites int
	Syncs       int
	// Kills are the kills in order, leaders' and followers', each with
	// the syncs around it.
	Kills []FailoverKill
	// SyncP99Ms is the p99 of every device sync of the run, retries
	// included; SyncMaxMs the slowest.
	SyncP99Ms, SyncMaxMs float64
	// LeaderChanges counts the times the watched leader changed;
	// FalseElections those whose old leader had not been killed (a
	// leader that lost its leadership while it ran). Elections is how
	// far the Raft term rose over the load.
	LeaderChanges, FalseElections, Elections int
	// MaxHeartbeatGapMs is the longest a follower had not heard from a
	// running leader, as the watch sampled it every 100 ms (its
	// staleness): how close the leader's heartbeats came to the
	// heartbeat timeout.
	MaxHeartbeatGapMs float64
	// LightPushes counts the light devices' pushed tasks: applied, and
	// rejected.
	LightPushes [2]int
	// Notes are the unexpected errors the run met (see
	// FailoverRun.Notes).
	Notes []string
	// LoadSeconds is how long loading the dataset took, StartSeconds how
	// long the cluster then took to form (the joins included) and
	// FirstLoadSeconds the light devices' first loads.
	LoadSeconds, StartSeconds, FirstLoadSeconds float64
}

// RunFailover starts a Nodes-node cluster of Binary with the demo data
// (or CRM-N of Rows), writes and syncs devices through every node while
// it kills the leader Kills times and a follower FollowerKills times
// (restarting each), then checks that every acknowledged write is on
// every node.
func RunFailover(ctx context.Context, c FailoverConfig) (FailoverResult, error) {
	r, err := StartFailover(ctx, c)
	if err != nil {
		return FailoverResult{}, err
	}
	defer r.Close()
	if err := r.Run(ctx); err != nil {
		return r.Result(), err
	}
	if err := r.Verify(ctx); err != nil {
		return r.Result(), err
	}
	return r.Result(), nil
}

// FailoverRun is RunFailover in steps, for tests that look further (at the
// devices' stores, or the nodes' engines once stopped): StartFailover,
// Run, Verify, then Close.
type FailoverRun struct {
	// Cluster is the running cluster.
	Cluster *ProcCluster
	// Devices are the syncing Go devices.
	Devices []*FailoverDevice
	light   []*foLight
	lightHC *http.Client
	cfg     FailoverConfig
	syncs   foSyncLog
	kills   []foKill
	watch   foWatch
	owners  []string      // the device users, who own the rows written
	next    atomic.Uint64 // round-robin over the nodes
	http    *http.Client  // writes
	trans   *http.Transport

	mu     sync.Mutex
	res    FailoverResult
	rows   map[string]*foRow // by "entity/id"
	maxAck uint64
	pushes [2]int // device mutations applied, rejected
	notes  []string
}

// StartFailover starts the cluster (loading CRM-N first when Rows is
// set), mints a token per device, gives each device its first load and
// starts watching the leader.
func StartFailover(ctx context.Context, c FailoverConfig) (*FailoverRun, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	pcfg := DefaultProcConfig(c.Binary, filepath.Join(c.Dir, "cluster"))
	pcfg.Nodes, pcfg.Demo, pcfg.Args = c.Nodes, c.Rows == 0, c.NodeArgs
	pcfg.ReadyTimeout = max(pcfg.ReadyTimeout, 5*time.Minute) // followers install CRM-N's snapshot
	pc, err := NewProcCluster(pcfg)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	r := &FailoverRun{Cluster: pc, cfg: c, rows: map[string]*foRow{}, trans: tr,
		http: &http.Client{Timeout: 10 * time.Second, Transport: tr}}
	if err := r.start(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *FailoverRun) start(ctx context.Context) error {
	if r.cfg.Rows > 0 {
		took, err := loadFailoverDataset(ctx, r.Cluster.DataDir(0), r.cfg.Rows, r.cfg.Seed)
		if err != nil {
			return err
		}
		r.res.LoadSeconds = took.Seconds()
		r.progress("loaded %d rows into %s's engine in %.1fs", r.cfg.Rows, r.Cluster.ID(0), took.Seconds())
	}
	start := time.Now()
	if err := r.Cluster.Start(ctx); err != nil {
		return fmt.Errorf("start cluster: %w", err)
	}
	r.res.StartSeconds = time.Since(start).Seconds()
	r.progress("cluster of %d nodes ready in %.1fs: %v", r.Cluster.Len(), r.res.StartSeconds, r.Cluster.URLs())
	users, err := r.deviceUsers(ctx)
	if err != nil {
		return err
	}
	if len(users) < r.cfg.Devices {
		return fmt.Errorf("pick device users: the offline profiles have %d users, fewer than the %d Go devices", len(users), r.cfg.Devices)
	}
	r.owners = users
	tokens, err := r.mintTokens(ctx, users, r.cfg.Devices+r.cfg.LightDevices)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := r.Cluster.WaitCaughtUp(cctx, 0); err != nil { // every node knows the tokens
		return err
	}
	for i, u := range users[:r.cfg.Devices] {
		d := &FailoverDevice{User: u}
		d.route.host.Store(r.Cluster.HTTPAddr(0))
		dev, err := client.OpenDevice(client.DeviceConfig{Store: filepath.Join(r.cfg.Dir, "devices", fmt.Sprintf("d%d", i+1)),
			Server: r.Cluster.URL(0), Token: tokens[i], HTTP: &http.Client{Timeout: FailoverSyncRetry, Transport: &d.route}})
		if err != nil {
			return err
		}
		d.Device = dev
		r.Devices = append(r.Devices, d)
		if err := r.sync(ctx, d); err != nil {
			return fmt.Errorf("first load of %s: %w", u, err)
		}
	}
	if err := r.startLight(ctx, users, tokens[r.cfg.Devices:]); err != nil {
		return err
	}
	r.syncs.reset() // the first loads are not syncs around a kill
	r.mu.Lock()
	r.res.Syncs, r.res.FailedSyncs = 0, 0
	r.mu.Unlock()
	return nil
}

// mintTokens mints n device tokens through node 1: token i is for user
// users[i % len(users)].
func (r *FailoverRun) mintTokens(ctx context.Context, users []string, n int) ([]string, error) {
	tokens := make([]string, n)
	err := forEach(ctx, n, tokenWorkers, func(ctx context.Context, i int) error {
		u := users[i%len(users)]
		var tok server.TokenResponse
		if err := r.Cluster.Admin(0).Do(ctx, http.MethodPost, "/v1/admin/users/"+u+"/tokens", nil, &tok); err != nil {
			return fmt.Errorf("mint token for %s: %w", u, err)
		}
		tokens[i] = tok.Token
		return nil
	}, func(int) {})
	return tokens, err
}

// Close closes the devices and kills the cluster.
func (r *FailoverRun) Close() error {
	for _, d := range r.Devices {
		_ = d.Device.Close()
	}
	r.trans.CloseIdleConnections()
	if r.lightHC != nil {
		r.lightHC.CloseIdleConnections()
	}
	return r.Cluster.Close()
}

// Result returns what the run measured so far.
func (r *FailoverRun) Result() FailoverResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.res
	res.Notes = slices.Clone(r.notes)
	res.FailoverSeconds = slices.Clone(res.FailoverSeconds)
	res.MaxFailoverSeconds = 0
	for _, s := range res.FailoverSeconds {
		res.MaxFailoverSeconds = max(res.MaxFailoverSeconds, s)
	}
	syncs := r.syncs.all()
	res.Kills = killStats(r.kills, syncs, KillSyncWindow)
	var all samples
	for _, s := range syncs {
		all.add(s.dur, 0)
	}
	l := all.summarize(time.Second)
	res.SyncP99Ms, res.SyncMaxMs = l.P99, l.Max
	var gap time.Duration
	res.LeaderChanges, res.FalseElections, res.Elections, gap = r.watch.stats()
	res.MaxHeartbeatGapMs = millis(gap)
	return res
}

// Notes returns the unexpected errors the run met (at most 50): failed
// syncs, refused writes, server errors.
func (r *FailoverRun) Notes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.notes)
}

func (r *FailoverRun) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	if len(r.notes) < 50 {
		r.notes = append(r.notes, msg)
	}
	r.mu.Unlock()
	r.progress("%s", msg)
}

func (r *FailoverRun) progress(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
	}
}

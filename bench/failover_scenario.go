package bench

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// The failover scenario of the harness (`offsync bench --scenario
// failover`): RunFailover on CRM-N with the harness's devices, and its
// per-kill table.

// The failover scenario's metric keys beside the target ones.
const (
	// MetricSyncP99 is the p99 of every device sync of the run, retries
	// included; MetricKillSyncP99 the largest of the per-kill p99s.
	MetricSyncP99     = "sync-p99-ms"
	MetricKillSyncP99 = "kill-sync-p99-ms"
	// MetricFalseElections counts leader changes whose old leader was
	// not killed; MetricElections how far the Raft term rose.
	MetricFalseElections = "false-elections"
	MetricElections      = "elections"
	// MetricHeartbeatGap is the longest a follower went without hearing
	// from a running leader, as sampled.
	MetricHeartbeatGap = "max-heartbeat-gap-ms"
)

// FailoverOptions are the failover scenario's own settings in a
// HarnessConfig.
type FailoverOptions struct {
	// Kills and FollowerKills are FailoverConfig's: leaders and
	// followers killed.
	Kills, FollowerKills int
	// SyncInterval is how often each light device syncs.
	SyncInterval time.Duration
	// NodeArgs are extra `serve` flags for every node.
	NodeArgs []string
}

// DefaultFailoverOptions returns 5 leader kills, 2 follower kills and a
// sync every DefaultFailoverSyncInterval.
func DefaultFailoverOptions() FailoverOptions {
	return FailoverOptions{Kills: DefaultFailoverKills, FollowerKills: DefaultFailoverFollowerKills, SyncInterval: DefaultFailoverSyncInterval}
}

// harnessFailoverConfig maps a harness config to the FailoverConfig it
// runs: CRM-N of c.Rows, up to DefaultFailoverDevices Go devices and
// the rest of c.Devices light ones.
func harnessFailoverConfig(c HarnessConfig) FailoverConfig {
	fc := DefaultFailoverConfig(c.Binary, filepath.Join(c.Dir, "failover"))
	fc.Rows, fc.IngestRate, fc.Duration, fc.Seed, fc.Progress = c.Rows, c.IngestRate, c.Duration, c.Seed, c.Log
	fc.Devices = min(c.Devices, DefaultFailoverDevices)
	fc.LightDevices = c.Devices - fc.Devices
	fc.Kills, fc.FollowerKills, fc.SyncInterval, fc.NodeArgs = c.Failover.Kills, c.Failover.FollowerKills, c.Failover.SyncInterval, c.Failover.NodeArgs
	fc.FirstLoads = c.FirstLoadConcurrency
	return fc
}

// runFailoverScenario is ScenarioFailover: RunFailover of
// harnessFailoverConfig, its progress lines on c.Log.
func runFailoverScenario(ctx context.Context, c HarnessConfig, r *HarnessResult) error {
	fc := harnessFailoverConfig(c)
	r.Run = RunInfo{Server: "cluster of child processes", Devices: c.Devices, Duration: fc.Duration.Seconds(), IngestRate: fc.IngestRate}
	if fc.LightDevices > 0 { // about: each light device pushes in one sync of PushEvery
		r.Run.PushRate = int(float64(fc.LightDevices)/fc.SyncInterval.Seconds()/float64(fc.PushEvery) + 0.5)
	}
	dc, size, err := HarnessDataset(c.Rows, c.Seed, time.Now())
	if err != nil {
		return err
	}
	r.Dataset = DatasetInfo{Size: size, Rows: dc.Rows(), Seed: c.Seed, Users: dc.Users, BusinessUnits: dc.BusinessUnits, Loaded: true}
	r.note("failover: %d nodes, %d kill -9 of the leader and %d of a follower over %v; %d Go devices and %d light ones (storeless, a pull over HTTP every %v, one sync in %d pushes a task)",
		fc.Nodes, fc.Kills, fc.FollowerKills, fc.Duration, fc.Devices, fc.LightDevices, fc.SyncInterval, fc.PushEvery)
	if len(fc.NodeArgs) > 0 {
		r.note("node flags: %v", fc.NodeArgs)
	}
	c.logf("failover: %d nodes on CRM-%s, %d kills over %v, %d devices, %d rows/s of ingest", fc.Nodes, size, fc.Kills+fc.FollowerKills, fc.Duration, c.Devices, fc.IngestRate)
	res, err := RunFailover(ctx, fc)
	r.Failover = &res
	r.Notes = append(r.Notes, res.Notes...)
	r.Dataset.LoadSecs = res.LoadSeconds
	m := r.Metrics
	m[MetricFailoverSeconds] = res.MaxFailoverSeconds
	m[MetricFailedSyncs] = float64(res.FailedSyncs)
	m[MetricLostAckedWrites] = float64(res.LostAckedWrites)
	m["acked-writes"], m["syncs"] = float64(res.AckedWrites), float64(res.Syncs)
	m[MetricSyncP99], m[MetricFalseElections], m[MetricElections] = res.SyncP99Ms, float64(res.FalseElections), float64(res.Elections)
	m[MetricHeartbeatGap] = res.MaxHeartbeatGapMs
	m[MetricKillSyncP99] = 0
	for _, k := range res.Kills {
		m[MetricKillSyncP99] = max(m[MetricKillSyncP99], k.SyncP99Ms)
	}
	return err
}

// writeFailoverKills writes the elections and the setup of f, then one
// line per kill.
func writeFailoverKills(w io.Writer, f *FailoverResult) {
	fmt.Fprintf(w, "elections\t%d leader changes, %d false; the term rose by %d; followers went up to %.0f ms without hearing from a running leader\n",
		f.LeaderChanges, f.FalseElections, f.Elections, f.MaxHeartbeatGapMs)
	fmt.Fprintf(w, "setup\tload %.1f s, cluster formed in %.1f s, light first loads %.1f s; light pushes %d applied, %d refused\n",
		f.LoadSeconds, f.StartSeconds, f.FirstLoadSeconds, f.LightPushes[0], f.LightPushes[1])
	if len(f.Kills) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "kill\tnode\tfailover-s\tsyncs\tsync p50 ms\tsync p99 ms\tsync max ms\tfailed-syncs\tlost-acked-writes\tready again s")
	for i, k := range f.Kills {
		role := "follower"
		if k.Leader {
			role = "leader"
		}
		fmt.Fprintf(w, "%d\t%s %s\t%.2f\t%d\t%.0f\t%.0f\t%.0f\t%d\t%d\t%.1f\n", i+1, role, k.Node, k.FailoverSeconds, k.Syncs,
			k.SyncP50Ms, k.SyncP99Ms, k.SyncMaxMs, k.FailedSyncs, k.LostAckedWrites, k.RestartSeconds)
	}
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/bench"
	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/reference"
)

// TestFailoverKillLeader runs the built binary as a 3-node cluster on
// loopback (bench.ProcCluster) under continuous ingest and device syncs
// through every node, and kills the leader with SIGKILL five times,
// restarting it each time. Then: writes resumed after every kill, no
// acknowledged write is missing on any node, every node holds the same
// rows, and every device holds exactly the reference view of its user.
func TestFailoverKillLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("kills cluster processes for a minute")
	}
	seed := time.Now().UnixNano()
	if s := os.Getenv("OFFSYNC_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (replay with OFFSYNC_SEED=%d)", seed, seed)
	bin := buildBinary(t)
	dir := t.TempDir()
	cfg := bench.DefaultFailoverConfig(bin, dir)
	cfg.Kills, cfg.Duration, cfg.Devices, cfg.IngestRate, cfg.Seed = 5, 50*time.Second, 4, 30, seed
	cfg.Progress = testLogWriter{t}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(dir, "cluster", "*.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				if len(b) > 24<<10 {
					b = b[len(b)-24<<10:]
				}
				t.Logf("--- %s (end):\n%s", filepath.Base(l), b)
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run, err := bench.StartFailover(ctx, cfg)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { run.Close() })
	if err := run.Run(ctx); err != nil {
		t.Fatalf("run: %v", err)
	}
	if err := run.Verify(ctx); err != nil {
		t.Fatalf("verify: %v", err)
	}
	res := run.Result()
	t.Logf("failover-s per kill %.2f (max %.2f); %d acknowledged writes, %d lost; %d syncs, %d failed after retries",
		res.FailoverSeconds, res.MaxFailoverSeconds, res.AckedWrites, res.LostAckedWrites, res.Syncs, res.FailedSyncs)
	for _, n := range run.Notes() {
		t.Logf("note: %s", n)
	}
	if len(res.FailoverSeconds) != cfg.Kills {
		t.Errorf("writes resumed after %d of %d kills", len(res.FailoverSeconds), cfg.Kills)
	}
	if res.LostAckedWrites != 0 {
		t.Errorf("%d acknowledged writes lost or changed (notes above)", res.LostAckedWrites)
	}
	if res.AckedWrites < 100 {
		t.Errorf("only %d writes acknowledged: the load did not run", res.AckedWrites)
	}
	checkConvergence(t, run)
}

// checkConvergence stops the nodes, checks that their engines hold the
// same rows, and compares each device's rows with the reference view of
// its user, computed from node 1's engine at the time of the device's
// last pull.
func checkConvergence(t *testing.T, run *bench.FailoverRun) {
	t.Helper()
	var states []*reference.State
	var digests []engine.Digest
	for i := 0; i < run.Cluster.Len(); i++ {
		if err := run.Cluster.Stop(i); err != nil {
			t.Fatal(err)
		}
		eng, err := engine.Open(engine.DefaultConfig(filepath.Join(run.Cluster.DataDir(i), "engine")))
		if err != nil {
			t.Fatalf("open %s's engine: %v", run.Cluster.ID(i), err)
		}
		st, err := reference.Load(eng)
		if err == nil {
			var d engine.Digest
			d, err = eng.Digest()
			digests = append(digests, d)
		}
		eng.Close()
		if err != nil {
			t.Fatalf("load %s's state: %v", run.Cluster.ID(i), err)
		}
		states = append(states, st)
	}
	for i := 1; i < len(states); i++ {
		if d := diffStates(states[0], states[i]); d != "" {
			t.Errorf("%s and %s hold different rows:%s", run.Cluster.ID(0), run.Cluster.ID(i), d)
		}
		// Nodes that applied the same log hold byte-identical databases.
		if digests[i].Applied == digests[0].Applied && digests[i] != digests[0] {
			t.Errorf("%s and %s applied version %d but their databases differ", run.Cluster.ID(0), run.Cluster.ID(i), digests[0].Applied)
		}
	}
	for _, d := range run.Devices {
		got := deviceView(t, d.Device, states[0])
		var diffs []string
		for _, at := range []time.Time{d.LastSyncStart, d.LastSyncEnd} {
			want, err := reference.Compute(states[0], d.User, "", at.UnixMilli())
			if err != nil {
				t.Fatalf("reference view of %s: %v", d.User, err)
			}
			diffs = append(diffs, diffViews(got, normalizeView(want), "the device", "the reference view"))
		}
		if diffs[0] != "" && diffs[1] != "" {
			t.Errorf("device of %s differs from its reference view:%s", d.User, diffs[0])
			continue
		}
		t.Logf("device of %s holds its reference view: %d rows", d.User, got.Count())
	}
}

// deviceView reads a device's rows into a reference.View.
func deviceView(t *testing.T, d *client.Device, st *reference.State) reference.View {
	t.Helper()
	v := reference.View{}
	for _, e := range st.Schema.Entities {
		err := d.Rows(e.Name, func(r client.Row) error {
			if v[e.Name] == nil {
				v[e.Name] = map[string]codec.Row{}
			}
			v[e.Name][r.ID] = normalizeRow(codec.Row{ID: r.ID, OwnerID: r.OwnerID, OwningBusinessUnit: r.OwningBusinessUnit,
				CreatedOn: r.CreatedOn, ModifiedOn: r.ModifiedOn, Version: r.Version, Attrs: r.Attrs})
			return nil
		})
		if err != nil {
			t.Fatalf("read device rows: %v", err)
		}
	}
	return v
}

// normalizeView drops empty entities and normalizes every row.
func normalizeView(v reference.View) reference.View {
	out := reference.View{}
	for e, rows := range v {
		for id, r := range rows {
			if out[e] == nil {
				out[e] = map[string]codec.Row{}
			}
			out[e][id] = normalizeRow(r)
		}
	}
	return out
}

// normalizeRow drops null attributes and gives numbers one Go type each
// (int64, float64), as the device's store and the engine's differ there.
func normalizeRow(r codec.Row) codec.Row {
	attrs := map[string]any{}
	for k, v := range r.Attrs {
		rv := reflect.ValueOf(v)
		switch {
		case v == nil:
			continue
		case rv.CanInt():
			v = rv.Int()
		case rv.CanUint():
			v = int64(rv.Uint())
		case rv.CanFloat():
			v = rv.Float()
		}
		attrs[k] = v
	}
	r.Attrs = attrs
	return r
}

// diffViews describes up to ten differences between two views, named a
// and b, or returns "".
func diffViews(got, want reference.View, a, b string) string {
	var out []string
	for _, e := range sortedKeys(got, want) {
		for _, id := range sortedKeys(got[e], want[e]) {
			g, inGot := got[e][id]
			w, inWant := want[e][id]
			switch {
			case !inWant:
				out = append(out, fmt.Sprintf("\n  %s %s: only on %s: %+v", e, id, a, g))
			case !inGot:
				out = append(out, fmt.Sprintf("\n  %s %s: only on %s: %+v", e, id, b, w))
			case !reflect.DeepEqual(g, w):
				out = append(out, fmt.Sprintf("\n  %s %s:\n    %s %+v\n    %s %+v", e, id, a, g, b, w))
			}
		}
	}
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("\n  ... %d more", len(out)-10))
	}
	return strings.Join(out, "")
}

// diffStates describes the rows that differ between two nodes' states.
func diffStates(a, b *reference.State) string {
	va, vb := reference.View{}, reference.View{}
	for _, p := range []struct {
		s *reference.State
		v reference.View
	}{{a, va}, {b, vb}} {
		for e, rows := range p.s.Rows {
			p.v[e] = map[string]codec.Row{}
			for _, r := range rows {
				p.v[e][r.ID] = r
			}
		}
	}
	return diffViews(va, vb, "the first", "the second")
}

// sortedKeys returns the keys of both maps, sorted.
func sortedKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// testLogWriter sends each progress line to t.Log.
type testLogWriter struct{ t *testing.T }

// Write implements io.Writer.
func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

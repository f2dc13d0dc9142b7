package engine

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/offsync/offsync/codec"
)

// sameDump fails unless a and b hold the same keys and values.
func sameDump(t *testing.T, a, b *Engine, at string) {
	t.Helper()
	da, db := dump(t, a), dump(t, b)
	for _, k := range sortedDumpKeys(da) {
		if da[k] != db[k] {
			t.Fatalf("%s: key %q differs (sync %d bytes, pipelined %d bytes)", at, k, len(da[k]), len(db[k]))
		}
	}
	if len(da) != len(db) {
		t.Fatalf("%s: key counts differ: sync %d, pipelined %d", at, len(da), len(db))
	}
}

// TestApplyPipelinedMatchesSync is a model test of the pipeline: one
// engine applies every command alone (ApplyBatch, the model); the other
// applies the same commands through ApplyPipelined in random batches, with
// prunes (which scan ranges, so never pipeline) among them. Ingests read
// rows written by the batch before, while it is still being committed.
// Whenever the pipelined engine is drained, both must be byte-identical,
// and Applied must never run ahead of what a read sees.
func TestApplyPipelinedMatchesSync(t *testing.T) {
	s := seed(t)
	rng := rand.New(rand.NewSource(s))
	cmds := setupCommands()
	for _, c := range randomCommands(rng, 300) {
		cmds = append(cmds, c)
		if rng.Intn(40) == 0 {
			cmds = append(cmds, &Command{Kind: KindPrune, Now: c.Now, Horizon: uint64(len(cmds) - 10)})
		}
	}
	model, _ := openTest(t)
	pipe, _ := openTest(t)
	applied := 0 // commands the model has applied
	want := map[uint64]*Result{}
	catchUp := func(n int) {
		for ; applied < n; applied++ {
			r, err := model.Apply(uint64(applied+1), cmds[applied])
			if err != nil {
				t.Fatal(err)
			}
			want[r.Version] = r
		}
	}
	for i := 0; i < len(cmds); {
		n := 1 + rng.Intn(12)
		var batch []Entry
		for j := i; j < i+n && j < len(cmds); j++ {
			batch = append(batch, Entry{Version: uint64(j + 1), Cmd: cmds[j]})
		}
		res, err := pipe.ApplyPipelined(batch)
		if err != nil {
			t.Fatal(err)
		}
		i += len(batch)
		catchUp(i)
		for k, r := range res {
			w := want[batch[k].Version]
			if (r.Err == nil) != (w.Err == nil) || r.Rows != w.Rows {
				t.Fatalf("version %d: pipelined result %+v, sync %+v", batch[k].Version, r, w)
			}
		}
		if got := pipe.Applied(); got > uint64(i) {
			t.Fatalf("applied %d is ahead of the %d commands given", got, i)
		}
		if rng.Intn(4) == 0 {
			if err := pipe.Drain(); err != nil {
				t.Fatal(err)
			}
			if pipe.Applied() != uint64(i) {
				t.Fatalf("drained: applied = %d, want %d", pipe.Applied(), i)
			}
			sameDump(t, model, pipe, fmt.Sprintf("after version %d", i))
		}
	}
	if err := pipe.Drain(); err != nil {
		t.Fatal(err)
	}
	sameDump(t, model, pipe, "at the end")
}

// TestPipelinedCommandLargerThanOneTransaction: a pipelined batch too big
// for one Badger transaction is written in parts, and ends where the sync
// path ends.
func TestPipelinedCommandLargerThanOneTransaction(t *testing.T) {
	open := func() *Engine {
		cfg := testConfig(t.TempDir())
		cfg.MemTableSize = 8 << 20 // Badger then takes about 1.2 MB per transaction
		e, err := Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		mustApply(t, e, setupCommands()...)
		return e
	}
	model, pipe := open(), open()
	var recs []codec.Record
	for i := 0; i < 5000; i++ {
		recs = append(recs, codec.Record{Entity: "account", ID: fmt.Sprintf("40000000-0000-4000-8000-%012d", i), OwnerID: tAlice,
			Attrs: map[string]any{"name": "big", "primarycontactid": fmt.Sprintf("50000000-0000-4000-8000-%012d", i)}})
	}
	v := model.Applied()
	batch := []Entry{{Version: v + 1, Cmd: ingestCmd(2000, recs[:2500]...)}, {Version: v + 2, Cmd: ingestCmd(2001, recs...)}, {Version: v + 3, Cmd: ingestCmd(3000, recs[0])}}
	if _, err := model.ApplyBatch(batch); err != nil {
		t.Fatal(err)
	}
	if _, err := pipe.ApplyPipelined(batch); err != nil {
		t.Fatal(err)
	}
	if err := pipe.Drain(); err != nil {
		t.Fatal(err)
	}
	if pipe.Applied() != v+3 {
		t.Fatalf("applied = %d, want %d", pipe.Applied(), v+3)
	}
	sameDump(t, model, pipe, "after the big batch")
}

// TestPipelineTakesOnlyBoundedIngestBatches: only batches of ingests of at
// most pipelineMaxRecords records run pipelined; any other batch is
// committed before ApplyPipelined returns.
func TestPipelineTakesOnlyBoundedIngestBatches(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	v := e.Applied()
	rec := func(i int) codec.Record {
		return codec.Record{Entity: "account", ID: fmt.Sprintf("60000000-0000-4000-8000-%012d", i), OwnerID: tAlice, Attrs: map[string]any{"name": "n"}}
	}
	small := ingestCmd(2000, rec(0), rec(1))
	var many []codec.Record
	for i := 0; i <= pipelineMaxRecords; i++ {
		many = append(many, rec(i))
	}
	for _, c := range []struct {
		name      string
		cmds      []*Command
		pipelined bool
	}{
		{"small ingests", []*Command{small, small}, true},
		{"too many records", []*Command{ingestCmd(2000, many...)}, false},
		{"a prune among them", []*Command{small, {Kind: KindPrune, Now: 2000, Horizon: 1}}, false},
	} {
		var batch []Entry
		for _, cmd := range c.cmds {
			v++
			batch = append(batch, Entry{Version: v, Cmd: cmd})
		}
		if _, err := e.ApplyPipelined(batch); err != nil {
			t.Fatal(err)
		}
		e.applyMu.Lock()
		inFlight := e.pipe.cur != nil
		e.applyMu.Unlock()
		if inFlight != c.pipelined {
			t.Fatalf("%s: in flight %v, want %v", c.name, inFlight, c.pipelined)
		}
		if err := e.Drain(); err != nil {
			t.Fatal(err)
		}
		if e.Applied() != v {
			t.Fatalf("%s: applied %d, want %d", c.name, e.Applied(), v)
		}
	}
}

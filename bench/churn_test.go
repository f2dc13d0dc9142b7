package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// BenchmarkDeltaUnderChurn reports a Field Sales user's delta pull
// (engine.Pull with a cursor) of 100 changes in the view while the rest
// of the organization changes 100 times more than in the baseline, as
// ratio-churn-100x (target <= 1.5). OFFSYNC_BENCH_SIZE sets the size
// (small by default).
func BenchmarkDeltaUnderChurn(b *testing.B) {
	c := DefaultChurnConfig(b.TempDir())
	c.Size = benchSyncSize()
	var last ChurnResult
	for i := 0; i < b.N; i++ {
		r, err := RunDeltaUnderChurn(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		last = r
	}
	b.Logf("size %s (%d rows; view %d rows): delta of %d changes in the view; beside %d changes outside it %v, beside %d %v (cycling through %d rows outside the view)",
		last.Size, last.Rows, last.ViewRows, last.Changes, last.Outside, last.Baseline, last.ChurnOutside, last.Churn, last.OutsideRows)
	b.ReportMetric(ms(last.Baseline), "baseline-delta-ms")
	b.ReportMetric(ms(last.Churn), "churn-delta-ms")
	b.ReportMetric(last.RatioChurn, MetricRatioChurn100x)
}

// TestDeltaUnderChurnDemo runs RunDeltaUnderChurn on a demo-sized
// dataset: every timed delta is checked inside the run.
func TestDeltaUnderChurnDemo(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ds, err := LoadDataset(ctx, DefaultLoadConfig(dir, dataset.SizeDemo))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ds.Close() })
	c := DefaultChurnConfig(dir)
	c.Dataset, c.Changes, c.Outside, c.Factor, c.Rounds, c.Pulls = ds, 20, 5, 10, 2, 2
	r, err := RunDeltaUnderChurn(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Changes != 20 || r.Outside != 5 || r.ChurnOutside != 50 || r.OutsideRows < 1 || r.ViewRows < 20 ||
		r.Baseline <= 0 || r.Churn <= 0 || r.RatioChurn <= 0 {
		t.Fatalf("result = %+v", r)
	}
}

// TestPickOutsideIsOutside checks the rows the churn changes: none is in
// the user's view, none is owned in the user's business unit, and
// changing them all leaves the user's view as it was.
func TestPickOutsideIsOutside(t *testing.T) {
	ctx := context.Background()
	ds, err := LoadDataset(ctx, DefaultLoadConfig(t.TempDir(), dataset.SizeDemo))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ds.Close() })
	user, _, err := ds.FieldSalesPair()
	if err != nil {
		t.Fatal(err)
	}
	view := func() map[string]bool {
		ids := map[string]bool{}
		if _, err := ds.Engine.View(user.ID, "", ds.Now(), func(vr engine.ViewRow) error { ids[vr.Row.ID] = true; return nil }); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	before := view()
	out, err := pickOutside(ds, user, before, 200)
	if err != nil {
		t.Fatal(err)
	}
	entities := map[string]bool{}
	for _, r := range out {
		if before[r.ID] {
			t.Fatalf("%s %s is in the view", r.Entity, r.ID)
		}
		entities[r.Entity] = true
	}
	if len(out) < 100 || len(entities) < 2 {
		t.Fatalf("picked %d rows of %d entities", len(out), len(entities))
	}
	ch := &churner{ds: ds, user: user.ID, outside: out}
	if err := ch.change(ctx, 0, len(out)); err != nil {
		t.Fatal(err)
	}
	after := view()
	if len(after) != len(before) {
		t.Fatalf("the view held %d rows, %d after the churn", len(before), len(after))
	}
	for id := range after {
		if !before[id] {
			t.Fatalf("%s entered the view", id)
		}
	}
}

func TestCheckChurnDelta(t *testing.T) {
	picks := []codec.Record{{Entity: "account", ID: "a1"}, {Entity: "account", ID: "a2"}}
	outside := map[string]bool{"x1": true}
	ok := &engine.PullResult{Entities: []engine.EntityDelta{{Entity: "account", Upserts: []codec.Row{{ID: "a1"}}, Patches: []codec.Row{{ID: "a2"}}}}}
	if err := checkChurnDelta(ok, picks, outside); err != nil {
		t.Fatal(err)
	}
	bad := map[string]*engine.PullResult{
		"reloaded":    {Reset: true, Entities: ok.Entities},
		"outside":     {Entities: []engine.EntityDelta{ok.Entities[0], {Entity: "task", Upserts: []codec.Row{{ID: "x1"}}}}},
		"not changed": {Entities: []engine.EntityDelta{ok.Entities[0], {Entity: "task", Upserts: []codec.Row{{ID: "y"}}}}},
		"removals":    {Entities: []engine.EntityDelta{{Entity: "account", Upserts: []codec.Row{{ID: "a1"}, {ID: "a2"}}, Removals: []string{"z"}}}},
		"missing":     {Entities: []engine.EntityDelta{{Entity: "account", Upserts: []codec.Row{{ID: "a1"}}}}},
	}
	for name, pr := range bad {
		err := checkChurnDelta(pr, picks, outside)
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if name == "outside" && !strings.Contains(err.Error(), "outside the view") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestChurnConfigValidate(t *testing.T) {
	dir := t.TempDir()
	for field, f := range map[string]func(*ChurnConfig){
		"Dir": func(c *ChurnConfig) { c.Dir = "" }, "Size": func(c *ChurnConfig) { c.Size = "huge" },
		"Changes": func(c *ChurnConfig) { c.Changes = 0 }, "Outside": func(c *ChurnConfig) { c.Outside = 0 },
		"Factor": func(c *ChurnConfig) { c.Factor = 0 }, "Rounds": func(c *ChurnConfig) { c.Rounds = 0 },
		"Pulls": func(c *ChurnConfig) { c.Pulls = 0 },
	} {
		c := DefaultChurnConfig(dir)
		f(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), field+":") {
			t.Errorf("%s: %v", field, err)
		}
	}
	if err := DefaultChurnConfig(dir).Validate(); err != nil {
		t.Error(err)
	}
}

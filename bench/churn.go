package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// MetricRatioChurn100x is the unit BenchmarkDeltaUnderChurn reports: a
// user's delta pull time while the rest of the organization changes 100
// times more than in the baseline, over the same delta's time in the
// baseline (target <= 1.5).
const MetricRatioChurn100x = "ratio-churn-100x"

// ChurnConfig sizes RunDeltaUnderChurn.
type ChurnConfig struct {
	// Dir is a scratch directory (the engine, when loading).
	Dir string
	// Size is the dataset size to load; Seed seeds it.
	Size string
	Seed int64
	// Changes is how many rows of the user's view change before each
	// measured delta (the delta the user receives).
	Changes int
	// Outside is how many rows outside the user's view change beside them
	// in the baseline; the churn phase changes Factor times as many.
	Outside int
	Factor  int
	// Rounds is how many baseline and churn phases run (alternating);
	// each times Pulls engine pulls from the same cursor. Medians over
	// all of a kind's pulls are reported.
	Rounds int
	Pulls  int
	// Dataset, when set, is used instead of loading Size (which is then
	// ignored). The run writes to it and leaves it open.
	Dataset *Dataset
}

// DefaultChurnConfig returns a ChurnConfig of the small size: 100 changes
// in the view, beside 100 outside it in the baseline and 10,000 under
// churn.
func DefaultChurnConfig(dir string) ChurnConfig {
	return ChurnConfig{Dir: dir, Size: dataset.SizeSmall, Seed: dataset.DefaultSeed, Changes: DefaultChanges,
		Outside: DefaultChanges, Factor: 100, Rounds: 3, Pulls: 5}
}

// Validate checks the config; its messages name the bad field.
func (c ChurnConfig) Validate() error {
	if c.Dir == "" {
		return fmt.Errorf("churn config: Dir: must be set")
	}
	if c.Dataset == nil {
		if _, err := dataset.ConfigFor(c.Size); err != nil {
			return fmt.Errorf("churn config: Size: %w", err)
		}
	}
	switch {
	case c.Changes < 1 || c.Changes > engine.MaxRecordsPerCommand:
		return fmt.Errorf("churn config: Changes: %d is outside 1..%d", c.Changes, engine.MaxRecordsPerCommand)
	case c.Outside < 1:
		return fmt.Errorf("churn config: Outside: must be positive")
	case c.Factor < 1:
		return fmt.Errorf("churn config: Factor: must be positive")
	case c.Rounds < 1:
		return fmt.Errorf("churn config: Rounds: must be positive")
	case c.Pulls < 1:
		return fmt.Errorf("churn config: Pulls: must be positive")
	}
	return nil
}

// ChurnResult is what RunDeltaUnderChurn measured.
type ChurnResult struct {
	Size string
	// Rows is the dataset's rows; ViewRows the user's view.
	Rows, ViewRows int
	// Changes is the rows of the view each delta brought; Outside and
	// ChurnOutside the rows changed outside the view beside them, in the
	// baseline and under churn; OutsideRows how many distinct rows
	// outside the view those changes cycle through.
	Changes, Outside, ChurnOutside, OutsideRows int
	// Baseline and Churn are the medians of engine.Pull of the delta.
	Baseline, Churn time.Duration
	// RatioChurn is Churn / Baseline (target <= 1.5).
	RatioChurn float64
}

// RunDeltaUnderChurn measures benchmark #10: a Field Sales user's delta
// pull through engine.Pull with a cursor, as a device pulls, in the
// baseline (c.Changes rows of the view changed beside c.Outside rows
// outside it) and under churn (the same, beside c.Factor times as many
// rows outside). The rows outside are owned by users or teams of other
// business units and are not in the user's view; every timed answer is
// checked to carry exactly the view's changes and none of them, so that
// the benchmark cannot time a reload or rows leaking into the view.
func RunDeltaUnderChurn(ctx context.Context, c ChurnConfig) (ChurnResult, error) {
	if err := c.Validate(); err != nil {
		return ChurnResult{}, err
	}
	ds, done := c.Dataset, func() {}
	if ds == nil {
		var err error
		if ds, done, err = loadInto(ctx, c.Dir, c.Size, c.Seed); err != nil {
			return ChurnResult{}, err
		}
	}
	defer done()
	user, _, err := ds.FieldSalesPair()
	if err != nil {
		return ChurnResult{}, err
	}
	inView := map[string]bool{}
	if _, err := ds.Engine.View(user.ID, "", ds.Now(), func(vr engine.ViewRow) error {
		inView[vr.Row.ID] = true
		return nil
	}); err != nil {
		return ChurnResult{}, fmt.Errorf("read view: %w", err)
	}
	picks, err := pickChanges(ds, user.ID, c.Changes)
	if err != nil {
		return ChurnResult{}, err
	}
	outside, err := pickOutside(ds, user, inView, c.Outside*c.Factor)
	if err != nil {
		return ChurnResult{}, err
	}
	first, err := ds.Engine.Pull(user.ID, nil, ds.Now(), engine.PullOptions{})
	if err != nil {
		return ChurnResult{}, fmt.Errorf("first load: %w", err)
	}
	ch := &churner{ds: ds, user: user.ID, cur: first.Cursor, picks: picks, outside: outside}
	r := ChurnResult{Size: ds.Size, Rows: ds.Rows, ViewRows: len(inView), Changes: len(picks),
		Outside: c.Outside, ChurnOutside: c.Outside * c.Factor, OutsideRows: len(outside)}
	var base, churn []time.Duration
	for round := range c.Rounds {
		for _, ph := range []struct {
			n   int
			out *[]time.Duration
		}{{r.Outside, &base}, {r.ChurnOutside, &churn}} {
			if err := ch.change(ctx, round, ph.n); err != nil {
				return r, fmt.Errorf("round %d: %w", round, err)
			}
			ts, err := ch.timePulls(c.Pulls)
			if err != nil {
				return r, fmt.Errorf("round %d, %d changes outside the view: %w", round, ph.n, err)
			}
			*ph.out = append(*ph.out, ts...)
		}
	}
	r.Baseline, r.Churn = median(base), median(churn)
	r.RatioChurn = r.Churn.Seconds() / r.Baseline.Seconds()
	return r, nil
}

package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// pickOutside returns up to n rows (entity and id) that are outside
// user's view: not in inView, and owned by a user or team of another
// business unit than the user's (never the user, nor a team the user is
// a member of), taken from every entity in turn so that the churn mixes
// them. It fails when there is none.
func pickOutside(ds *Dataset, user engine.User, inView map[string]bool, n int) ([]codec.Record, error) {
	buOf := map[string]string{}
	for _, u := range ds.Org.Users {
		if u.ID != user.ID {
			buOf[u.ID] = u.BusinessUnit
		}
	}
	for _, t := range ds.Org.Teams {
		mine := false
		for _, m := range t.Members {
			mine = mine || m == user.ID
		}
		if !mine {
			buOf[t.ID] = t.BusinessUnit
		}
	}
	var order []string
	byEntity := map[string][]codec.Record{}
	full := 0
	err := dataset.Generate(ds.Config, 1000, func(recs []codec.Record) error {
		for _, rec := range recs {
			bu, ok := buOf[rec.OwnerID]
			if !ok || bu == user.BusinessUnit || inView[rec.ID] {
				continue
			}
			got, seen := byEntity[rec.Entity]
			if !seen {
				order = append(order, rec.Entity)
			}
			if len(got) == n {
				continue
			}
			byEntity[rec.Entity] = append(got, codec.Record{Entity: rec.Entity, ID: rec.ID})
			if len(got)+1 == n {
				full++
			}
		}
		if full == 4 { // the generator's entities, all found
			return dataset.ErrStop
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pick rows outside the view: %w", err)
	}
	var out []codec.Record
	for i := 0; len(out) < n; i++ {
		added := false
		for _, e := range order {
			if rows := byEntity[e]; i < len(rows) && len(out) < n {
				out, added = append(out, rows[i]), true
			}
		}
		if !added {
			break
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("pick rows outside the view: no row is owned outside business unit %s", user.BusinessUnit)
	}
	return out, nil
}

// churner changes rows in and outside one user's view and times the
// user's delta pulls.
type churner struct {
	ds    *Dataset
	user  string
	cur   engine.Cursor
	picks []codec.Record // rows of the view that change every phase
	// outside are the rows outside the view; next is where the next
	// phase's changes start (they cycle through them).
	outside []codec.Record
	next    int
	last    map[string]bool // ids of the last phase's changes outside
}

// change changes every picked row of the view in one command, between
// two halves of n changes of rows outside it (in commands of at most
// engine.MaxRecordsPerCommand, none holding a row twice).
func (ch *churner) change(ctx context.Context, round, n int) error {
	in := make([]codec.Record, len(ch.picks))
	for i, r := range ch.picks {
		desc := fmt.Sprintf("%s (visit %d)", followUps[(i+round)%len(followUps)], round+1)
		in[i] = codec.Record{Op: codec.OpUpsert, Entity: r.Entity, ID: r.ID, Attrs: map[string]any{"description": desc}}
	}
	ch.last = map[string]bool{}
	out := func(k int) error {
		chunk := min(engine.MaxRecordsPerCommand, len(ch.outside))
		for k > 0 {
			m := min(k, chunk)
			recs := make([]codec.Record, m)
			for i := range recs {
				r := ch.outside[ch.next%len(ch.outside)]
				ch.next++
				ch.last[r.ID] = true
				recs[i] = codec.Record{Op: codec.OpUpsert, Entity: r.Entity, ID: r.ID,
					Attrs: map[string]any{"description": fmt.Sprintf("Churn elsewhere in the organization, round %d.", round+1)}}
			}
			if err := ch.propose(ctx, recs); err != nil {
				return fmt.Errorf("change %d rows outside the view: %w", m, err)
			}
			k -= m
		}
		return nil
	}
	if err := out(n / 2); err != nil {
		return err
	}
	if len(in) == 0 {
		return out(n - n/2)
	}
	if err := ch.propose(ctx, in); err != nil {
		return fmt.Errorf("change %d rows of the view: %w", len(in), err)
	}
	return out(n - n/2)
}

func (ch *churner) propose(ctx context.Context, recs []codec.Record) error {
	res, err := ch.ds.Writer.Propose(ctx, &engine.Command{Kind: engine.KindIngest, Now: ch.ds.Now(), Records: recs})
	if err == nil && res.Err != nil {
		err = res.Err
	}
	return err
}

// timePulls times n engine pulls of the delta from the current cursor,
// checks each answer, and moves the cursor past the delta.
func (ch *churner) timePulls(n int) ([]time.Duration, error) {
	var ts []time.Duration
	var next engine.Cursor
	for range n {
		cur := ch.cur
		start := time.Now()
		pr, err := ch.ds.Engine.Pull(ch.user, &cur, ch.ds.Now(), engine.PullOptions{})
		ts = append(ts, time.Since(start))
		if err != nil {
			return nil, fmt.Errorf("delta pull: %w", err)
		}
		if err := checkChurnDelta(pr, ch.picks, ch.last); err != nil {
			return nil, err
		}
		next = pr.Cursor
	}
	ch.cur = next
	return ts, nil
}

// checkChurnDelta checks that a delta pull carried exactly the changed
// rows of the view (upserts or patches): no reload, no removal, and
// none of the rows changed outside the view.
func checkChurnDelta(pr *engine.PullResult, picks []codec.Record, outside map[string]bool) error {
	if pr.Reset {
		return fmt.Errorf("check delta: the pull reloaded the view instead of sending a delta")
	}
	want := map[string]bool{}
	for _, r := range picks {
		want[r.ID] = true
	}
	got := 0
	for _, e := range pr.Entities {
		if len(e.Removals) > 0 {
			return fmt.Errorf("check delta: %d removals of %s, want none", len(e.Removals), e.Entity)
		}
		for _, rows := range [][]codec.Row{e.Upserts, e.Patches} {
			for _, row := range rows {
				switch {
				case outside[row.ID]:
					return fmt.Errorf("check delta: %s %s, changed outside the view, is in the delta", e.Entity, row.ID)
				case !want[row.ID]:
					return fmt.Errorf("check delta: %s %s is in the delta but was not changed", e.Entity, row.ID)
				}
				got++
			}
		}
	}
	if got != len(want) {
		return fmt.Errorf("check delta: %d rows, want the %d changed in the view", got, len(want))
	}
	return nil
}

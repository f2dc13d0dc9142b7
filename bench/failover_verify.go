package bench

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
)

// The ledger of a failover run: every row written, with its last
// acknowledged write and the writes sent after it whose outcome is
// unknown. The load fills it (attempt, ack); Verify then checks that each
// node holds every acknowledged write.

// foWrite is one write: a row's attributes as JSON decodes them, the
// version it was applied at (0 when unknown) and when it was
// acknowledged.
type foWrite struct {
	entity, id, owner string
	attrs             map[string]any
	version           uint64
	at                time.Time
}

// foRow is what a row may hold: its last acknowledged write, or one of
// the writes sent after it whose outcome is unknown (cut off by a kill or
// by the end of the load: they may have been applied).
type foRow struct {
	acked   *foWrite
	unknown []*foWrite
}

// attempt records that w is about to be sent: until it is acknowledged,
// its row may hold it or its last acknowledged value.
func (r *FailoverRun) attempt(w *foWrite) {
	r.mu.Lock()
	defer r.mu.Unlock()
	row := r.row(w)
	row.unknown = append(row.unknown, w)
}

// row returns w's row record, created on first use; r.mu must be held.
func (r *FailoverRun) row(w *foWrite) *foRow {
	key := w.entity + "/" + w.id
	row := r.rows[key]
	if row == nil {
		row = &foRow{}
		r.rows[key] = row
	}
	return row
}

// ack records w as its row's last acknowledged write.
func (r *FailoverRun) ack(w *foWrite) {
	r.mu.Lock()
	defer r.mu.Unlock()
	row := r.row(w)
	w.at = time.Now()
	row.acked, row.unknown = w, nil
	r.res.AckedWrites++
	r.maxAck = max(r.maxAck, w.version)
}

// Verify restarts any node that is down, waits until every node has
// applied every acknowledged write, reads each such row on each node,
// then syncs each device once more (its final state).
func (r *FailoverRun) Verify(ctx context.Context) error {
	for i := 0; i < r.Cluster.Len(); i++ {
		if err := r.Cluster.Restart(i); err != nil {
			return err
		}
	}
	r.mu.Lock()
	writes := make([]*foRow, 0, len(r.rows))
	for _, row := range r.rows {
		if row.acked != nil {
			writes = append(writes, row)
		}
	}
	maxAck := r.maxAck
	r.mu.Unlock()
	slices.SortFunc(writes, func(a, b *foRow) int { return strings.Compare(a.acked.entity+a.acked.id, b.acked.entity+b.acked.id) })
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	v, err := r.Cluster.WaitCaughtUp(cctx, maxAck)
	if err != nil {
		return err
	}
	r.progress("every node at version %d; checking %d acknowledged rows on each", v, len(writes))
	lost := make([]bool, len(writes))
	for i := 0; i < r.Cluster.Len(); i++ {
		var wg sync.WaitGroup
		for k := 0; k < 4; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := k; j < len(writes); j += 4 {
					if problem := r.check(ctx, i, writes[j]); problem != "" {
						lost[j] = true
						r.note("lost acknowledged write: %s", problem)
					}
				}
			}()
		}
		wg.Wait()
	}
	r.mu.Lock()
	for j, l := range lost {
		if l {
			r.res.LostAckedWrites++
			if k := killAt(r.kills, writes[j].acked.at); k >= 0 {
				r.kills[k].lostAckedWrite++
			}
		}
	}
	r.mu.Unlock()
	for _, d := range r.Devices {
		if err := r.sync(ctx, d); err != nil {
			return fmt.Errorf("final sync of %s: %w", d.User, err)
		}
	}
	res := r.Result()
	r.progress("verified: %d rows lost, %d syncs failed, %d device mutations applied, %d rejected; failover-s %.2f", res.LostAckedWrites, res.FailedSyncs, r.pushes[0], r.pushes[1], res.FailoverSeconds)
	return nil
}

// check reads row's row on node i and describes how it differs from its
// last acknowledged write, or returns "" when it holds that write or a
// later one whose outcome is unknown.
func (r *FailoverRun) check(ctx context.Context, i int, row *foRow) string {
	w := row.acked
	var got struct {
		OwnerID string         `json:"ownerid"`
		Version uint64         `json:"version"`
		Deleted bool           `json:"deleted"`
		Attrs   map[string]any `json:"attributes"`
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = r.Cluster.Admin(i).Do(ctx, http.MethodGet, "/v1/records/"+w.entity+"/"+w.id, nil, &got); err == nil || !retryable(err) {
			break
		}
		sleepCtx(ctx, 200*time.Millisecond)
	}
	where := fmt.Sprintf("%s %s/%s (acknowledged at version %d)", r.Cluster.ID(i), w.entity, w.id, w.version)
	switch {
	case err != nil:
		return fmt.Sprintf("%s: %v", where, err)
	case got.Deleted || got.OwnerID != w.owner || got.Version < w.version:
		return fmt.Sprintf("%s: deleted %v, owner %s, version %d", where, got.Deleted, got.OwnerID, got.Version)
	}
	for _, c := range append([]*foWrite{w}, row.unknown...) {
		same := true
		for k, want := range c.attrs {
			same = same && reflect.DeepEqual(got.Attrs[k], want)
		}
		if same {
			return ""
		}
	}
	return fmt.Sprintf("%s: version %d holds %v, want %v", where, got.Version, got.Attrs, w.attrs)
}

package engine

import (
	"github.com/offsync/offsync/filter"
)

// quietPull answers, without computing a delta, a pull whose cursor is
// still current: nothing wrote rows of the view's partitions (of the
// profile's entities, for a cursor older than the partition logs) and no
// admin change happened since the cursor's version, and the time that
// passed since its time takes no row in or out (no today() rule crossed a
// day, and no source of related rows aged out of a window). Most pulls of
// a device that syncs often are such pulls; they then cost a lookup in
// the versions that notify keeps, not a read of the change log. ok is
// false when the pull needs the full path.
func (e *Engine) quietPull(userID string, cur *Cursor, now int64, opt PullOptions) (res *PullResult, ok bool) {
	if cur == nil || cur.Version < e.horizon.Load() {
		return nil, false
	}
	acc, err := e.Access(userID, opt.App)
	if err != nil || acc.Profile == nil || acc.Profile.Published == 0 {
		return nil, false
	}
	rules := acc.Profile.PublishedRules
	sch := e.Schema()
	// The cursor's view was computed under the user's current context
	// (else the full path answers the change of context).
	m := acc.memo.Load()
	if m == nil || m.schema != sch.Version {
		// Derived once per shared Access and schema, not per pull.
		ps := &pullState{viewBuilder: viewBuilder{acc: acc, sch: sch, rules: rules}}
		m = &accessMemo{schema: sch.Version, fp: ps.fingerprint(), parts: e.notes.withCells(withHeads(viewPartitions(sch, acc, rules)))}
		acc.memo.Store(m)
	}
	if m.fp != cur.Context {
		return nil, false
	}
	// With partition logs since the cursor, the heads of the view's
	// partitions tell; before, any write to the entities does.
	var parts map[string]entityParts
	if from := e.partsFrom.Load(); from != 0 && cur.Version >= from {
		parts = m.parts
	}
	n := &e.notes
	n.mu.Lock()
	v1 := n.version
	quiet := cur.Version >= n.since && n.head(orgEntity) <= cur.Version && len(n.movedIn(parts, rules, cur.Version)) == 0
	n.mu.Unlock()
	// A commit between storing the applied version and notifying (see
	// batch.commit) leaves v1 behind: take the full path then, so that
	// an answer is never older than what the node has applied (a device
	// waiting for its own write asked for at least that version).
	if !quiet || v1 < cur.Version || v1 < e.applied.Load() {
		return nil, false
	}
	dayMoved := filter.TodayMillis(cur.Time, 0) != filter.TodayMillis(now, 0)
	for i := range rules {
		r := &rules[i]
		if dayMoved && r.DependsOnTime(sch) {
			return nil, false
		}
		if w := r.Window(); w > 0 && len(r.Relationships) > 0 && now > cur.Time {
			if aged, err := e.anyModifiedBetween(r.Entity, cur.Time-int64(w)*dayMillis, now-int64(w)*dayMillis); err != nil || aged {
				return nil, false
			}
		}
	}
	res = &PullResult{Version: v1, MetadataVersion: sch.Version, Cursor: Cursor{Version: v1, Time: now, Context: cur.Context, Was: cur.Was}}
	ps := &pullState{viewBuilder: viewBuilder{acc: acc, sch: sch, rules: rules}, t1: now}
	res.Entities = make([]EntityDelta, 0, len(rules))
	for i := range rules {
		res.Entities = append(res.Entities, ps.entityDelta(&rules[i]))
	}
	return res, true
}

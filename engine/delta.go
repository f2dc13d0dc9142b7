package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// A delta decides, for each candidate row, whether it is in the old view
// V(v0, t0) (under the access context and rules the cursor remembers) and
// in the new view V(v1, t1). Candidates are the rows changed since v0, the
// targets that changed rows look up (before and after), the targets of
// rows that aged out of a window between t0 and t1, and, transitively,
// the targets of related rows whose membership changed, and the rows a
// today() filter may take in or out because days passed between t0 and
// t1 (timeindex.go). When the access
// context changed (roles, teams, business unit, profile publish) the rows
// of both whole views are candidates too. Rows that aged out themselves
// are dropped by the device (EntityDelta.Cutoff), so they need no removal.

// rowRef names one row.
type rowRef struct{ entity, id string }

// changed is what the change log says about a row changed since v0.
type changed struct {
	prev uint64     // the version of its image at v0 (0: none)
	old  *codec.Row // that image, nil when none or a tombstone
}

// deltaState holds the images and memoized memberships of one delta.
type deltaState struct {
	*pullState
	vbs     [2]*viewBuilder // the old and the new context (the same one when unchanged)
	moved   bool            // the context changed
	changes map[rowRef]*changed
	oldRefs map[string][]Reference // target id -> lookups from old images of changed rows
	current map[rowRef]*codec.Row  // current rows read so far, tombstones too (nil: absent)
	past    map[rowRef]*codec.Row  // images at v0 found by walkBack
	memo    [2]map[rowRef]int8     // [old, new]: 1 in, 2 out, 3 being decided
	err     error                  // a read failure met while deciding
	scanned int                    // log entries read
	logs    int                    // logs sought
	refs    map[string][]Reference // current lookups to a row id, read once
	refIt   *badger.Iterator       // over the reference index, opened once
	cuts    int                    // cycles cut while deciding (see in)
}

func (ps *pullState) delta(cur *Cursor, old *viewBuilder, maxChanges int) (*PullResult, error) {
	ps.v0, ps.t0 = cur.Version, cur.Time
	ds := &deltaState{pullState: ps, changes: map[rowRef]*changed{}, oldRefs: map[string][]Reference{}, current: map[rowRef]*codec.Row{}, past: map[rowRef]*codec.Row{}}
	ds.vbs = [2]*viewBuilder{old, &ps.viewBuilder}
	ds.moved = old != &ps.viewBuilder
	ds.memo = [2]map[rowRef]int8{{}, {}}
	defer ds.closeRefs()
	load := ds.loadChanges
	if ds.usesPartitions() {
		load = ds.loadPartitionChanges
	}
	if err := load(maxChanges); err != nil {
		return nil, err
	}
	cand := map[rowRef]bool{}
	var queue []rowRef
	add := func(r rowRef) {
		if !cand[r] {
			cand[r] = true
			queue = append(queue, r)
		}
	}
	refs := make([]rowRef, 0, len(ds.changes))
	for r := range ds.changes {
		refs = append(refs, r)
	}
	slices.SortFunc(refs, compareRef)
	for _, r := range refs {
		add(r)
		// Only a row in the old or the new view can support related
		// rows: the targets of one in neither are not candidates.
		if ds.in(r, 0) || ds.in(r, 1) {
			ds.addTargets(r, add)
		}
	}
	if err := ds.agedSources(func(r rowRef) { ds.addTargets(r, add) }); err != nil {
		return nil, err
	}
	if err := ds.timeFlips(add); err != nil {
		return nil, err
	}
	if ds.moved {
		if err := ds.wholeViews(add); err != nil {
			return nil, err
		}
	}
	res := &PullResult{Scanned: ds.scanned, Logs: ds.logs}
	byEntity := map[string]*EntityDelta{}
	for i := range ps.rules {
		d := ps.entityDelta(&ps.rules[i])
		res.Entities = append(res.Entities, d)
	}
	for _, r := range old.rules { // entities the profile no longer carries
		if ps.rule(r.Entity) == nil {
			res.Entities = append(res.Entities, EntityDelta{Entity: r.Entity})
		}
	}
	for i := range res.Entities {
		byEntity[res.Entities[i].Entity] = &res.Entities[i]
	}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		d := byEntity[r.entity]
		if d == nil {
			continue
		}
		in0, in1 := ds.in(r, 0), ds.in(r, 1)
		switch {
		case in1:
			row := ds.image(r, 1)
			same := sameColumns(old.rule(r.entity), ps.rule(r.entity))
			switch {
			case in0 && row.Version <= ps.v0 && same:
				// held and unchanged
			case in0 && same && ds.changes[r] != nil && ds.changes[r].old != nil:
				d.Patches = append(d.Patches, Project(ps.rule(r.entity), *row))
				ds.notePatch(d, Project(ps.rule(r.entity), *ds.changes[r].old), d.Patches[len(d.Patches)-1])
			default:
				d.Upserts = append(d.Upserts, Project(ps.rule(r.entity), *row))
			}
		case in0:
			d.Removals = append(d.Removals, r.id)
		}
		if in0 != in1 || (ds.moved && (in0 || in1)) {
			ds.addTargets(r, add) // related rows hanging off it may follow
		}
	}
	if ds.err != nil {
		return nil, ds.err
	}
	if ds.moved && ds.biggerThanReload(res) {
		return nil, errReload
	}
	for i := range res.Entities {
		d := &res.Entities[i]
		slices.SortFunc(d.Upserts, func(a, b codec.Row) int { return strings.Compare(a.ID, b.ID) })
		slices.SortFunc(d.Patches, func(a, b codec.Row) int { return strings.Compare(a.ID, b.ID) })
		slices.Sort(d.PatchColumns)
		trimPatches(d)
		slices.Sort(d.Removals)
	}
	return res, nil
}

// biggerThanReload reports whether a delta across an access change
// would be bigger than a reload of the new view (a move to another
// business unit can remove every held row and send every new one): the
// device then gets the reload. A removal is an id, about an eighth of a
// row on the wire. wholeViews has built the new view.
func (ds *deltaState) biggerThanReload(res *PullResult) bool {
	n, view := 0, 0
	for i := range res.Entities {
		d := &res.Entities[i]
		n += 8*(len(d.Upserts)+len(d.Patches)) + len(d.Removals)
	}
	for _, rows := range ds.vbs[1].rows {
		view += 8 * len(rows)
	}
	return n > view
}

// loadChanges reads the change log of the profile's entities after v0,
// and the image at v0 of every row changed since.
func (ds *deltaState) loadChanges(max int) error {
	n := 0
	for _, entity := range ds.entities() {
		if ds.sch.Entity(entity) == nil {
			continue
		}
		prefix := changePrefix(entity)
		it := ds.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		for it.Seek(changeSeek(entity, ds.v0)); it.ValidForPrefix(prefix); it.Next() {
			key := it.Item().Key()
			id := string(key[len(prefix)+9:])
			r := rowRef{entity, id}
			ds.scanned++
			if ds.changes[r] != nil {
				continue
			}
			if n++; n > max {
				it.Close()
				return errReload
			}
			// Only the previous version is needed here: the row image
			// after it is not decoded.
			var prev uint64
			if err := it.Item().Value(func(v []byte) error {
				if len(v) < 8 {
					return fmt.Errorf("decode change: %w", ErrCorrupt)
				}
				prev = binary.BigEndian.Uint64(v)
				return nil
			}); err != nil {
				it.Close()
				return err
			}
			ds.changes[r] = &changed{prev: prev}
		}
		it.Close()
	}
	for r, c := range ds.changes {
		if c.prev == 0 {
			continue
		}
		var ce ChangeEntry
		err := getValue(ds.txn, changeKey(r.entity, c.prev, r.id), func(v []byte) error { return decodeChange(v, &ce) })
		if errors.Is(err, ErrNotFound) {
			return errReload // pruned: the change log no longer reaches v0
		}
		if err != nil {
			return err
		}
		if !ce.Row.Deleted {
			c.old = &ce.Row
			for _, a := range ds.lookups(r.entity, 0) {
				if t, _ := ce.Row.Attrs[a].(string); t != "" {
					ds.oldRefs[t] = append(ds.oldRefs[t], Reference{Source: r.entity, SourceID: r.id, Attribute: a})
				}
			}
		}
	}
	return nil
}

// entities lists the entities of the old and the new rules.
func (ds *deltaState) entities() []string {
	var out []string
	for _, vb := range ds.vbs {
		for _, r := range vb.rules {
			if !slices.Contains(out, r.Entity) {
				out = append(out, r.Entity)
			}
		}
	}
	return out
}

// lookups lists the relationship attributes of entity's rule, as of v0
// (when=0) or now (when=1).
func (ds *deltaState) lookups(entity string, when int) []string {
	if r := ds.vbs[when].rule(entity); r != nil {
		return r.Relationships
	}
	return nil
}

// image returns a row as of v0 (when=0) or now (when=1), nil if absent.
func (ds *deltaState) image(r rowRef, when int) *codec.Row {
	if c := ds.changes[r]; when == 0 && c != nil {
		return c.old
	}
	row, seen := ds.current[r]
	if !seen {
		// Written since v0: the entity's tail holds its image at v1.
		// Else a row read by an earlier delta or load may still be
		// current (readCurrent).
		written := false
		if ds.eng != nil {
			row, written, _ = ds.eng.tailCurrent(r.entity, r.id, ds.v0, ds.v1)
		}
		if !written {
			var err error
			if row, err = ds.eng.readCurrent(ds.txn, r, ds.v1); err != nil {
				ds.err = err
			}
		}
		ds.current[r] = row
	}
	switch {
	case row == nil:
		return nil
	case when == 0 && row.Version > ds.v0:
		if ds.usesPartitions() {
			// Written since v0 in partitions the view does not read.
			return ds.walkBack(r, row)
		}
		return nil // (changed since v0 but not in the change log: cannot be)
	case row.Deleted:
		return nil
	}
	return row
}

// addTargets adds the rows that r looks up, before and after, when their
// entity's rule carries related rows.
func (ds *deltaState) addTargets(r rowRef, add func(rowRef)) {
	ds.eachTarget(r, func(t rowRef) {
		for _, vb := range ds.vbs {
			if tr := vb.rule(t.entity); tr != nil && tr.Has(RowsRelated) {
				add(t)
			}
		}
	})
}

// eachTarget calls fn with each row that r looks up through its rule's
// relationships, in its image at v0 (under the old rules) and now (under
// the new ones), for every entity a lookup can target.
func (ds *deltaState) eachTarget(r rowRef, fn func(rowRef)) {
	def := ds.sch.Entity(r.entity)
	if def == nil {
		return
	}
	for when := 0; when < 2; when++ {
		img := ds.image(r, when)
		if img == nil {
			continue
		}
		for _, a := range ds.lookups(r.entity, when) {
			attr := def.Attribute(a)
			t, _ := img.Attrs[a].(string)
			if attr == nil || t == "" {
				continue
			}
			for _, te := range attr.Targets {
				fn(rowRef{te, t})
			}
		}
	}
}

// wholeViews adds the rows of the new view and the rows the old view's
// rules select (its related rows follow through addTargets).
func (ds *deltaState) wholeViews(add func(rowRef)) error {
	nb := ds.vbs[1]
	nb.now = ds.t1
	if err := nb.build(); err != nil {
		return err
	}
	for _, r := range nb.rules {
		ids := make([]string, 0, len(nb.rows[r.Entity]))
		for id := range nb.rows[r.Entity] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			add(rowRef{r.Entity, id})
		}
	}
	ob := ds.vbs[0]
	for i := range ob.rules {
		r := &ob.rules[i]
		if ds.sch.Entity(r.Entity) == nil || r.Has(RowsRelated) {
			continue
		}
		if err := ob.candidates(r, func(row codec.Row) error { add(rowRef{r.Entity, row.ID}); return nil }); err != nil {
			return err
		}
	}
	return nil
}

// notePatch adds to d.PatchColumns the attributes whose values differ
// between a row's image at v0 and now.
func (ds *deltaState) notePatch(d *EntityDelta, before, after codec.Row) {
	for k, v := range after.Attrs {
		if before.Attrs[k] != v && !slices.Contains(d.PatchColumns, k) {
			d.PatchColumns = append(d.PatchColumns, k)
		}
	}
	for k := range before.Attrs {
		if _, ok := after.Attrs[k]; !ok && !slices.Contains(d.PatchColumns, k) {
			d.PatchColumns = append(d.PatchColumns, k)
		}
	}
}

// trimPatches keeps in each patch only the attributes of PatchColumns,
// with nil for those the row no longer has.
func trimPatches(d *EntityDelta) {
	for i := range d.Patches {
		attrs := make(map[string]any, len(d.PatchColumns))
		for _, c := range d.PatchColumns {
			attrs[c] = d.Patches[i].Attrs[c]
		}
		d.Patches[i].Attrs = attrs
	}
}

// sameColumns reports whether two rules carry the same columns.
func sameColumns(a, b *Rule) bool {
	return a != nil && b != nil && slices.Equal(a.Columns, b.Columns)
}

// agedSources calls fn for rows of rules with relationships and a window
// that fell out of the window between t0 and t1: the related rows they
// looked up may leave the view with them.
func (ds *deltaState) agedSources(fn func(rowRef)) error {
	for i := range ds.vbs[0].rules {
		r := &ds.vbs[0].rules[i]
		w := r.Window()
		if w == 0 || len(r.Relationships) == 0 || ds.t1 <= ds.t0 {
			continue
		}
		from, to := ds.t0-int64(w)*dayMillis, ds.t1-int64(w)*dayMillis
		if ds.eng != nil && ds.eng.noneModifiedAt(r.Entity, from, to, ds.v1) {
			continue // nothing aged out: no iterator (agedout.go)
		}
		prefix := modPrefix(r.Entity)
		it := ds.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		end := modSeek(r.Entity, to)
		for it.Seek(modSeek(r.Entity, from)); it.ValidForPrefix(prefix) && bytes.Compare(it.Item().Key(), end) < 0; it.Next() {
			key := it.Item().Key()
			fn(rowRef{r.Entity, string(key[len(prefix)+9:])})
		}
		it.Close()
	}
	// Rows changed since v0 are candidates already; their old images may
	// have aged too, which addTargets covers through the old image.
	return nil
}

// in decides whether r is in the old (when=0) or new (when=1) view. A
// related row is in when a chain of lookups leads to it from a row of a
// rule of rows in the view: a depth-first search over its sources that
// cuts a cycle at a row it is still deciding. A "no" reached under such a
// cut holds only for the row whose search made the cut, so it is not
// remembered for the rows in between (another search may reach them
// through the cut row's other sources).
func (ds *deltaState) in(r rowRef, when int) bool {
	switch ds.memo[when][r] {
	case 1:
		return true
	case 2:
		return false
	case 3:
		ds.cuts++ // a cycle of related rows supports nothing by itself
		return false
	}
	cuts := ds.cuts
	ds.memo[when][r] = 3
	ok := ds.decide(r, when)
	switch {
	case ok:
		ds.memo[when][r] = 1
	case ds.cuts > cuts:
		delete(ds.memo[when], r)
	default:
		ds.memo[when][r] = 2
	}
	return ok
}

func (ds *deltaState) decide(r rowRef, when int) bool {
	vb := ds.vbs[when]
	rule, def := vb.rule(r.entity), ds.sch.Entity(r.entity)
	row := ds.image(r, when)
	if rule == nil || def == nil || row == nil {
		return false
	}
	vb.now = ds.t0
	if when == 1 {
		vb.now = ds.t1
	}
	if !vb.keeps(rule, def, row) {
		return false
	}
	if !rule.Has(RowsRelated) {
		return matchesRows(vb.acc, rule, row)
	}
	// Related: some row in the same view must look it up.
	var sources []Reference
	_ = ds.referencesTo(r.id, func(ref Reference) error { sources = append(sources, ref); return nil })
	if when == 0 {
		sources = append(sources, ds.oldRefs[r.id]...)
	}
	for _, s := range sources {
		sr := vb.rule(s.Source)
		if sr == nil || !slices.Contains(sr.Relationships, s.Attribute) {
			continue
		}
		img := ds.image(rowRef{s.Source, s.SourceID}, when)
		if img == nil || img.Attrs[s.Attribute] != r.id {
			continue
		}
		if ds.in(rowRef{s.Source, s.SourceID}, when) {
			return true
		}
	}
	return false
}

// matchesRows applies a rule's rows choice to a row.
func matchesRows(a *Access, r *Rule, row *codec.Row) bool {
	return r.Has(RowsAll) || r.Has(RowsOrganization) ||
		(r.Has(RowsUser) && row.OwnerID == a.User.ID) ||
		(r.Has(RowsTeam) && a.teamSet[row.OwnerID]) ||
		(r.Has(RowsBusinessUnit) && row.OwningBusinessUnit == a.User.BusinessUnit)
}

// referencesTo lists the current lookups to id. Each id's are read once
// per delta (both contexts, and every candidate, ask again), through one
// iterator over the reference index.
func (ds *deltaState) referencesTo(id string, fn func(Reference) error) error {
	refs, ok := ds.refs[id]
	if !ok && ds.eng != nil {
		if refs, ok = ds.eng.cachedRefsAt(id, ds.v1); ok {
			if ds.refs == nil {
				ds.refs = map[string][]Reference{}
			}
			ds.refs[id] = refs
		}
	}
	if !ok {
		if ds.refIt == nil {
			ds.refIt = ds.txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixRef)})
			ds.refs = map[string][]Reference{}
		}
		prefix := refPrefix(id)
		for ds.refIt.Seek(prefix); ds.refIt.ValidForPrefix(prefix); ds.refIt.Next() {
			var ref Reference
			if splitRef(string(ds.refIt.Item().Key()[len(prefix):]), &ref) {
				refs = append(refs, ref)
			}
		}
		ds.refs[id] = refs
		if ds.eng != nil {
			ds.eng.refs.put(id, cachedRefs{refs: refs, at: ds.v1})
		}
	}
	for _, ref := range refs {
		if err := fn(ref); err != nil {
			return err
		}
	}
	return nil
}

// closeRefs closes the reference iterator, if one was opened.
func (ds *deltaState) closeRefs() {
	if ds.refIt != nil {
		ds.refIt.Close()
	}
}

func compareRef(a, b rowRef) int {
	if c := strings.Compare(a.entity, b.entity); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

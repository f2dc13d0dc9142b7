package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// usesPartitions reports whether a delta from v0 can read partition logs:
// the logs cover every write after v0, and the access context is the
// cursor's (after an access change both whole views are candidates, and
// loadChanges reads the entities' change logs).
func (ds *deltaState) usesPartitions() bool {
	from := ds.partsFrom
	return !ds.moved && from != 0 && ds.v0 >= from
}

// loadPartitionChanges is loadChanges for a delta that reads the logs of
// the view's partitions only: the rows written since v0 in those
// partitions (and the whole change log of an entity the view reads whole),
// with each row's image as of v0. A row written since v0 only in other
// partitions was in none of the view's partitions at v0 (its first write
// after v0 is logged under the scopes of its image at v0) and is not in
// the view now; if another candidate reaches it, image walks back to its
// image at v0 (walkBack).
func (ds *deltaState) loadPartitionChanges(max int) error {
	parts := ds.viewParts()
	first := map[rowRef]uint64{} // earliest version seen since v0
	prevs := map[rowRef]uint64{}
	note := func(r rowRef, version, prev uint64) error {
		ds.scanned++
		if v, ok := first[r]; ok && v <= version {
			return nil
		}
		if _, ok := first[r]; !ok && len(first) >= max {
			return errReload
		}
		first[r], prevs[r] = version, prev
		return nil
	}
	entities := make([]string, 0, len(parts))
	for entity := range parts {
		entities = append(entities, entity)
	}
	slices.Sort(entities)
	for _, entity := range entities {
		p := parts[entity]
		if p.whole {
			if err := ds.readLog(entity, entity, "", note); err != nil {
				return err
			}
			continue
		}
		var unwritten uint64
		if ds.eng != nil {
			unwritten = ds.eng.unwrittenScopes(p, ds.v0, ds.v1)
		}
		for i, scope := range p.scopes {
			if i < 64 && unwritten&(1<<i) != 0 {
				continue // nothing logged there since v0
			}
			head := ""
			if i < len(p.heads) {
				head = p.heads[i]
			} else {
				head = partitionHead(entity, scope)
			}
			if err := ds.readLog(entity, head, scope, note); err != nil {
				return err
			}
		}
	}
	for r := range first {
		old, err := ds.imageBefore(r, prevs[r])
		if err != nil {
			return err
		}
		ds.changes[r] = &changed{prev: prevs[r], old: old}
		ds.noteOldRefs(r, old)
	}
	return ds.followChanged()
}

// noteOldRefs records the lookups of r's image at v0 (old), so that the
// rows it looked up then count it among their sources at v0.
func (ds *deltaState) noteOldRefs(r rowRef, old *codec.Row) {
	if old == nil {
		return
	}
	for _, a := range ds.lookups(r.entity, 0) {
		if t, _ := old.Attrs[a].(string); t != "" {
			ds.oldRefs[t] = append(ds.oldRefs[t], Reference{Source: r.entity, SourceID: r.id, Attribute: a})
		}
	}
}

// followChanged finds, before any membership is decided, the rows written
// since v0 that the rows written since v0 looked up (then or now) and
// that the partitions read did not list, transitively, and records their
// lookups at v0. Such a row is a related row whose sources in the view let
// go of it before it was written (a task that stops naming an
// opportunity, which is then deleted): its write is logged where its
// sources were at the time, not in the view's partitions, yet the rows it
// looked up at v0 may have been in the view through it.
func (ds *deltaState) followChanged() error {
	queue := make([]rowRef, 0, len(ds.changes))
	for r := range ds.changes {
		queue = append(queue, r)
	}
	slices.SortFunc(queue, compareRef)
	seen := map[rowRef]bool{}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		ds.eachTarget(r, func(tr rowRef) {
			if seen[tr] || ds.changes[tr] != nil {
				return
			}
			seen[tr] = true
			if ds.unwritten(tr) {
				return // its image at v0 is its current one: nothing to note
			}
			ds.image(tr, 0) // walks back (and notes its lookups) when written since v0
			if cur := ds.current[tr]; cur != nil && cur.Version > ds.v0 {
				queue = append(queue, tr)
			}
		})
	}
	return ds.err
}

// readLog calls note for each entry of the log at head (an entity's
// change log or a partition's log) after v0: from the in-memory tail when
// it reaches back to v0 (partitiontail.go), else from Badger.
func (ds *deltaState) readLog(entity, head, scope string, note func(r rowRef, version, prev uint64) error) error {
	if ds.eng != nil {
		var err error
		if ok := ds.eng.eachTail(head, ds.v0, ds.v1, func(le *logEntry) bool {
			err = note(rowRef{entity, le.id}, le.version, le.prev)
			return err == nil
		}); ok {
			return err
		}
	}
	fn := func(version uint64, id string, prev uint64) error {
		return note(rowRef{entity, id}, version, prev)
	}
	if head != entity {
		return ds.scanPartitionLog(partitionPrefix(entity, scope), partitionSeek(entity, scope, ds.v0), fn)
	}
	return ds.scanLog(changePrefix(entity), changeSeek(entity, ds.v0), fn)
}

// viewParts is the partitions of the delta's new view: those derived
// once per shared Access (quiet pulls store them) when they are of this
// schema, else derived here.
func (ds *deltaState) viewParts() map[string]entityParts {
	if ds.acc != nil && ds.acc.Profile != nil && len(ds.rules) > 0 && len(ds.acc.Profile.PublishedRules) > 0 && &ds.rules[0] == &ds.acc.Profile.PublishedRules[0] {
		if m := ds.acc.memo.Load(); m != nil && m.schema == ds.sch.Version {
			return m.parts
		}
	}
	return viewPartitions(ds.sch, ds.acc, ds.rules)
}

// unwritten reports whether r is known not to have been written since v0:
// its entity's change-log tail reaches back to v0 and does not name it.
// false means it may have been.
func (ds *deltaState) unwritten(r rowRef) bool {
	if ds.eng == nil {
		return false
	}
	_, written, known := ds.eng.tailCurrent(r.entity, r.id, ds.v0, ds.v1)
	return known && !written
}

// changeEntry returns the change-log entry that wrote r at version: from
// the entity's tail when it still holds it, else from Badger. The row must
// not be modified: a tail's is shared.
func (ds *deltaState) changeEntry(r rowRef, version uint64) (prev uint64, row *codec.Row, err error) {
	if ds.eng != nil {
		if en, ok := ds.eng.tailImage(r.entity, r.id, version); ok {
			return en.prev, en.row, nil
		}
	}
	var ce ChangeEntry
	if err := getValue(ds.txn, changeKey(r.entity, version, r.id), func(v []byte) error { return decodeChange(v, &ce) }); err != nil {
		return 0, nil, err
	}
	return ce.Prev, &ce.Row, nil
}

// oldImage is the image of r written at version (nil: a tombstone): from
// the entity's tail, the image cache, or Badger (and then cached).
func (ds *deltaState) oldImage(r rowRef, version uint64) (*codec.Row, error) {
	if ds.eng != nil {
		if en, ok := ds.eng.tailImage(r.entity, r.id, version); ok {
			return liveImage(en.row), nil
		}
		if row, ok := ds.eng.images.get(imageKey{r.entity, r.id, version}); ok {
			return liveImage(row), nil
		}
	}
	_, row, err := ds.changeEntry(r, version)
	if err != nil {
		return nil, err
	}
	if ds.eng != nil {
		ds.eng.images.put(imageKey{r.entity, r.id, version}, row)
	}
	return liveImage(row), nil
}

// liveImage is row, or nil for a tombstone.
func liveImage(row *codec.Row) *codec.Row {
	if row.Deleted {
		return nil
	}
	return row
}

// scanLog calls fn for each entry of a change log under prefix from seek
// on: its version, row id and the version of the row's previous image
// (the keys end in {version:be64}/{id}, the values start with the
// previous version).
func (ds *deltaState) scanLog(prefix, seek []byte, fn func(version uint64, id string, prev uint64) error) error {
	return ds.eachLogEntry(prefix, seek, func(key, rest, v []byte) error {
		if len(rest) < 9 {
			return fmt.Errorf("read log key %q: %w", key, ErrCorrupt)
		}
		if len(v) < 8 {
			return fmt.Errorf("decode log entry: %w", ErrCorrupt)
		}
		return fn(binary.BigEndian.Uint64(rest), string(rest[9:]), binary.BigEndian.Uint64(v))
	})
}

// eachLogEntry calls fn with the key, the key past prefix and the value
// of each entry of a log (a change log or a partition's) under prefix
// from seek on, in key order, counting the seek in ds.logs.
func (ds *deltaState) eachLogEntry(prefix, seek []byte, fn func(key, rest, v []byte) error) error {
	ds.logs++
	it := ds.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Seek(seek); it.ValidForPrefix(prefix); it.Next() {
		key := it.Item().Key()
		if err := it.Item().Value(func(v []byte) error { return fn(key, key[len(prefix):], v) }); err != nil {
			return err
		}
	}
	return nil
}

// imageBefore returns the image of r as of v0, given that a write above
// v0 replaced the image at prev: it follows the previous versions back
// through the change log to the last image at or below v0 (nil: none, or a
// tombstone).
func (ds *deltaState) imageBefore(r rowRef, prev uint64) (*codec.Row, error) {
	for prev > ds.v0 {
		if ds.eng != nil {
			if en, ok := ds.eng.tailImage(r.entity, r.id, prev); ok {
				prev = en.prev
				continue
			}
		}
		// A hop reads the entry's previous version only, not its image.
		err := getValue(ds.txn, changeKey(r.entity, prev, r.id), func(v []byte) error {
			if len(v) < 8 {
				return fmt.Errorf("decode change: %w", ErrCorrupt)
			}
			prev = binary.BigEndian.Uint64(v)
			return nil
		})
		if errors.Is(err, ErrNotFound) {
			return nil, errReload // (above the horizon every entry is kept)
		}
		if err != nil {
			return nil, err
		}
	}
	if prev == 0 {
		return nil, nil
	}
	row, err := ds.oldImage(r, prev)
	if errors.Is(err, ErrNotFound) {
		if prev < ds.horizon {
			// Pruning keeps each row's last live image below the horizon
			// and drops tombstones: a missing one was a tombstone.
			return nil, nil
		}
		return nil, errReload
	}
	return row, err
}

// walkBack returns the image as of v0 of a row written since v0 that the
// partitions read did not list (cur is its current image, tombstone or
// not).
func (ds *deltaState) walkBack(r rowRef, cur *codec.Row) *codec.Row {
	if row, ok := ds.past[r]; ok {
		return row
	}
	prev, _, err := ds.changeEntry(r, cur.Version)
	var row *codec.Row
	if err == nil {
		row, err = ds.imageBefore(r, prev)
	}
	if err != nil {
		ds.err = err
	}
	ds.past[r] = row
	ds.noteOldRefs(r, row)
	return row
}

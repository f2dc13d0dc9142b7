package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/filter"
)

// The time index keeps, for the datetime attributes that some published
// rule compares with today() (timeindexpairs.go), the rows by value:
// ti/{entity}/{attribute}/{value: 8 bytes, sign bit flipped}/{id}. A filter that compares an attribute with today() can
// change its answer for a row with no write to the row, only because a
// day passed; a delta finds those rows by scanning the index between the
// two days' today() (timeFlips), so that devices converge on V(u, v, t)
// across day boundaries at a cost that follows the rows whose day came.
const prefixTime = "ti/"

// keyTimeIndex marks a database whose time index covers every row: new
// databases from their first command on, older ones once a
// KindBuildTimeIndex command has filled it in.
const keyTimeIndex = "a/timeindex"

func timeKey(entity, attr string, t int64, id string) []byte {
	k := append([]byte(prefixTime+entity+"/"+attr+"/"), make([]byte, 8)...)
	binary.BigEndian.PutUint64(k[len(k)-8:], uint64(t)^(1<<63))
	return append(append(k, '/'), id...)
}

func timePrefix(entity, attr string) []byte {
	return []byte(prefixTime + entity + "/" + attr + "/")
}

// timeSeek is the first time-index key of entity.attr at or after t.
func timeSeek(entity, attr string, t int64) []byte {
	k := append(timePrefix(entity, attr), make([]byte, 8)...)
	binary.BigEndian.PutUint64(k[len(k)-8:], uint64(t)^(1<<63))
	return k
}

// indexTimes keeps the time index of the marked pairs in step with a row
// write: cur is the row before (live says it existed and was not
// deleted), row after.
func (st *cmdState) indexTimes(def *EntityDef, cur codec.Row, live bool, row codec.Row) error {
	for _, a := range def.Attributes {
		if a.Type != TypeDateTime {
			continue
		}
		if on, err := st.timeIndexed(def.Name, a.Name); err != nil || !on {
			if err != nil {
				return err
			}
			continue
		}
		old, hadOld := int64(0), false
		if live {
			old, hadOld = cur.Attrs[a.Name].(int64)
		}
		now, hasNow := int64(0), false
		if !row.Deleted {
			now, hasNow = row.Attrs[a.Name].(int64)
		}
		if hadOld == hasNow && old == now {
			continue
		}
		if hadOld {
			st.del(timeKey(def.Name, a.Name, old, row.ID))
		}
		if hasNow {
			st.set(timeKey(def.Name, a.Name, now, row.ID), nil)
		}
	}
	return nil
}

// markTimeIndex records, on a database's first command, that its time
// index will cover every row.
func (st *cmdState) markTimeIndex() {
	st.set([]byte(keyTimeIndex), []byte{1})
}

// buildTimeIndex fills the time index of the marked pairs in for every
// live row, then marks it complete. It writes only index keys, so applying it again (or on a
// database whose index is complete) changes nothing.
func (st *cmdState) buildTimeIndex() error {
	for _, def := range st.currentSchema().Entities {
		hasTime := false
		for _, a := range def.Attributes {
			hasTime = hasTime || a.Type == TypeDateTime
		}
		if !hasTime {
			continue
		}
		var ierr error
		err := st.scanRows(def.Name, func(row codec.Row) {
			if !row.Deleted && ierr == nil {
				ierr = st.indexTimes(&def, codec.Row{}, false, row)
			}
		})
		if err != nil {
			return err
		}
		if ierr != nil {
			return ierr
		}
	}
	st.markTimeIndex()
	return nil
}

// TimeIndexComplete reports whether the time index covers every row; until
// it does, a delta across a day boundary under a today() filter reloads.
func (e *Engine) TimeIndexComplete() bool {
	err := e.readTxn(func(txn *badger.Txn) error {
		return getValue(txn, []byte(keyTimeIndex), func([]byte) error { return nil })
	})
	return err == nil
}

// timeFlips adds, for every today() comparison in the old and the new
// rules' filters, the rows whose attribute lies between that comparison's
// today() at t0 and at t1: the only rows whose answer the days between
// could have changed without a write.
func (ds *deltaState) timeFlips(add func(rowRef)) error {
	day0, day1 := filter.TodayMillis(ds.t0, 0), filter.TodayMillis(ds.t1, 0)
	if day0 == day1 {
		return nil
	}
	complete := getValue(ds.txn, []byte(keyTimeIndex), func([]byte) error { return nil }) == nil
	for k, vb := range ds.vbs {
		if k == 1 && !ds.moved {
			break // the same rules
		}
		for i := range vb.rules {
			r := &vb.rules[i]
			for _, term := range vb.filters[r.Entity].TimeTerms() {
				lo, hi := filter.TodayMillis(ds.t0, term.Days), filter.TodayMillis(ds.t1, term.Days)
				if lo > hi {
					lo, hi = hi, lo
				}
				var prefix, from []byte
				switch {
				case term.Attr == "modifiedon":
					prefix, from = modPrefix(r.Entity), modSeek(r.Entity, lo)
				case complete && isTimeAttr(ds.sch.Entity(r.Entity), term.Attr) && timeMarked(ds.txn, r.Entity, term.Attr):
					prefix, from = timePrefix(r.Entity, term.Attr), timeSeek(r.Entity, term.Attr, lo)
				default:
					return errReload // createdon, or an index not built (or not kept) yet
				}
				// hi itself can flip (a <= today(k) at its midnight): scan
				// to the first key after it.
				end := append(from[:len(prefix):len(prefix)], make([]byte, 8)...)
				binary.BigEndian.PutUint64(end[len(end)-8:], uint64(hi+1)^(1<<63))
				it := ds.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
				for it.Seek(from); it.ValidForPrefix(prefix) && bytes.Compare(it.Item().Key(), end) < 0; it.Next() {
					key := it.Item().Key()
					add(rowRef{r.Entity, string(key[len(prefix)+9:])})
				}
				it.Close()
			}
		}
	}
	return nil
}

// scanRows calls fn with every stored row of entity, tombstones included,
// as the batch's transaction sees them.
func (st *cmdState) scanRows(entity string, fn func(codec.Row)) error {
	prefix := rowPrefix(entity)
	it := st.b.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var row codec.Row
		if err := it.Item().Value(func(v []byte) error { return codec.Unmarshal(v, &row) }); err != nil {
			return fmt.Errorf("scan %s rows: %w: %w", entity, ErrCorrupt, err)
		}
		fn(row)
	}
	return nil
}

// isTimeAttr reports whether def has a datetime attribute named name.
func isTimeAttr(def *EntityDef, name string) bool {
	if def == nil {
		return false
	}
	a := def.Attribute(name)
	return a != nil && a.Type == TypeDateTime
}

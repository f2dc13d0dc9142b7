package engine

import (
	"cmp"
	"slices"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// The time index holds only the (entity, attribute) pairs that some
// published profile rule compares with today() (layout 3). A pair is
// marked by a/ti/{entity}/{attribute} (empty value) in the command that
// publishes the first such rule, which also fills the pair's index in
// from the rows; from then on every row write keeps it, and the mark is
// never taken back (a delta across a republish still reads the old
// rules' pairs). Rows of the other pairs write no time-index key: most
// datetime attributes are compared with today() by no filter, and the
// index had cost 0.44 Badger keys a row of BenchmarkIngest's rows.
//
// A reader that finds a pair unmarked (an attribute whose type changed
// since the publish) reloads, as before the index was complete.
const prefixTimeMark = "a/ti/"

// timeMarkKey marks entity.attr as indexed.
func timeMarkKey(entity, attr string) []byte {
	return []byte(prefixTimeMark + entity + "/" + attr)
}

// timePair names a time-index pair.
type timePair struct{ entity, attr string }

// timeIndexed reports whether this command keeps entity.attr's time
// index; the answers are kept for the command (a few reads a command,
// not one a row).
func (st *cmdState) timeIndexed(entity, attr string) (bool, error) {
	k := timePair{entity, attr}
	if on, ok := st.timeMarks[k]; ok {
		return on, nil
	}
	on, err := st.exists(timeMarkKey(entity, attr))
	if err != nil {
		return false, err
	}
	if st.timeMarks == nil {
		st.timeMarks = map[timePair]bool{}
	}
	st.timeMarks[k] = on
	return on, nil
}

// commandPublishesRules reports whether a command of kind k can publish
// profile rules (and so need time-index pairs marked).
func commandPublishesRules(k Kind) bool {
	return k == KindPutOrg || k == KindPublishProfile
}

// markTimeTerms marks, and fills in from the rows, every pair that a
// published rule compares with today() and that is not marked yet. It
// runs at the end of a command that can publish rules, so the rules and
// their index are committed together.
func (st *cmdState) markTimeTerms() error {
	keys, err := st.keysWithPrefix([]byte(prefixProfile))
	if err != nil {
		return err
	}
	profiles := make([]Profile, len(keys))
	for i, k := range keys {
		if err := st.getDecoded([]byte(k), &profiles[i]); err != nil {
			return err
		}
	}
	for _, pr := range timeTermPairs(st.currentSchema(), profiles) {
		if err := st.markTimePair(pr[0], pr[1]); err != nil {
			return err
		}
	}
	return nil
}

// timeTermPairs lists, sorted and once each, the (entity, datetime
// attribute) pairs that the published rules of profiles compare with
// today().
func timeTermPairs(sch *Schema, profiles []Profile) [][2]string {
	var pairs [][2]string
	for _, p := range profiles {
		for _, r := range p.PublishedRules {
			def := sch.Entity(r.Entity)
			if def == nil || r.Filter == "" {
				continue
			}
			f, err := compileFilter(def, r.Filter)
			if err != nil {
				continue // checked when published; a reader reloads
			}
			for _, term := range f.TimeTerms() {
				if isTimeAttr(def, term.Attr) {
					pairs = append(pairs, [2]string{r.Entity, term.Attr})
				}
			}
		}
	}
	slices.SortFunc(pairs, func(a, b [2]string) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	return slices.Compact(pairs)
}

// markTimePair marks entity.attr and writes its time-index keys for every
// live row as this command sees them, unless it is marked already.
func (st *cmdState) markTimePair(entity, attr string) error {
	on, err := st.timeIndexed(entity, attr)
	if err != nil || on {
		return err
	}
	keys, err := st.keysWithPrefix(rowPrefix(entity))
	if err != nil {
		return err
	}
	for _, k := range keys {
		var row codec.Row
		if err := st.getDecoded([]byte(k), &row); err != nil {
			return err
		}
		if t, ok := row.Attrs[attr].(int64); ok && !row.Deleted {
			st.set(timeKey(entity, attr, t, row.ID), nil)
		}
	}
	st.set(timeMarkKey(entity, attr), nil)
	st.timeMarks[timePair{entity, attr}] = true
	return nil
}

// timeMarked reports whether txn holds entity.attr's time-index mark.
func timeMarked(txn *badger.Txn, entity, attr string) bool {
	return getValue(txn, timeMarkKey(entity, attr), func([]byte) error { return nil }) == nil
}

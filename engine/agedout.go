package engine

import (
	"encoding/binary"
	"errors"
	"math"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

// Aged-out answers without Badger. Every pull of a windowed entity asks
// whether moving its window cutoff from the cursor's time to now drops a
// row (anyModifiedBetween): quiet pulls to stay quiet, and answers to
// leave out a cutoff that drops nothing. Each asked Badger with an
// iterator and a seek, 2–3% of the server's CPU at CRM-medium, and the
// answer is nearly always no: the oldest row inside a window is rarely
// seconds away from leaving it.
//
// So the engine remembers, per entity and ten-minute bucket of the first
// cutoff, the last no it read: the oldest modifiedon (next) at or after
// that question's first cutoff (lo), and the version it was read at. A
// later question in the bucket whose cutoffs lie in [lo, next] is
// answered no, provided that the entity's log tail shows no row written
// since with a modifiedon in [lo, next) (a write can only bring a row into
// that range by carrying an old modifiedon: an import of history). A
// delete or a rewrite can only push next further, so it leaves a no
// standing. Any other question, and every yes, reads Badger; a no read
// there replaces the entry.

// agedBucket is the span of cutoffs one remembered entry answers for.
const agedBucket = 10 * 60 * 1000

// agedCap bounds the remembered entries; past it they are all dropped.
const agedCap = 1024

// agedScanMax is the most log-tail entries a check reads; past it the
// question goes to Badger, which refreshes the entry's version.
const agedScanMax = 512

// agedKey names one remembered entry.
type agedKey struct {
	entity string
	bucket int64
}

// agedEntry: at version since, read from Badger, the oldest modifiedon
// of entity's live rows at or after lo was next (math.MaxInt64: none), and
// the log tail showed no row written into [lo, next) up to version at.
type agedEntry struct {
	lo, next  int64
	since, at uint64
}

// agedMemo holds the remembered entries.
type agedMemo struct {
	mu sync.Mutex
	m  map[agedKey]agedEntry
}

// anyModifiedBetween reports whether some row of entity has a modifiedon
// in [from, to).
func (e *Engine) anyModifiedBetween(entity string, from, to int64) (bool, error) {
	k := agedKey{entity, floorDiv(from, agedBucket)}
	if e.agedNo(k, from, to) {
		return false, nil
	}
	next, at := int64(math.MaxInt64), uint64(0)
	err := e.readTxn(func(txn *badger.Txn) error {
		if err := getValue(txn, []byte(keyApplied), func(v []byte) error { at = decodeVersion(v); return nil }); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		prefix := modPrefix(entity)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
		defer it.Close()
		it.Seek(modSeek(entity, from))
		if it.ValidForPrefix(prefix) {
			next = modifiedOnOf(it.Item().Key(), len(prefix))
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if next < to {
		return true, nil
	}
	e.agedRemember(k, agedEntry{lo: from, next: next, since: at, at: at})
	return false, nil
}

// noneModifiedAt reports whether a remembered no shows that no row of
// entity had a modifiedon in [from, to) at version v (at most the applied
// version): a no read from Badger at or before v that the log tail shows
// still standing. In between, a write can only have taken rows out of
// the range, so none was in it at v either. false means "unknown".
func (e *Engine) noneModifiedAt(entity string, from, to int64, v uint64) bool {
	k := agedKey{entity, floorDiv(from, agedBucket)}
	a := &e.notes.aged
	a.mu.Lock()
	en, ok := a.m[k]
	a.mu.Unlock()
	return ok && en.since <= v && e.agedNo(k, from, to)
}

// modifiedOnOf decodes the modifiedon of a modifiedon-index key whose
// entity prefix is n bytes long.
func modifiedOnOf(key []byte, n int) int64 {
	if len(key) < n+8 {
		return math.MaxInt64
	}
	return int64(binary.BigEndian.Uint64(key[n:n+8]) ^ (1 << 63))
}

// agedRemember stores an entry.
func (e *Engine) agedRemember(k agedKey, en agedEntry) {
	a := &e.notes.aged
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil || len(a.m) >= agedCap {
		a.m = map[agedKey]agedEntry{}
	}
	a.m[k] = en
}

// agedNo reports whether the remembered entry for k says that no row of
// its entity has a modifiedon in [from, to), as of the notifier's
// version; it then moves the entry's version up to it.
func (e *Engine) agedNo(k agedKey, from, to int64) bool {
	a := &e.notes.aged
	a.mu.Lock()
	en, ok := a.m[k]
	a.mu.Unlock()
	if !ok || from < en.lo || to > en.next {
		return false
	}
	v, ok := e.noOldWrites(k.entity, en.at, en.lo, en.next)
	if !ok {
		return false
	}
	a.mu.Lock()
	if cur, ok := a.m[k]; ok && cur.at < v && cur == en {
		cur.at = v
		a.m[k] = cur
	}
	a.mu.Unlock()
	return true
}

// noOldWrites reports whether entity's log tail shows no row written
// after version at with a modifiedon in [lo, hi), up to the notifier's
// version v (returned), and that the tail knows every write there. It
// also requires v to have reached the applied version, as quiet pulls do.
func (e *Engine) noOldWrites(entity string, at uint64, lo, hi int64) (uint64, bool) {
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	v := n.version
	if at < n.since || v < at || v < e.applied.Load() {
		return 0, false
	}
	t := n.tails[entity]
	if t == nil {
		return v, true // nothing written since the tails started
	}
	if t.from > at || t.byID == nil {
		return 0, false
	}
	seen := 0
	for i := len(t.entries) - 1; i >= 0 && t.entries[i].version > at; i-- {
		if seen++; seen > agedScanMax {
			return 0, false
		}
		r := t.entries[i].row
		if r == nil {
			return 0, false
		}
		if !r.Deleted && r.ModifiedOn >= lo && r.ModifiedOn < hi {
			return 0, false
		}
	}
	return v, true
}

// reset forgets every entry.
func (a *agedMemo) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.m = nil
}

// floorDiv is a / b rounded down (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

package engine

import (
	"sort"
	"strings"

	"github.com/offsync/offsync/codec"
)

// Log tails. Besides each partition's head, the notifier keeps the last
// entries of every partition log and of every entity's change log that
// this process committed, so that a delta whose cursor is recent reads its
// partitions' entries from memory instead of seeking each log in Badger:
// with a thousand devices pulling every few seconds, the seeks were most
// of a delta's cost. An entity's tail also keeps each entry's row image
// (decoded, shared, never modified) and an index by row id, so the same
// delta finds the rows it changed, and their images at its cursor, without
// reading Badger either.
//
// A tail holds every entry above its from version. Past its cap it drops
// its oldest versions whole (down to three quarters of the cap, so the
// cost is amortized), and a delta from a cursor older than that reads
// Badger as before.

// Tail caps: entries kept per partition log and per entity change log.
// Only entity tails hold row images, so only they cost memory by rows.
// (Variables so that tests can make them small.)
var (
	tailPartitionCap = 32
	tailEntityCap    = 8192
)

// logEntry is one log entry: a row written at version, whose previous
// image was at prev (0: none). row is the image written, in entity tails
// only.
type logEntry struct {
	version, prev uint64
	id            string
	row           *codec.Row
}

// headEntry is a logEntry with the head of the log it belongs to
// (partitionHead, or the entity name for an entity's change log).
type headEntry struct {
	head string
	logEntry
}

// logTail is the last entries of one log, in version order: every entry
// above from. Entity tails index their entries by row id: byID holds the
// absolute positions (base is entries[0]'s) of each id's entries, in
// order.
type logTail struct {
	from    uint64
	base    int
	entries []logEntry
	byID    map[string][]int
}

// record appends committed entries to their tails (the caller holds n.mu;
// commits arrive in version order).
func (n *notifier) record(logs []headEntry) {
	if len(logs) == 0 {
		return
	}
	if n.tails == nil {
		n.tails = map[string]*logTail{}
	}
	for _, le := range logs {
		if id, ok := strings.CutPrefix(le.head, refMovedHead); ok {
			n.refMove(id, le.version)
			continue
		}
		t := n.tails[le.head]
		entity := !isPartitionHead(le.head)
		if t == nil {
			// No entry since the heads started: the tail is complete
			// from there.
			t = &logTail{from: n.since}
			if entity {
				t.byID = map[string][]int{}
			}
			n.tails[le.head] = t
		}
		e := le.logEntry
		if !entity {
			e.row = nil
		}
		if t.byID != nil {
			t.byID[e.id] = append(t.byID[e.id], t.base+len(t.entries))
		}
		t.entries = append(t.entries, e)
		limit := tailPartitionCap
		if entity {
			limit = tailEntityCap
		}
		if len(t.entries) > limit {
			t.trim(limit * 3 / 4)
		}
	}
}

// trim drops the oldest versions, whole, until at most keep entries are
// left (or one version is).
func (t *logTail) trim(keep int) {
	i := 0
	for len(t.entries)-i > keep {
		v := t.entries[i].version
		for i < len(t.entries) && t.entries[i].version == v {
			i++
		}
		t.from = v
	}
	if t.byID != nil {
		for _, e := range t.entries[:i] {
			if l := t.byID[e.id][1:]; len(l) > 0 {
				t.byID[e.id] = l
			} else {
				delete(t.byID, e.id)
			}
		}
	}
	t.entries = append(t.entries[:0:0], t.entries[i:]...)
	t.base += i
}

// isPartitionHead tells a partition's head from an entity name.
func isPartitionHead(head string) bool {
	for i := 0; i < len(head); i++ {
		if head[i] == '/' {
			return true
		}
	}
	return false
}

// covers reports whether the tails know every entry of a log in
// (v0, v1]: v0 at or after the tails started, and every commit up to v1
// recorded (the caller holds n.mu). A tail must also reach back to v0.
func (n *notifier) covers(v0, v1 uint64) bool {
	return v0 >= n.since && n.version >= v1
}

// eachTail calls fn, under the notifier's lock, with each entry of the
// log at head with a version in (v0, v1], in order, until fn returns
// false, when this process knows them all; ok is false (and fn is not
// called) when it does not. fn must not keep the entry.
func (e *Engine) eachTail(head string, v0, v1 uint64, fn func(*logEntry) bool) (ok bool) {
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.covers(v0, v1) {
		return false
	}
	t := n.tails[head]
	if t == nil {
		return true // nothing written since the tails started
	}
	if t.from > v0 {
		return false
	}
	lo := sort.Search(len(t.entries), func(i int) bool { return t.entries[i].version > v0 })
	for i := lo; i < len(t.entries) && t.entries[i].version <= v1; i++ {
		if !fn(&t.entries[i]) {
			break
		}
	}
	return true
}

// tailImage returns the entry of entity's change log that wrote id at
// version, when the entity's tail still holds it.
func (e *Engine) tailImage(entity, id string, version uint64) (logEntry, bool) {
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	t := n.tails[entity]
	if t == nil || t.byID == nil || version <= t.from {
		return logEntry{}, false
	}
	l := t.byID[id]
	for i := len(l) - 1; i >= 0; i-- {
		if en := t.entries[l[i]-t.base]; en.version == version {
			return en, en.row != nil
		} else if en.version < version {
			break
		}
	}
	return logEntry{}, false
}

// tailCurrent returns id's image as of v1 when the entity's tail shows it
// written in (v0, v1] (written: the row's last write up to v1 is in the
// tail). written is false when the tail shows it unwritten since v0, and
// known is false when the tails cannot tell.
func (e *Engine) tailCurrent(entity, id string, v0, v1 uint64) (row *codec.Row, written, known bool) {
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.covers(v0, v1) {
		return nil, false, false
	}
	t := n.tails[entity]
	if t == nil {
		return nil, false, true
	}
	if t.from > v0 || t.byID == nil {
		return nil, false, false
	}
	l := t.byID[id]
	for i := len(l) - 1; i >= 0; i-- {
		en := t.entries[l[i]-t.base]
		if en.version > v1 {
			continue
		}
		if en.version <= v0 || en.row == nil {
			break
		}
		return en.row, true, true
	}
	return nil, false, true
}

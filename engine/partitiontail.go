package engine

import "sort"

// Log tails. Besides each partition's head, the notifier keeps the last
// entries of every partition log (and of every entity's change log) that
// this process wrote, so that a delta whose cursor is recent reads its
// partitions' entries from memory instead of seeking each log in Badger:
// with a thousand devices pulling every few seconds, the seeks were most
// of a delta's cost. A tail holds every entry after its from version; it
// drops its oldest versions past its cap, and a delta from a cursor older
// than that reads the log in Badger as before.

// Tail caps: entries kept per partition log and per entity change log.
const (
	tailPartitionCap = 32
	tailEntityCap    = 256
)

// logEntry is one log entry: a row written at version, whose previous
// image was at prev (0: none).
type logEntry struct {
	version, prev uint64
	id            string
}

// headEntry is a logEntry with the head of the log it belongs to
// (partitionHead, or the entity name for an entity's change log).
type headEntry struct {
	head string
	logEntry
}

// logTail is the last entries of one log, in version order: every entry
// above from.
type logTail struct {
	from    uint64
	entries []logEntry
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
		t := n.tails[le.head]
		if t == nil {
			// No entry since the heads started: the tail is complete
			// from there.
			t = &logTail{from: n.since}
			n.tails[le.head] = t
		}
		t.entries = append(t.entries, le.logEntry)
		limit := tailPartitionCap
		if !isPartitionHead(le.head) {
			limit = tailEntityCap
		}
		if len(t.entries) > limit {
			// Drop the oldest version whole: the tail then holds every
			// entry above it.
			drop := t.entries[0].version
			i := 0
			for i < len(t.entries) && t.entries[i].version == drop {
				i++
			}
			t.entries = append(t.entries[:0:0], t.entries[i:]...)
			t.from = drop
		}
	}
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

// logTail returns the entries of the log at head with versions in
// (v0, v1], when this process knows them all: v0 is at or after the tails
// started and the tail's from, and every commit up to v1 was recorded.
func (e *Engine) logTail(head string, v0, v1 uint64) ([]logEntry, bool) {
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	if v0 < n.since || n.version < v1 {
		return nil, false
	}
	t := n.tails[head]
	if t == nil {
		return nil, true // nothing written since the tails started
	}
	if t.from > v0 {
		return nil, false
	}
	lo := sort.Search(len(t.entries), func(i int) bool { return t.entries[i].version > v0 })
	hi := sort.Search(len(t.entries), func(i int) bool { return t.entries[i].version > v1 })
	return append([]logEntry(nil), t.entries[lo:hi]...), true
}

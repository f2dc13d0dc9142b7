package engine

// The reference cache. Deciding whether a related row is in a view asks
// which rows look it up (the reference index, x/{target}/...), and every
// delta of every user that holds the target asked Badger again: an
// iterator and a seek per target, a tenth of a delta's cost at CRM-medium.
// The lookups to a target change only when a row that looks it up is
// created, deleted or changes that lookup, so the engine keeps what it
// read, with the version it was read at, and the notifier keeps the last
// version at which each target's lookups moved (refMoved). A cached list
// read at version at serves a delta reading at v1 when no move of the
// target lies between the two; otherwise the delta reads Badger and
// refreshes the entry.
//
// The write path says which targets moved by a log entry whose head is
// refMovedHead and the target's id: it travels with the command's other
// log entries, so a rejected command moves nothing, and the notifier
// records it when the batch commits.

// refMovedHead prefixes the head of a log entry that says a target's
// lookups moved. It starts with '/', which no entity name does.
const refMovedHead = "/x/"

// refMovedCap bounds the targets the notifier remembers moves of; past
// it the notifier forgets them all and raises refFloor.
var refMovedCap = 1 << 16

// cachedRefs is one target's lookups as read at version at.
type cachedRefs struct {
	refs []Reference
	at   uint64
}

// refsCost is the heap one entry of the reference cache holds.
func refsCost(id string, c cachedRefs) int64 {
	n := cacheEntryBytes + len(id)
	for _, r := range c.refs {
		n += 48 + len(r.Source) + len(r.SourceID) + len(r.Attribute)
	}
	return int64(n)
}

// refMoved records that id's lookups moved at version (the caller holds
// n.mu; versions arrive in order).
func (n *notifier) refMove(id string, version uint64) {
	if n.refMoved == nil {
		n.refMoved = map[string]uint64{}
	}
	if len(n.refMoved) >= refMovedCap {
		clear(n.refMoved)
		n.refFloor = version // moves at or below it are forgotten
	}
	n.refMoved[id] = version
}

// cachedRefsAt returns the lookups to id as of v1 from the cache, when
// the notifier shows none of them moved between the version they were
// read at and v1.
func (e *Engine) cachedRefsAt(id string, v1 uint64) ([]Reference, bool) {
	c, ok := e.refs.get(id)
	if !ok {
		return nil, false
	}
	lo, hi := min(c.at, v1), max(c.at, v1)
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	if lo < n.since || lo < n.refFloor || n.version < hi || n.refMoved[id] > lo {
		return nil, false
	}
	return c.refs, true
}

package engine

import "sync"

// notifier tells waiters that something was applied, and remembers the
// last version that wrote rows of each entity (since this process
// started), so that event streams can say "new data for you" without
// computing a delta.
type notifier struct {
	mu      sync.Mutex
	ch      chan struct{}
	entity  map[string]*uint64 // head name -> its cell (heads.go)
	version uint64             // the applied version when last notified
	// since is the version the database was at when entity started
	// counting (open, or a snapshot restore): it knows nothing of the
	// writes at or below it.
	since uint64
	// tails are the logs' last entries (partitiontail.go).
	tails map[string]*logTail
	// refMoved is the last version at which each target's lookups moved
	// (refcache.go); moves at or below refFloor are forgotten.
	refMoved map[string]uint64
	refFloor uint64
	// aged remembers answers of anyModifiedBetween (agedout.go; its own
	// lock, not mu).
	aged agedMemo
}

func (e *Engine) notify(touched map[string]uint64, logs []headEntry) {
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	n.record(logs)
	for ent, v := range touched {
		*n.cell(ent) = v
	}
	n.version = e.applied.Load()
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
}

// orgEntity is the pseudo-entity under which notify records admin changes
// (organization, profiles, tokens, schema).
const orgEntity = "/org"

// OrgVersion returns the last version (applied by this process) of an
// admin change: organization, profiles, tokens or schema.
func (e *Engine) OrgVersion() uint64 { return e.LastChange(orgEntity) }

// Changed returns a channel closed at the next commit.
func (e *Engine) Changed() <-chan struct{} {
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

// LastChange returns the last version (applied by this process) that
// wrote rows of entity, 0 if none.
func (e *Engine) LastChange(entity string) uint64 {
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.head(entity)
}

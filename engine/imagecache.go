package engine

import (
	"sync"

	"github.com/offsync/offsync/codec"
)

// Row caches for deltas. Deltas of the users who share a partition read
// the same rows: the images of changed rows at their cursors, and the
// current rows of the rows around them (related sources and targets).
//
//   - images keeps change-log images by entity, id and version. An image
//     at a version never changes, so a cached one is never stale.
//   - current keeps current rows by entity and id, with the version they
//     were read at. A cached row serves a delta reading at v1 only when
//     the entity's log tail shows the row unwritten between the two
//     versions (tailCurrent); otherwise the delta reads Badger, and the
//     entry is refreshed.
//
// Both drop their oldest entries first past their capacity, and a restore
// empties them. Cached rows are shared: nothing may modify them.

// Cache capacities, in rows.
const (
	imageCacheSize   = 16384
	currentCacheSize = 32768
)

// imageKey names one image.
type imageKey struct {
	entity, id string
	version    uint64
}

// currentRow is a current row (nil: absent) as read at version at.
type currentRow struct {
	row *codec.Row
	at  uint64
}

// fifo is a map that drops its oldest keys past its capacity.
type fifo[K comparable, V any] struct {
	mu   sync.Mutex
	size int
	m    map[K]V
	ring []K
	used []bool
	next int
}

// get returns the value at k, if any.
func (c *fifo[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

// put sets the value at k; a new key drops the oldest past the capacity.
func (c *fifo[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[K]V, c.size)
		c.ring, c.used = make([]K, c.size), make([]bool, c.size)
	}
	if _, ok := c.m[k]; ok {
		c.m[k] = v
		return
	}
	if c.used[c.next] {
		delete(c.m, c.ring[c.next])
	}
	c.ring[c.next], c.used[c.next] = k, true
	c.next = (c.next + 1) % c.size
	c.m[k] = v
}

// reset empties the cache.
func (c *fifo[K, V]) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m, c.ring, c.used, c.next = nil, nil, nil, 0
}

// cachedCurrent returns r's current row as of v1 from the cache, when the
// entity's tail shows it unwritten between the version it was read at and
// v1.
func (e *Engine) cachedCurrent(r rowRef, v1 uint64) (*codec.Row, bool) {
	c, ok := e.current.get(r)
	if !ok {
		return nil, false
	}
	lo, hi := min(c.at, v1), max(c.at, v1)
	if c.row != nil && c.row.Version > lo {
		return nil, false // newer than the version it must stand for
	}
	if lo == hi {
		return c.row, true
	}
	if _, written, known := e.tailCurrent(r.entity, r.id, lo, hi); !known || written {
		return nil, false
	}
	return c.row, true
}

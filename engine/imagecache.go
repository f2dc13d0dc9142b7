package engine

import (
	"errors"
	"sync"

	"github.com/dgraph-io/badger/v4"
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
// Both drop their oldest entries first past their capacity in bytes
// (Config.ImageCacheBytes, CurrentCacheBytes: the heap their rows take,
// as rowHeapBytes estimates it), and a restore empties them. Cached rows
// are shared: nothing may modify them.

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

// Heap estimates, in bytes: a Row with its map header and allocation
// rounding, each attribute's slot in the map (key and value headers,
// control byte, load factor), a boxed string or number, and a cache
// entry with its key.
const (
	rowFixedBytes   = 208
	attrSlotBytes   = 48
	boxedValueBytes = 24
	cacheEntryBytes = 96
)

// rowHeapBytes estimates the heap a decoded row holds
// (TestRowHeapBytesEstimatesDecodedRows measures it).
func rowHeapBytes(r *codec.Row) int64 {
	if r == nil {
		return 0
	}
	n := rowFixedBytes + len(r.ID) + len(r.OwnerID) + len(r.OwningBusinessUnit)
	for k, v := range r.Attrs {
		n += attrSlotBytes + len(k)
		switch v := v.(type) {
		case string:
			n += boxedValueBytes + len(v)
		case int64, float64:
			n += 8
		}
	}
	return int64(n)
}

// imageCost and currentCost are the bytes one entry of each cache holds.
func imageCost(k imageKey, r *codec.Row) int64 {
	return cacheEntryBytes + int64(len(k.id)) + rowHeapBytes(r)
}

func currentCost(k rowRef, c currentRow) int64 {
	return cacheEntryBytes + int64(len(k.id)) + rowHeapBytes(c.row)
}

// initRowCaches sizes the row caches from the engine's config.
func (e *Engine) initRowCaches() {
	e.images.limit, e.images.cost = e.cfg.ImageCacheBytes, imageCost
	e.current.limit, e.current.cost = e.cfg.CurrentCacheBytes, currentCost
	e.refs.limit, e.refs.cost = e.cfg.CurrentCacheBytes/4, refsCost
}

// fifo is a map that drops its oldest keys while its entries cost more
// than limit bytes (cost prices one). A zero limit keeps nothing.
type fifo[K comparable, V any] struct {
	mu    sync.Mutex
	limit int64
	cost  func(K, V) int64
	used  int64
	m     map[K]fifoEntry[V]
	order []fifoAge[K] // oldest first from head
	head  int
	seq   uint64
}

// fifoEntry is a cached value with its cost and age.
type fifoEntry[V any] struct {
	v    V
	cost int64
	seq  uint64
}

// fifoAge is a key's place in a fifo's order; a key dropped (and maybe
// put again since) leaves a place whose seq no longer matches its entry.
type fifoAge[K comparable] struct {
	k   K
	seq uint64
}

// get returns the value at k, if any.
func (c *fifo[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	return e.v, ok
}

// put sets the value at k (a key already there keeps its age), then drops
// the oldest keys until the cache fits its limit. A value that alone
// costs more than the limit is not kept.
func (c *fifo[K, V]) put(k K, v V) {
	cost := c.cost(k, v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if cost > c.limit {
		c.remove(k)
		return
	}
	if c.m == nil {
		c.m = map[K]fifoEntry[V]{}
	}
	if old, ok := c.m[k]; ok {
		c.used += cost - old.cost
		c.m[k] = fifoEntry[V]{v: v, cost: cost, seq: old.seq}
	} else {
		c.seq++
		c.used += cost
		c.m[k] = fifoEntry[V]{v: v, cost: cost, seq: c.seq}
		c.order = append(c.order, fifoAge[K]{k, c.seq})
	}
	for c.used > c.limit && c.head < len(c.order) {
		a := c.order[c.head]
		if e, ok := c.m[a.k]; ok && e.seq == a.seq {
			c.remove(a.k)
		}
		c.order[c.head] = fifoAge[K]{}
		c.head++
	}
	if c.head > len(c.order)/2 { // the dropped half goes
		c.order = append(c.order[:0:0], c.order[c.head:]...)
		c.head = 0
	}
}

// remove drops k's entry; its place in order is skipped when its turn
// comes (the caller holds c.mu).
func (c *fifo[K, V]) remove(k K) {
	if e, ok := c.m[k]; ok {
		c.used -= e.cost
		delete(c.m, k)
	}
}

// reset empties the cache.
func (c *fifo[K, V]) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m, c.order, c.head, c.used = nil, nil, 0, 0
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

// readCurrent returns r's row as of version at in txn (nil when it has
// none): from e's current-row cache when the entry still stands for at
// (cachedCurrent), else read from txn and kept in the cache. With e nil
// it reads txn alone.
func (e *Engine) readCurrent(txn *badger.Txn, r rowRef, at uint64) (*codec.Row, error) {
	if e != nil {
		if row, ok := e.cachedCurrent(r, at); ok {
			return row, nil
		}
	}
	var row codec.Row
	var cur *codec.Row
	switch err := getDecoded(txn, rowKey(r.entity, r.id), &row); {
	case err == nil:
		cur = &row
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	if e != nil {
		e.current.put(r, currentRow{row: cur, at: at})
	}
	return cur, nil
}

package engine

import (
	"sync"

	"github.com/offsync/offsync/codec"
)

// imageCache keeps row images read from the change log, by entity, id and
// version. An image at a version never changes, so a cached one is never
// stale; deltas of the users who share a partition read the same old
// images (the rows' images at their cursors), and the cache reads each
// from Badger once. Entries go in first-in, first-out order past the
// capacity. Cached rows are shared: nothing may modify them.
type imageCache struct {
	mu   sync.Mutex
	m    map[imageKey]*codec.Row
	ring []imageKey
	next int
}

// imageKey names one image.
type imageKey struct {
	entity, id string
	version    uint64
}

// imageCacheSize is how many images the cache keeps.
const imageCacheSize = 16384

// reset empties the cache (a restore replaced the database).
func (c *imageCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m, c.ring, c.next = nil, nil, 0
}

// get returns the cached image, if any.
func (c *imageCache) get(k imageKey) (*codec.Row, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[k]
	return r, ok
}

// put caches an image, dropping the oldest past the capacity.
func (c *imageCache) put(k imageKey, r *codec.Row) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[imageKey]*codec.Row, imageCacheSize)
		c.ring = make([]imageKey, imageCacheSize)
	}
	if _, ok := c.m[k]; ok {
		return
	}
	if old := c.ring[c.next]; old.entity != "" {
		delete(c.m, old)
	}
	c.ring[c.next] = k
	c.next = (c.next + 1) % len(c.ring)
	c.m[k] = r
}

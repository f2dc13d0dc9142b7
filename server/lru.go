package server

import (
	"container/list"
	"sync"
	"sync/atomic"
)

// lru is a map bounded by the estimated bytes of its values: the least
// recently used entries go first; a value larger than the bound is not
// kept. It is safe for concurrent use.
type lru[V any] struct {
	mu    sync.Mutex
	limit int64
	size  int64
	order *list.List // of *lruEntry[V], most recent first
	byKey map[string]*list.Element
	// hits and misses count get's answers (metrics.go).
	hits, misses atomic.Uint64
}

type lruEntry[V any] struct {
	key   string
	value V
	size  int64
}

func newLRU[V any](limit int64) *lru[V] {
	return &lru[V]{limit: limit, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *lru[V]) put(key string, v V, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.limit {
		return
	}
	if el, ok := c.byKey[key]; ok {
		c.size -= el.Value.(*lruEntry[V]).size
		c.order.Remove(el)
	}
	c.byKey[key] = c.order.PushFront(&lruEntry[V]{key: key, value: v, size: size})
	c.size += size
	for c.size > c.limit {
		last := c.order.Back()
		e := last.Value.(*lruEntry[V])
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.size -= e.size
	}
}

func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		c.misses.Add(1)
		var zero V
		return zero, false
	}
	c.hits.Add(1)
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry[V]).value, true
}

package server

import (
	"container/list"
	"sync"

	"github.com/offsync/offsync/engine"
)

// snapCache keeps computed first loads so that their pages can be served
// (and resumed) without computing the view again. It is bounded by an
// estimate of their bytes; the least recently used go first. A page asked
// for after its snapshot was evicted (or on another node) restarts the
// load.
type snapCache struct {
	mu    sync.Mutex
	limit int64
	size  int64
	lru   *list.List // of *snapEntry, most recent first
	byID  map[string]*list.Element
}

type snapEntry struct {
	id, user string
	res      *engine.PullResult
	size     int64
}

func newSnapCache(limit int64) *snapCache {
	return &snapCache{limit: limit, lru: list.New(), byID: map[string]*list.Element{}}
}

// put stores user's snapshot under id.
func (c *snapCache) put(id, user string, res *engine.PullResult) {
	var size int64 = 256
	for _, e := range res.Entities {
		size += int64(len(e.Upserts)) * 400
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.limit {
		return
	}
	c.byID[id] = c.lru.PushFront(&snapEntry{id: id, user: user, res: res, size: size})
	c.size += size
	for c.size > c.limit {
		last := c.lru.Back()
		e := last.Value.(*snapEntry)
		c.lru.Remove(last)
		delete(c.byID, e.id)
		c.size -= e.size
	}
}

// get returns the snapshot under id when it is user's, or nil.
func (c *snapCache) get(id, user string) *engine.PullResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byID[id]
	if !ok || el.Value.(*snapEntry).user != user {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*snapEntry).res
}

package server

import (
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

func TestSnapCacheIsBoundedAndPerUser(t *testing.T) {
	res := func(rows int) *engine.PullResult {
		return &engine.PullResult{Entities: []engine.EntityDelta{{Entity: "a", Upserts: make([]codec.Row, rows)}}}
	}
	c := newSnapCache(25 * rowBytes)
	get := func(id, user string) *engine.PullResult { r, _ := c.get(id, user); return r }
	c.put("one", "alice", res(10))
	if get("one", "bob") != nil {
		t.Fatal("another user's snapshot was served")
	}
	if get("one", "alice") == nil {
		t.Fatal("own snapshot missing")
	}
	c.put("two", "alice", res(10))
	c.put("three", "alice", res(10)) // 3 x 10 rows > 25 rows' worth: the least recent goes
	if get("one", "alice") != nil || get("three", "alice") == nil {
		t.Fatal("eviction did not drop the least recently used")
	}
	c.put("huge", "alice", res(1000))
	if get("huge", "alice") != nil {
		t.Fatal("a snapshot larger than the cache was kept")
	}
}

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
	c.put("one", "alice", res(10))
	if c.get("one", "bob") != nil {
		t.Fatal("another user's snapshot was served")
	}
	if c.get("one", "alice") == nil {
		t.Fatal("own snapshot missing")
	}
	c.put("two", "alice", res(10))
	c.put("three", "alice", res(10)) // 3 x 10 rows > 25 rows' worth: the least recent goes
	if c.get("one", "alice") != nil || c.get("three", "alice") == nil {
		t.Fatal("eviction did not drop the least recently used")
	}
	c.put("huge", "alice", res(1000))
	if c.get("huge", "alice") != nil {
		t.Fatal("a snapshot larger than the cache was kept")
	}
}

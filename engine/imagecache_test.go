package engine

import (
	"fmt"
	"testing"

	"github.com/offsync/offsync/codec"
)

// TestImageCacheKeepsTheNewest: past its capacity the cache drops the
// oldest images first, keeps the newest, and never answers for a version
// it was not given.
func TestImageCacheKeepsTheNewest(t *testing.T) {
	c := fifo[imageKey, *codec.Row]{size: imageCacheSize}
	key := func(i int) imageKey { return imageKey{"account", fmt.Sprint(i), uint64(i)} }
	for i := 0; i < imageCacheSize+10; i++ {
		c.put(key(i), &codec.Row{ID: fmt.Sprint(i), Version: uint64(i)})
	}
	for i := 0; i < 10; i++ {
		if _, ok := c.get(key(i)); ok {
			t.Fatalf("image %d should have been dropped", i)
		}
	}
	for _, i := range []int{10, imageCacheSize / 2, imageCacheSize + 9} {
		r, ok := c.get(key(i))
		if !ok || r.Version != uint64(i) {
			t.Fatalf("image %d: %v %v", i, r, ok)
		}
	}
	if _, ok := c.get(imageKey{"account", "10", 11}); ok {
		t.Fatal("another version of a cached row must miss")
	}
	if len(c.m) != imageCacheSize {
		t.Fatalf("the cache holds %d images, want %d", len(c.m), imageCacheSize)
	}
	c.reset()
	if _, ok := c.get(key(imageCacheSize + 9)); ok {
		t.Fatal("reset must empty the cache")
	}
}

// TestCachedCurrentRowsStayExact: a cached current row serves a later
// read only while the row's log tail shows it unwritten since; once it is
// written, or for a read at a version the row is newer than, the cache
// does not answer.
func TestCachedCurrentRowsStayExact(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	mustApply(t, e, ingestCmd(2000, codec.Record{Entity: "account", ID: tAcctA, OwnerID: tAlice, Attrs: map[string]any{"name": "A"}}))
	v1 := e.Applied()
	r := rowRef{"account", tAcctA}
	row := readStored(t, e, r.entity, r.id)
	e.current.put(r, currentRow{row: &row, at: v1})
	mustApply(t, e, ingestCmd(2000, codec.Record{Entity: "contact", ID: tContact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ng"}}))
	if got, ok := e.cachedCurrent(r, e.Applied()); !ok || got.Attrs["name"] != "A" {
		t.Fatalf("a write elsewhere must leave the cached row valid: %v %v", got, ok)
	}
	if _, ok := e.cachedCurrent(r, row.Version-1); ok {
		t.Fatal("the cache must not answer for a version the row is newer than")
	}
	mustApply(t, e, ingestCmd(2000, codec.Record{Entity: "account", ID: tAcctA, OwnerID: tAlice, Attrs: map[string]any{"name": "B"}}))
	if got, ok := e.cachedCurrent(r, e.Applied()); ok {
		t.Fatalf("a write to the row must void the cached one, got %v", got.Attrs)
	}
	if got, ok := e.cachedCurrent(r, v1+1); !ok || got.Attrs["name"] != "A" {
		t.Fatalf("at a version before the write the cached row still stands: %v %v", got, ok)
	}
}

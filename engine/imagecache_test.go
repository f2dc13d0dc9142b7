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
	var c imageCache
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

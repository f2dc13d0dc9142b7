package server

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestPageCompressionsRunOneAtATime: groups built at once (first loads
// of several groups) compress their pages one at a time, so the node
// holds one best-level zstd encoder (about 34 MB) rather than one per
// build; the pages are those of the codec all the same.
func TestPageCompressionsRunOneAtATime(t *testing.T) {
	sch := &engine.Schema{Entities: []engine.EntityDef{{Name: "account", Attributes: []engine.Attribute{{Name: "name", Type: engine.TypeString}}}}}
	c := newGroupCache(64<<20, 10, func() *engine.Schema { return sch }, slog.Default())
	c.minRows = 1
	var inFlight, most atomic.Int32
	compress := c.pack.compress
	c.pack.compress = func(dst, src []byte, cuts []int) ([]byte, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(2 * time.Millisecond) // long enough for the others to arrive
		return compress(dst, src, cuts)
	}
	const groups = 6
	var wg sync.WaitGroup
	for g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := engine.EntityDelta{Entity: "account"}
			for i := range 30 {
				d.Upserts = append(d.Upserts, codec.Row{ID: fmt.Sprintf("10000000-0000-4000-8000-%06d%06d", g, i), Version: uint64(i + 1), Attrs: map[string]any{"name": fmt.Sprintf("g%d n%d", g, i)}})
			}
			key := fmt.Sprintf("key %d", g)
			c.Put(key, &engine.SharedGroup{Key: key, Params: fmt.Sprint(g), Entities: []engine.EntityDelta{d}})
		}()
	}
	wg.Wait()
	if m := most.Load(); m != pagePackers {
		t.Fatalf("%d pages were compressed at once, want %d", m, pagePackers)
	}
	for g := range groups {
		kept, ok := c.Get(fmt.Sprintf("key %d", g))
		if !ok {
			t.Fatalf("group %d is not kept", g)
		}
		set := kept.Attached.(*pageSet)
		if len(set.pages) != 3 {
			t.Fatalf("group %d has %d pages, want 3", g, len(set.pages))
		}
		for _, p := range set.pages {
			raw, err := codec.Decompress(codec.Zstd, p.zstd, 1<<20)
			if err != nil || len(raw) != p.raw {
				t.Fatalf("group %d page %s: %d bytes decompressed of %d (%v)", g, p.id, len(raw), p.raw, err)
			}
		}
	}
}

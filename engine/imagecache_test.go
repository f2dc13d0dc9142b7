package engine

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/offsync/offsync/codec"
)

// TestImageCacheKeepsTheNewest: past its limit in bytes the cache drops
// the oldest images first, keeps the newest, never answers for a version
// it was not given, and never holds more than its limit, however wide
// the rows.
func TestImageCacheKeepsTheNewest(t *testing.T) {
	const limit = 1 << 20
	c := fifo[imageKey, *codec.Row]{limit: limit, cost: imageCost}
	key := func(i int) imageKey { return imageKey{"account", fmt.Sprintf("%06d", i), uint64(i)} }
	row := func(i, width int) *codec.Row {
		return &codec.Row{ID: fmt.Sprintf("%06d", i), Version: uint64(i), Attrs: map[string]any{"description": strings.Repeat("x", width)}}
	}
	perRow := imageCost(key(0), row(0, 100))
	n := int(limit / perRow)
	for i := 0; i < n+10; i++ {
		c.put(key(i), row(i, 100))
	}
	for i := 0; i < 10; i++ {
		if _, ok := c.get(key(i)); ok {
			t.Fatalf("image %d should have been dropped", i)
		}
	}
	for _, i := range []int{10, n / 2, n + 9} {
		r, ok := c.get(key(i))
		if !ok || r.Version != uint64(i) {
			t.Fatalf("image %d: %v %v", i, r, ok)
		}
	}
	if _, ok := c.get(imageKey{"account", "000010", 11}); ok {
		t.Fatal("another version of a cached row must miss")
	}
	if c.used > limit || len(c.m) < n-1 {
		t.Fatalf("the cache holds %d images in %d bytes, want about %d in at most %d", len(c.m), c.used, n, limit)
	}
	// Wider rows: the cache holds fewer.
	for i := n + 10; i < n+10+n; i++ {
		c.put(key(i), row(i, 10_000))
		if c.used > limit {
			t.Fatalf("after %d wide rows the cache holds %d bytes, over its %d", i-n-9, c.used, limit)
		}
	}
	if wide := int(limit / imageCost(key(0), row(0, 10_000))); len(c.m) > wide {
		t.Fatalf("the cache holds %d wide rows, want at most %d", len(c.m), wide)
	}
	c.put(key(-1), row(-1, limit))
	if _, ok := c.get(key(-1)); ok {
		t.Fatal("a row larger than the limit must not be kept")
	}
	c.reset()
	if _, ok := c.get(key(2*n + 9)); ok || c.used != 0 {
		t.Fatal("reset must empty the cache")
	}
}

// TestFifoModel runs random puts, gets and resets against a model (a
// list of keys, oldest first): the cache answers for a key exactly when
// the model still holds it, with the value last put, and stays within
// its limit.
func TestFifoModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		limit := int64(rapid.IntRange(0, 64).Draw(t, "limit"))
		c := fifo[int, int64]{limit: limit, cost: func(_ int, v int64) int64 { return v }}
		type entry struct {
			k int
			v int64
		}
		var model []entry
		for step := rapid.IntRange(1, 200).Draw(t, "steps"); step > 0; step-- {
			switch rapid.IntRange(0, 9).Draw(t, "op") {
			case 0:
				c.reset()
				model = nil
			default:
				k, v := rapid.IntRange(0, 15).Draw(t, "k"), int64(rapid.IntRange(0, 20).Draw(t, "v"))
				c.put(k, v)
				i := slices.IndexFunc(model, func(e entry) bool { return e.k == k })
				switch {
				case v > limit && i >= 0:
					model = slices.Delete(model, i, i+1)
				case v > limit:
				case i >= 0:
					model[i].v = v
				default:
					model = append(model, entry{k, v})
				}
				var sum int64
				for _, e := range model {
					sum += e.v
				}
				for sum > limit {
					sum -= model[0].v
					model = model[1:]
				}
			}
			if c.used > limit {
				t.Fatalf("the cache holds %d, over its limit %d", c.used, limit)
			}
			for k := 0; k < 16; k++ {
				v, ok := c.get(k)
				i := slices.IndexFunc(model, func(e entry) bool { return e.k == k })
				if ok != (i >= 0) || ok && v != model[i].v {
					t.Fatalf("key %d: cache %d %v, model %v", k, v, ok, model)
				}
			}
		}
	})
}

// TestRowHeapBytesEstimatesDecodedRows: rowHeapBytes is within a third
// of the heap that decoded rows of a CRM-like shape take, so that the
// caches' byte limits hold.
func TestRowHeapBytesEstimatesDecodedRows(t *testing.T) {
	src := &codec.Row{ID: "8c1f6d2e-7a3b-4c5d-9e8f-0a1b2c3d4e5f", OwnerID: "u-0042", OwningBusinessUnit: "bu-07",
		CreatedOn: 1_700_000_000_000, ModifiedOn: 1_700_000_100_000, Version: 123456, Attrs: map[string]any{}}
	for i := 0; i < 12; i++ {
		src.Attrs[fmt.Sprintf("text%02d", i)] = strings.Repeat("v", 8+5*i)
	}
	for i := 0; i < 6; i++ {
		src.Attrs[fmt.Sprintf("number%d", i)] = int64(1000 * i)
	}
	src.Attrs["revenue"], src.Attrs["donotcall"], src.Attrs["parentaccountid"] = 1234.5, true, nil
	b, err := codec.MarshalRow(src)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	rows := make([]*codec.Row, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range rows {
		rows[i] = &codec.Row{}
		if err := codec.UnmarshalRow(b, rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	actual := float64(after.HeapAlloc-before.HeapAlloc) / n
	est := float64(rowHeapBytes(rows[0]))
	runtime.KeepAlive(rows)
	t.Logf("a decoded row: %.0f bytes of heap, estimated %.0f", actual, est)
	if est < actual*0.75 || est > actual*1.33 {
		t.Fatalf("rowHeapBytes estimates %.0f bytes for a row that takes %.0f", est, actual)
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

// TestRowCacheLimitsAreValidated: the caches' byte limits come from the
// config, a negative one is refused naming its field, and 0 keeps
// nothing.
func TestRowCacheLimitsAreValidated(t *testing.T) {
	for _, field := range []string{"ImageCacheBytes", "CurrentCacheBytes"} {
		c := DefaultConfig(t.TempDir())
		if field == "ImageCacheBytes" {
			c.ImageCacheBytes = -1
		} else {
			c.CurrentCacheBytes = -1
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s -1: %v", field, err)
		}
	}
	cfg := DefaultConfig("")
	cfg.InMemory, cfg.CurrentCacheBytes = true, 0
	e, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.images.limit != DefaultImageCacheBytes {
		t.Fatalf("image cache limit %d, want %d", e.images.limit, DefaultImageCacheBytes)
	}
	r := rowRef{"account", "a"}
	e.current.put(r, currentRow{row: &codec.Row{ID: "a"}, at: 1})
	if _, ok := e.current.get(r); ok {
		t.Fatal("a cache limited to 0 bytes kept a row")
	}
}

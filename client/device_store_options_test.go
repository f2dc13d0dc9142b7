package client

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
)

// TestStoreOpenAllocatesLittle: opening a device's store allocates a few
// MB, not a 16 MiB memtable's 21.8 MB arena (device_store_options.go).
// The least of three opens is taken, so that another goroutine's
// allocations cannot fail it.
func TestStoreOpenAllocatesLittle(t *testing.T) {
	least := uint64(1 << 62)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "s")})
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	if least > 8<<20 {
		t.Fatalf("opening a device store allocated %.1f MB, want at most 8 MiB", float64(least)/(1<<20))
	}
}

// TestWritesPastOneTransaction: with the store's small memtables, one
// local transaction holds about 600 KB; a first load of 2 MB in one
// answer, and a delta of 1 MB to all its rows, are still applied whole,
// split over several transactions into a generation readers do not see.
func TestWritesPastOneTransaction(t *testing.T) {
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "s")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	const rows = 2000
	answer := func(text string, reset bool) codec.PullResponse {
		ec := codec.EntityChanges{Entity: "account", Columns: []string{"description"}}
		for n := range rows {
			r := accountRow(n)
			r[6] = fmt.Sprintf("%s %d", text, n)
			ec.Rows = append(ec.Rows, r)
		}
		return codec.PullResponse{Version: 1, Cursor: "c", Reset: reset, Entities: []codec.EntityChanges{ec}}
	}
	check := func(text string) {
		t.Helper()
		n := 0
		err := d.Rows("account", func(r Row) error {
			if s, _ := r.Attrs["description"].(string); !strings.HasPrefix(s, text) {
				return fmt.Errorf("row %s: description %.20q...", r.ID, s)
			}
			n++
			return nil
		})
		if err != nil || n != rows {
			t.Fatalf("%d rows (%v), want %d", n, err, rows)
		}
	}
	if _, _, err := d.apply(answer(strings.Repeat("a", 1000), true)); err != nil {
		t.Fatal(err)
	}
	check("aaa")
	if _, _, err := d.apply(answer(strings.Repeat("b", 500), false)); err != nil {
		t.Fatal(err)
	}
	check("bbb")
}

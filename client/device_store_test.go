package client

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// TestLocalStoreCutoffUsesTheModifiedonIndex: rows written, rewritten
// and removed keep exactly one index entry each, and a cutoff drops the
// rows (and entries) older than it; alike for a writer that reads the
// store and one into a fresh generation that keeps what it wrote.
func TestLocalStoreCutoffUsesTheModifiedonIndex(t *testing.T) {
	for _, fresh := range []bool{false, true} {
		t.Run(fmt.Sprintf("fresh=%v", fresh), func(t *testing.T) { testLocalStoreCutoff(t, fresh) })
	}
}

func testLocalStoreCutoff(t *testing.T, fresh bool) {
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "s")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	id := func(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }
	w := d.newTxnWriter(true)
	defer w.discard()
	rw := newRowWriter(w, "g0/", fresh)
	for i := 0; i < 10; i++ {
		if err := rw.putRow("task", &Row{ID: id(i), ModifiedOn: int64(i * 100)}); err != nil {
			t.Fatal(err)
		}
	}
	// Row 1 is modified again (now recent); row 2 is removed.
	if err := rw.putRow("task", &Row{ID: id(1), ModifiedOn: 5000}); err != nil {
		t.Fatal(err)
	}
	two, _ := guidBytes(id(2))
	if err := rw.remove("task", two[:]); err != nil {
		t.Fatal(err)
	}
	if err := rw.cut("task", 450); err != nil {
		t.Fatal(err)
	}
	if err := w.commit(); err != nil {
		t.Fatal(err)
	}
	var got []string
	_ = d.Rows("task", func(r Row) error { got = append(got, r.ID[len(r.ID)-2:]); return nil })
	want := "[01 05 06 07 08 09]"
	if fmt.Sprint(got) != want {
		t.Fatalf("rows after the cutoff: %v, want %s", got, want)
	}
	index := 0
	_ = d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("g0/w/task/")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			index++
		}
		return nil
	})
	if index != len(got) {
		t.Fatalf("%d index entries for %d rows", index, len(got))
	}
	if c, _ := d.Counts(); c["task"] != 6 {
		t.Fatalf("counts: %v", c)
	}
}

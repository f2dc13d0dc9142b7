package client

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func TestLocalStoreCutoffUsesTheModifiedonIndex(t *testing.T) {
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "s")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	id := func(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }
	err = d.db.Update(func(txn *badger.Txn) error {
		for i := 0; i < 10; i++ {
			if err := putRow(txn, "g0/", "task", &Row{ID: id(i), ModifiedOn: int64(i * 100)}); err != nil {
				return err
			}
		}
		// Row 1 is modified again (now recent); row 2 is removed.
		if err := putRow(txn, "g0/", "task", &Row{ID: id(1), ModifiedOn: 5000}); err != nil {
			return err
		}
		return deleteRow(txn, "g0/", "task", id(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.db.Update(func(txn *badger.Txn) error { return dropOlder(txn, "g0/", "task", 450) }); err != nil {
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

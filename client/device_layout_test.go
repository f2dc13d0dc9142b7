package client

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

func layoutID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

// layoutRow is a wire row of id i modified at mod.
func layoutRow(t *testing.T, i int, mod int64) []any {
	b, err := codec.GUIDBytes(layoutID(i))
	if err != nil {
		t.Fatal(err)
	}
	return []any{b, int64(-1), int64(-1), int64(1), mod, int64(1), fmt.Sprint("row ", i)}
}

// storeState lists the entity's rows (id suffix:modifiedon) and counts
// its index entries, in the generation readers see.
func storeState(t *testing.T, d *Device, entity string) (rows string, entries int, marked bool) {
	t.Helper()
	var got []string
	if err := d.Rows(entity, func(r Row) error {
		got = append(got, fmt.Sprintf("%s:%d", r.ID[len(r.ID)-1:], r.ModifiedOn))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err := d.db.View(func(txn *badger.Txn) error {
		cur, err := readUint(txn, keyGen)
		if err != nil {
			return err
		}
		g := genPrefix(cur)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(g + "w/" + entity + "/")})
		for it.Rewind(); it.Valid(); it.Next() {
			entries++
		}
		it.Close()
		_, err = txn.Get(markKey(g, entity))
		marked = err == nil
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(got), entries, marked
}

func openLayoutDevice(t *testing.T) *Device {
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "s")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestLayoutIndexesOnlyCutEntities: a load indexes the entities it cuts
// and no other; a later cutoff for another entity indexes its rows then,
// so that it drops exactly the rows older than the cutoff, also one
// rewritten before it in the same answer.
func TestLayoutIndexesOnlyCutEntities(t *testing.T) {
	d := openLayoutDevice(t)
	load := codec.PullResponse{Reset: true, Cursor: "c1", Entities: []codec.EntityChanges{
		{Entity: "account", Columns: []string{"name"}, Rows: [][]any{layoutRow(t, 1, 100), layoutRow(t, 2, 200), layoutRow(t, 3, 300)}},
		{Entity: "task", Columns: []string{"name"}, Rows: [][]any{layoutRow(t, 4, 100), layoutRow(t, 5, 300)}, Cutoff: 200},
	}}
	if _, _, err := d.apply(load); err != nil {
		t.Fatal(err)
	}
	if rows, n, marked := storeState(t, d, "account"); rows != "[1:100 2:200 3:300]" || n != 0 || marked {
		t.Fatalf("account after the load: %s, %d index entries, marked %v", rows, n, marked)
	}
	if rows, n, marked := storeState(t, d, "task"); rows != "[5:300]" || n != 1 || !marked {
		t.Fatalf("task after the load: %s, %d index entries, marked %v", rows, n, marked)
	}
	delta := codec.PullResponse{Cursor: "c2", Entities: []codec.EntityChanges{
		{Entity: "account", Columns: []string{"name"}, Rows: [][]any{layoutRow(t, 1, 1000)}, Cutoff: 250},
	}}
	if _, _, err := d.apply(delta); err != nil {
		t.Fatal(err)
	}
	if rows, n, marked := storeState(t, d, "account"); rows != "[1:1000 3:300]" || n != 2 || !marked {
		t.Fatalf("account after the cutoff: %s, %d index entries, marked %v", rows, n, marked)
	}
}

// TestLayoutOneStoreUpgrades: a store written by layout 1 (an index entry
// for every row, no markers, no m/layout) opens, and its entities stay
// indexed: a row rewritten loses its old entry, so a cutoff between its
// old and new modifiedon keeps it.
func TestLayoutOneStoreUpgrades(t *testing.T) {
	d := openLayoutDevice(t)
	err := d.db.Update(func(txn *badger.Txn) error {
		for i, mod := range []int64{100, 200, 300} {
			id := layoutID(i + 1)
			b, err := encodeLocalRow(&Row{ID: id, CreatedOn: 1, ModifiedOn: mod, Version: 1})
			if err != nil {
				return err
			}
			if err := txn.Set(rowKey("g3/", "account", id), b); err != nil {
				return err
			}
			if err := txn.Set(modKey("g3/", "account", mod, id), nil); err != nil {
				return err
			}
		}
		if err := txn.Set(keyGen, []byte("3")); err != nil {
			return err
		}
		return txn.Set(keyCursor, []byte("c1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	delta := codec.PullResponse{Cursor: "c2", Entities: []codec.EntityChanges{
		{Entity: "account", Columns: []string{"name"}, Rows: [][]any{layoutRow(t, 1, 1000)}},
		{Entity: "account", Cutoff: 250},
	}}
	if _, _, err := d.apply(delta); err != nil {
		t.Fatal(err)
	}
	if rows, n, marked := storeState(t, d, "account"); rows != "[1:1000 3:300]" || n != 2 || !marked {
		t.Fatalf("account after the delta: %s, %d index entries, marked %v", rows, n, marked)
	}
	var layout string
	_ = d.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(keyLayout)
		if err == nil {
			err = item.Value(func(v []byte) error { layout = string(v); return nil })
		}
		return err
	})
	if layout != storeLayout {
		t.Fatalf("m/layout %q after the upgrade", layout)
	}
}

// TestLayoutNewerStoreRefused: a store of a layout this version does not
// know is not written to.
func TestLayoutNewerStoreRefused(t *testing.T) {
	d := openLayoutDevice(t)
	if err := d.db.Update(func(txn *badger.Txn) error { return txn.Set(keyLayout, []byte("9")) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.apply(codec.PullResponse{Reset: true, Cursor: "c"}); err == nil {
		t.Fatal("applied to a store of layout 9")
	}
}

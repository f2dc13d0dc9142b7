package client

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// TestOpensAStoreOfLargerMemtables: a store that an earlier version
// (16 MiB memtables) left with a full write-ahead log, as after a crash,
// opens with every key: Badger replays the log into one memtable, which
// must be as large as the log's.
func TestOpensAStoreOfLargerMemtables(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "old")
	old := badger.DefaultOptions(dir).WithLogger(nil).WithMemTableSize(16 << 20).WithBlockCacheSize(8 << 20)
	db, err := badger.Open(old)
	if err != nil {
		t.Fatal(err)
	}
	const keys = 80 // 80 values of 100 KB: 8 MB in the log, past a 4 MiB memtable's arena
	val := make([]byte, 100<<10)
	for start := 0; start < keys; start += 10 {
		err := db.Update(func(txn *badger.Txn) error {
			for i := start; i < start+10; i++ {
				if err := txn.Set([]byte(fmt.Sprintf("g0/r/account/%08d", i)), val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// What a crash leaves: the files as they are while the store is open.
	crashed := filepath.Join(t.TempDir(), "crashed")
	copyDir(t, dir, crashed)
	db.Close()
	d, err := OpenDevice(DeviceConfig{Store: crashed})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n := 0
	err = d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("g0/r/account/")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if err != nil || n != keys {
		t.Fatalf("%d keys after reopening (%v), want %d", n, err, keys)
	}
}

// copyDir copies a Badger directory but its value log, which holds
// nothing for values under the threshold.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) == ".vlog" {
			continue // a sparse 2 GB file; the values are all in the log
		}
		src, err := os.Open(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(to, e.Name()))
		if err == nil {
			_, err = io.Copy(dst, src)
		}
		src.Close()
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

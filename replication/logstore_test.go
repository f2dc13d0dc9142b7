package replication

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
)

// boltMetaFreelist reads the free-list page id of the newest of a bbolt
// file's two meta pages (bbolt's layout: a 16-byte page header, then
// magic, version, page size and flags, the root bucket (16 bytes), the
// free list's page id, the high-water page id and the transaction id).
func boltMetaFreelist(t *testing.T, path string) uint64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(binary.LittleEndian.Uint32(b[16+8:]))
	var freelist, txid uint64
	for _, at := range []int{0, pageSize} {
		meta := b[at+16:]
		if id := binary.LittleEndian.Uint64(meta[48:]); id >= txid {
			freelist, txid = binary.LittleEndian.Uint64(meta[32:]), id
		}
	}
	return freelist
}

// TestLogStoreLeavesTheFreelistOut: by default the log store's commits do
// not write bbolt's free-page list into raft.db (bbolt rebuilds it on
// open), and a store reopened that way still holds every entry and
// reuses the pages a compaction freed; LogFreelistSync brings the list
// back.
func TestLogStoreLeavesTheFreelistOut(t *testing.T) {
	const noFreelist = ^uint64(0) // bbolt's PgidNoFreelist
	for _, sync := range []bool{false, true} {
		cfg := DefaultConfig("n1", t.TempDir())
		cfg.LogFreelistSync = sync
		store, err := OpenLogStore(cfg)
		if err != nil {
			t.Fatal(err)
		}
		data := make([]byte, 10_000) // several pages an entry
		logs := make([]*raft.Log, 200)
		for i := range logs {
			logs[i] = &raft.Log{Index: uint64(i + 1), Term: 1, Type: raft.LogCommand, Data: data}
		}
		if err := store.StoreLogs(logs); err != nil {
			t.Fatal(err)
		}
		if err := store.DeleteRange(1, 150); err != nil {
			t.Fatal(err)
		}
		store.Close()
		path := filepath.Join(cfg.Dir, logStoreFile)
		if written := boltMetaFreelist(t, path) != noFreelist; written != sync {
			t.Fatalf("LogFreelistSync %v: the free list was written into the file: %v", sync, written)
		}
		before, _ := os.Stat(path)
		if store, err = OpenLogStore(cfg); err != nil {
			t.Fatal(err)
		}
		var l raft.Log
		if err := store.GetLog(200, &l); err != nil || len(l.Data) != len(data) {
			t.Fatalf("reopened: entry 200: %v (%d bytes)", err, len(l.Data))
		}
		if err := store.StoreLogs(logs[:100]); err != nil { // the freed pages take them
			t.Fatal(err)
		}
		store.Close()
		if after, _ := os.Stat(path); after.Size() > before.Size() {
			t.Fatalf("LogFreelistSync %v: the file grew from %d to %d bytes: the free pages were not reused", sync, before.Size(), after.Size())
		}
	}
}

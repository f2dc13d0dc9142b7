package client

import (
	"os"
	"path/filepath"

	"github.com/dgraph-io/badger/v4"
)

// Badger options of a device's local store. Badger allocates a
// memtable's whole skiplist arena (about 1.3 times MemTableSize) when it
// opens a store: with 16 MiB memtables, 21.8 MB, zeroed, on every open,
// which on BenchmarkDeviceDecode's loaded process also started a garbage
// collection that a first load then ran beside (docs/benchmarks.md).
// A device's writes are small (a first load's page is a few hundred KB),
// so its memtables are 4 MiB: 5.5 MB an open.
//
// A transaction then holds at most 15% of that (Badger's maxBatchSize,
// about 600 KB of keys and values): larger writes are split over
// several into a generation readers do not see (txnWriter), as they were
// past 2.4 MB before. Values of 64 KB and more go to the value log
// (Badger refuses a value threshold past the transaction's size); rows
// are far smaller. SyncWrites stays Badger's default, as before: a commit
// is in the memory-mapped write-ahead log before it returns, which a
// process crash does not lose.
const (
	storeMemTableSize   = 4 << 20
	storeValueThreshold = 64 << 10
)

// storeOptions returns the Badger options of a device's local store in
// dir.
func storeOptions(dir string) badger.Options {
	return badger.DefaultOptions(dir).WithLogger(nil).WithMemTableSize(memTableSizeFor(dir)).
		WithValueThreshold(storeValueThreshold).WithBlockCacheSize(8 << 20)
}

// memTableSizeFor returns storeMemTableSize, or more for a store whose
// write-ahead logs are of larger memtables (an earlier version's, left
// by a crash): Badger replays each log into one memtable, and a log
// holds up to its memtable's size, half the file's (Badger sizes a log
// file at twice its memtable). Replaying 16 MiB into a 4 MiB memtable's
// arena would stop the process. Once those logs are flushed, the store
// opens with storeMemTableSize again.
func memTableSizeFor(dir string) int64 {
	size := int64(storeMemTableSize)
	logs, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	for _, l := range logs {
		if st, err := os.Stat(l); err == nil {
			size = max(size, st.Size()/2)
		}
	}
	return size
}

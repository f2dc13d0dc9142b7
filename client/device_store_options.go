package client

import "github.com/dgraph-io/badger/v4"

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
	return badger.DefaultOptions(dir).WithLogger(nil).WithMemTableSize(storeMemTableSize).
		WithValueThreshold(storeValueThreshold).WithBlockCacheSize(8 << 20)
}

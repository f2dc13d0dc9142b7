package client

import "github.com/dgraph-io/badger/v4"

// storeOptions returns the Badger options of a device's local store in
// dir.
func storeOptions(dir string) badger.Options {
	return badger.DefaultOptions(dir).WithLogger(nil).WithMemTableSize(16 << 20).WithBlockCacheSize(8 << 20)
}

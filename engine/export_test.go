package engine

import (
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// KeyCounts counts the database's keys and their key and value bytes by
// prefix (the part before the first "/"), for the ingest benchmark's
// keys-a-row report.
func KeyCounts(e *Engine) (keys map[string]int, keyBytes, valBytes map[string]int64) {
	keys, keyBytes, valBytes = map[string]int{}, map[string]int64{}, map[string]int64{}
	_ = e.Drain()
	txn := e.db.NewTransaction(false)
	defer txn.Discard()
	it := txn.NewIterator(badgerIterAll())
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		k := string(it.Item().Key())
		p, _, _ := strings.Cut(k, "/")
		keys[p]++
		keyBytes[p] += int64(len(k))
		valBytes[p] += it.Item().ValueSize()
	}
	return keys, keyBytes, valBytes
}

func badgerIterAll() badger.IteratorOptions { return badger.IteratorOptions{} }

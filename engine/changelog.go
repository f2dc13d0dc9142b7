package engine

import (
	"bytes"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// ChangeEntry is one change-log entry: the row's new image (Row.Deleted set
// for a tombstone) and the version of its previous image (0 if none).
type ChangeEntry struct {
	Row  codec.Row `msgpack:"r"`
	Prev uint64    `msgpack:"p"`
}

// Changes calls fn for each change to entity with a version above after, in
// version order (and id order within a version), stopping after limit
// entries when limit > 0 or when fn returns an error. The scan touches only
// those entries: its cost is O(changes), not O(rows).
func (e *Engine) Changes(entity string, after uint64, limit int, fn func(ChangeEntry) error) error {
	return e.db.View(func(txn *badger.Txn) error {
		prefix := changePrefix(entity)
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 64, Prefix: prefix})
		defer it.Close()
		n := 0
		for it.Seek(changeSeek(entity, after)); it.ValidForPrefix(prefix); it.Next() {
			var ce ChangeEntry
			if err := it.Item().Value(func(v []byte) error { return codec.Unmarshal(v, &ce) }); err != nil {
				return fmt.Errorf("read change %q: %w: %w", bytes.Clone(it.Item().Key()), ErrCorrupt, err)
			}
			if err := fn(ce); err != nil {
				return err
			}
			n++
			if limit > 0 && n >= limit {
				return nil
			}
		}
		return nil
	})
}

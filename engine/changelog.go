package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// ChangeEntry is one change-log entry: the row's new image (Row.Deleted set
// for a tombstone) and the version of its previous image (0 if none). From
// the version the partition logs start (partition.go) the previous image
// may be a tombstone; before it, Prev is 0 after a tombstone.
//
// Stored as the previous version (8 bytes, big-endian) followed by the
// row's msgpack, the very bytes stored under the row key, so a write
// encodes the row once.
type ChangeEntry struct {
	Row  codec.Row
	Prev uint64
}

// encodeChange builds a change-log value from an encoded row.
func encodeChange(prev uint64, row []byte) []byte {
	b := make([]byte, 8, 8+len(row))
	binary.BigEndian.PutUint64(b, prev)
	return append(b, row...)
}

// decodeChange parses a change-log value.
func decodeChange(b []byte, ce *ChangeEntry) error {
	if len(b) < 8 {
		return fmt.Errorf("decode change: %w", ErrCorrupt)
	}
	ce.Prev = binary.BigEndian.Uint64(b)
	if err := codec.Unmarshal(b[8:], &ce.Row); err != nil {
		return fmt.Errorf("decode change: %w: %w", ErrCorrupt, err)
	}
	return nil
}

// Changes calls fn for each change to entity with a version above after, in
// version order (and id order within a version), stopping after limit
// entries when limit > 0 or when fn returns an error. The scan touches only
// those entries: its cost is O(changes), not O(rows).
func (e *Engine) Changes(entity string, after uint64, limit int, fn func(ChangeEntry) error) error {
	return e.readTxn(func(txn *badger.Txn) error {
		prefix := changePrefix(entity)
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 64, Prefix: prefix})
		defer it.Close()
		n := 0
		for it.Seek(changeSeek(entity, after)); it.ValidForPrefix(prefix); it.Next() {
			var ce ChangeEntry
			if err := it.Item().Value(func(v []byte) error { return decodeChange(v, &ce) }); err != nil {
				return fmt.Errorf("read change %q: %w", bytes.Clone(it.Item().Key()), err)
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

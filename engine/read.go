package engine

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// Get returns the current row of entity with id. A deleted row is
// ErrNotFound.
func (e *Engine) Get(entity, id string) (codec.Row, error) {
	var r codec.Row
	if e.closed.Load() {
		return r, ErrClosed
	}
	if g, ok := CanonicalGUID(id); ok {
		id = g
	}
	err := e.readTxn(func(txn *badger.Txn) error {
		return getDecoded(txn, rowKey(entity, id), &r)
	})
	if err == nil && r.Deleted {
		err = ErrNotFound
	}
	if err != nil {
		return codec.Row{}, fmt.Errorf("get row: %w", err)
	}
	return r, nil
}

// Scan calls fn for each live row of entity, in id order.
func (e *Engine) Scan(entity string, fn func(codec.Row) error) error {
	return e.readTxn(func(txn *badger.Txn) error {
		prefix := rowPrefix(entity)
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var r codec.Row
			if err := it.Item().Value(func(v []byte) error { return codec.Unmarshal(v, &r) }); err != nil {
				return fmt.Errorf("scan %s: %w: %w", entity, ErrCorrupt, err)
			}
			if r.Deleted {
				continue
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// OwnedBy calls fn with the id of each live row of entity owned by owner.
func (e *Engine) OwnedBy(entity, owner string, fn func(id string) error) error {
	return e.readTxn(func(txn *badger.Txn) error {
		bu, err := ownerBusinessUnitIn(txn, owner)
		if errors.Is(err, ErrNotFound) {
			return nil // no such owner: it owns nothing
		}
		if err != nil {
			return err
		}
		prefix := ownerPrefix(entity, bu, owner)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := fn(string(it.Item().Key()[len(prefix):])); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reference is one lookup from a source row to a target row.
type Reference struct {
	Source, SourceID, Attribute string
}

// ReferencesTo calls fn for each live lookup that points at targetID.
func (e *Engine) ReferencesTo(targetID string, fn func(Reference) error) error {
	return e.readTxn(func(txn *badger.Txn) error {
		prefix := refPrefix(targetID)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var ref Reference
			if !splitRef(string(it.Item().Key()[len(prefix):]), &ref) {
				return fmt.Errorf("read reference %q: %w", it.Item().Key(), ErrCorrupt)
			}
			if err := fn(ref); err != nil {
				return err
			}
		}
		return nil
	})
}

// splitRef parses "{source}/{sourceId}/{attr}".
func splitRef(s string, ref *Reference) bool {
	var parts [3]string
	n := 0
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			if n == 3 {
				return false
			}
			parts[n] = s[start:i]
			n++
			start = i + 1
		}
	}
	if n != 3 {
		return false
	}
	ref.Source, ref.SourceID, ref.Attribute = parts[0], parts[1], parts[2]
	return true
}

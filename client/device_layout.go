package client

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// The store's layout. Layout 1 kept a modifiedon index entry
// (g{n}/w/{entity}/{modifiedon}/{id}) for every row. Layout 2 keeps them
// only for the entities a cutoff has reached: their generation holds the
// marker g{n}/i/{entity}, and then an entry for each of their rows and no
// other. An entity without a marker has no entries; its rows are written
// with no index, and without reading what they replace. The first cutoff
// for such an entity indexes the rows it has (rowWriter.ensureIndexed):
// entities that never have a window (accounts, contacts) cost one key a
// row instead of two.
//
// m/layout records the layout. A store without it that holds generations
// is of layout 1: every entity with index entries is marked (its index is
// complete), then m/layout is set. A new store records it with its first
// answer.
var keyLayout = []byte("m/layout")

// storeLayout is the layout this code writes.
const storeLayout = "2"

// markKey is the marker of an indexed entity in generation gen.
func markKey(gen, entity string) []byte { return []byte(gen + "i/" + entity) }

// upgradeLayout brings the store to storeLayout. It reports whether the
// store is new (no layout, no generations): the caller records the layout
// with its first write.
func (d *Device) upgradeLayout() (isNew bool, err error) {
	var layout string
	err = d.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(keyLayout)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error { layout = string(v); return nil })
	})
	if err != nil || layout == storeLayout {
		return false, err
	}
	if layout != "" {
		return false, fmt.Errorf("device store of layout %q, newer than this version's %s: %w", layout, storeLayout, ErrConfig)
	}
	gens, err := d.storedGenerations()
	if err != nil || len(gens) == 0 {
		return err == nil, err
	}
	w := d.newTxnWriter(true)
	defer w.discard()
	for _, g := range gens {
		entities, err := d.indexedEntities(genPrefix(g))
		if err != nil {
			return false, fmt.Errorf("upgrade device store: %w", err)
		}
		for _, e := range entities {
			k := markKey(genPrefix(g), e)
			if err := w.run(func(txn *badger.Txn) error { return txn.Set(k, nil) }); err != nil {
				return false, fmt.Errorf("upgrade device store: %w", err)
			}
		}
	}
	if err := w.run(func(txn *badger.Txn) error { return txn.Set(keyLayout, []byte(storeLayout)) }); err != nil {
		return false, fmt.Errorf("upgrade device store: %w", err)
	}
	if err := w.commit(); err != nil {
		return false, fmt.Errorf("upgrade device store: %w", err)
	}
	return false, nil
}

// indexedEntities lists the entities with modifiedon index entries in
// generation gen, seeking past each one's entries.
func (d *Device) indexedEntities(gen string) ([]string, error) {
	var out []string
	prefix := []byte(gen + "w/")
	err := d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			rest := it.Item().Key()[len(prefix):]
			end := bytes.IndexByte(rest, '/')
			if end < 0 {
				return fmt.Errorf("local key %q: not an index entry", it.Item().Key())
			}
			out = append(out, string(rest[:end]))
			// Past every "{entity}/" key: '0' sorts right after '/'.
			it.Seek(append(append(append([]byte(nil), prefix...), rest[:end]...), '0'))
		}
		return nil
	})
	return out, err
}

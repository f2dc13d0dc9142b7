package client

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/dgraph-io/badger/v4"
)

// The local store keeps rows in generations: g{n}/r/{entity}/{id}, the
// modifiedon index g{n}/w/... of the entities that have one and their
// markers g{n}/i/{entity} (device_layout.go), with m/gen naming the
// generation readers see. Readers read m/gen and the rows in one Badger transaction, so they
// see one generation as it was at one commit.
//
// A pull that fits one local transaction is applied to the current
// generation in it. Anything larger is written into a new generation,
// which no reader sees, over as many transactions as it needs, and m/gen
// switches to it in the transaction of the last write, with the cursor:
//
//   - a reset load (paged or not) fills an empty new generation, also
//     when it replaces a load the server gave up (that one is deleted
//     once the reset's first answer is in);
//   - a delta too big for one transaction, or one that comes in pages,
//     fills a copy of the current generation;
//   - m/loading names the generation while a paged load goes on; the
//     cursor stored with it is the next page's.
//
// The old generation is then deleted with ordinary transactions, so a
// reader still on it keeps its snapshot and no reader waits (Badger's
// DropPrefix would hold readers while it flushes). A crash in the middle
// leaves m/gen, the rows readers see and the cursor as they were; the
// next sync deletes any other generation and pulls the same changes again.
var (
	keyGen     = []byte("m/gen")
	keyLoading = []byte("m/loading")
)

func genPrefix(gen uint64) string { return "g" + strconv.FormatUint(gen, 10) + "/" }

func rowKey(gen, entity, id string) []byte { return []byte(gen + "r/" + entity + "/" + id) }

// generations reads the generation readers see and the one being loaded
// (0: none).
func (d *Device) generations() (cur, loading uint64, err error) {
	err = d.db.View(func(txn *badger.Txn) error {
		var e error
		if cur, e = readUint(txn, keyGen); e != nil {
			return e
		}
		loading, e = readUint(txn, keyLoading)
		return e
	})
	if err != nil {
		return 0, 0, fmt.Errorf("read generations: %w", err)
	}
	return cur, loading, nil
}

func readUint(txn *badger.Txn, key []byte) (uint64, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n uint64
	err = item.Value(func(v []byte) error {
		var perr error
		n, perr = strconv.ParseUint(string(v), 10, 64)
		return perr
	})
	return n, err
}

// storedGenerations lists the generations that hold keys, seeking past
// each one instead of reading its rows.
func (d *Device) storedGenerations() ([]uint64, error) {
	var gens []uint64
	err := d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("g")})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			k := it.Item().Key()
			end := bytes.IndexByte(k, '/')
			if end < 0 {
				return fmt.Errorf("local key %q: not in a generation", k)
			}
			g, err := strconv.ParseUint(string(k[1:end]), 10, 64)
			if err != nil {
				return fmt.Errorf("local key %q: not in a generation", k)
			}
			gens = append(gens, g)
			// Past every "g{n}/" key: '0' sorts right after '/'.
			it.Seek(append(append([]byte(nil), k[:end]...), '0'))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list generations: %w", err)
	}
	return gens, nil
}

// dropStale deletes every generation but cur and loading: what a sync
// cut short (a crash, a failed write) left behind.
func (d *Device) dropStale(cur, loading uint64) error {
	gens, err := d.storedGenerations()
	if err != nil {
		return err
	}
	for _, g := range gens {
		if g != cur && (loading == 0 || g != loading) {
			if err := d.clearGen(g); err != nil {
				return err
			}
		}
	}
	return nil
}

// clearGen deletes every key of generation gen.
func (d *Device) clearGen(gen uint64) error {
	if err := d.eachKey(gen, false, func(w *txnWriter, k, _ []byte) error {
		return w.run(func(txn *badger.Txn) error { return txn.Delete(k) })
	}); err != nil {
		return fmt.Errorf("delete generation %d: %w", gen, err)
	}
	return nil
}

// copyGen copies every key of generation from (rows and index) into
// generation to, which must be empty.
func (d *Device) copyGen(from, to uint64) error {
	p := genPrefix(to)
	if err := d.eachKey(from, true, func(w *txnWriter, k, v []byte) error {
		nk := append([]byte(p), k[len(genPrefix(from)):]...)
		return w.run(func(txn *badger.Txn) error { return txn.Set(nk, v) })
	}); err != nil {
		return fmt.Errorf("copy generation %d: %w", from, err)
	}
	return nil
}

// eachKey calls fn with a copy of each key of generation gen (and of its
// value, if asked), as of one snapshot, and a writer that splits as
// needed.
func (d *Device) eachKey(gen uint64, values bool, fn func(w *txnWriter, k, v []byte) error) error {
	w := d.newTxnWriter(true)
	defer w.discard()
	err := d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(genPrefix(gen)), PrefetchValues: values})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var v []byte
			if values {
				var err error
				if v, err = it.Item().ValueCopy(nil); err != nil {
					return err
				}
			}
			if err := fn(w, it.Item().KeyCopy(nil), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.commit()
}

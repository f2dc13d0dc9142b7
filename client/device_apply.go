package client

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// apply applies one pull answer so that readers see the state before it
// or after it, never part of it (see device_generations.go): in one
// transaction on the current generation when it fits one and is not a
// page of a longer answer, else in a new generation, switched to with the
// last write. A reset starts from an empty generation.
func (d *Device) apply(res codec.PullResponse) (upserts, removals int, err error) {
	return d.applyWith(res, nil)
}

// applyWith is apply that also runs also (when not nil) in the
// transaction that stores the cursor: the shared pages left of a first
// load are recorded with the answer or page that leaves them, in one
// commit instead of two (device_pages.go).
func (d *Device) applyWith(res codec.PullResponse, also func(*badger.Txn) error) (upserts, removals int, err error) {
	return d.applyEncoded(res, nil, also)
}

// applyEncoded is applyWith of an answer whose upserts pre holds encoded
// ahead (nil: none; device_encode_ahead.go).
func (d *Device) applyEncoded(res codec.PullResponse, pre *encodedRows, also func(*badger.Txn) error) (upserts, removals int, err error) {
	return d.applyJoined(res, pre, also, nil)
}

// applyJoined is applyEncoded that also writes join (when not nil: the
// answer's first shared page, device_pages_join.go) after the answer's
// rows, in the same transactions; when it is written, the pages left
// after it are recorded instead of also, and the last page switches
// readers.
func (d *Device) applyJoined(res codec.PullResponse, pre *encodedRows, also func(*badger.Txn) error, join *joinedPage) (upserts, removals int, err error) {
	isNew, err := d.upgradeLayout()
	if err != nil {
		return 0, 0, err
	}
	cur, loading, err := d.generations()
	if err != nil {
		return 0, 0, err
	}
	// The endpoints, when they changed (the first load's answers
	// taught the node that answers), are recorded with the cursor, not
	// in a commit of their own after the sync (saveEndpoints).
	eps := d.eps.takeDirty()
	// So is the metadata fetched for the dictionary (device_dict.go).
	md := d.takeUnsavedMetadata()
	defer func() {
		if err != nil && eps {
			d.eps.markDirty()
		}
		if err != nil && md != nil {
			d.putBackMetadata(md)
		}
	}()
	refs, err := guidRefs(res.Refs)
	if err != nil {
		return 0, 0, err
	}
	// last says whether the write switches readers to its generation:
	// the answer is not a page of a longer one, or its join was the
	// last page.
	last := !res.More
	// write writes the pull into generation target through w, and last
	// the cursor; into a generation readers do not see, also the switch
	// to it (or, while pages follow, m/loading).
	write := func(w *txnWriter, target uint64) error {
		var err error
		// Only a reset writes into a generation it found empty.
		rw := newRowWriter(w, genPrefix(target), res.Reset)
		upserts, removals, err = rw.writePull(res, refs, pre)
		if err != nil {
			return err
		}
		more, also := res.More, also
		if join != nil {
			joined, err := join.write(rw)
			if err != nil {
				return err
			}
			if joined {
				more, also = len(join.rest) > 0, recordPagesLeft(join.left())
			}
		}
		last = !more
		return w.run(func(txn *badger.Txn) error {
			if err := d.recordApp(txn); err != nil {
				return err
			}
			if isNew {
				if err := txn.Set(keyLayout, []byte(storeLayout)); err != nil {
					return err
				}
			}
			switch {
			case target == cur:
			case more:
				if err := txn.Set(keyLoading, []byte(strconv.FormatUint(target, 10))); err != nil {
					return err
				}
			default:
				if err := txn.Set(keyGen, []byte(strconv.FormatUint(target, 10))); err != nil {
					return err
				}
				if err := txn.Delete(keyLoading); err != nil {
					return err
				}
			}
			if also != nil {
				if err := also(txn); err != nil {
					return err
				}
			}
			if eps {
				if err := d.eps.record(txn); err != nil {
					return err
				}
			}
			if md != nil {
				if err := txn.Set(keyMetadata, md); err != nil {
					return err
				}
			}
			return txn.Set(keyCursor, []byte(res.Cursor))
		})
	}
	target := cur
	switch {
	case res.Reset:
		// A new generation, also when a load is under way: the one it
		// fills stays named, with its cursor, until this answer commits.
		target = max(cur, loading) + 1
		if err = d.clearGen(target); err == nil {
			err = d.writeSplit(target, write)
		}
		if err == nil && loading != 0 {
			err = d.clearGen(loading) // the load the server gave up
		}
	case loading != 0: // the next page of a load
		target = loading
		err = d.writeSplit(target, write)
	default:
		if !res.More {
			w := d.newTxnWriter(false)
			err = write(w, cur)
			if err == nil {
				err = w.commit()
			}
			w.discard()
			if !errors.Is(err, badger.ErrTxnTooBig) {
				break
			}
		}
		// Too big for one transaction, or the first of several pages:
		// apply it to a copy of the current generation.
		target = cur + 1
		if err = d.clearGen(target); err == nil {
			if err = d.copyGen(cur, target); err == nil {
				err = d.writeSplit(target, write)
			}
		}
	}
	if err != nil {
		return 0, 0, fmt.Errorf("apply pull: %w", err)
	}
	d.appRecorded()
	if target != cur && last {
		if err := d.clearGen(cur); err != nil {
			return upserts, removals, fmt.Errorf("drop old rows: %w", err)
		}
	}
	return upserts, removals, nil
}

// writeSplit runs write into generation target, which readers do not see,
// over as many transactions as it needs.
func (d *Device) writeSplit(target uint64, write func(*txnWriter, uint64) error) error {
	w := d.newTxnWriter(true)
	defer w.discard()
	if err := write(w, target); err != nil {
		return err
	}
	return w.commit()
}

// The local store keeps each row under r/{entity}/{id} and, for an entity
// a window cutoff has reached (device_layout.go), a modifiedon index under
// w/{entity}/{modifiedon}/{id}, so a cutoff deletes only the rows that
// aged out, without reading the others.

func modKey(gen, entity string, modifiedOn int64, id string) []byte {
	k := append([]byte(gen+"w/"+entity+"/"), make([]byte, 8)...)
	binary.BigEndian.PutUint64(k[len(k)-8:], uint64(modifiedOn)^(1<<63))
	return append(append(k, '/'), id...)
}

// readRow returns the local row, or nil.
func readRow(txn *badger.Txn, gen, entity, id string) (*Row, error) {
	item, err := txn.Get(rowKey(gen, entity, id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r Row
	if err := item.Value(func(v []byte) error { return decodeLocalRow(v, &r) }); err != nil {
		return nil, fmt.Errorf("read local row: %w", err)
	}
	return &r, nil
}

// patchedAttrs returns the attributes of held (nil: none) with a patch's
// applied: the patched columns are replaced by its values (absent: nil
// clears one).
func patchedAttrs(held *Row, patch map[string]any, cols []string) map[string]any {
	attrs := map[string]any{}
	if held != nil {
		for k, v := range held.Attrs {
			attrs[k] = v
		}
	}
	for _, c := range cols {
		delete(attrs, c)
	}
	for k, v := range patch {
		attrs[k] = v
	}
	if len(attrs) == 0 {
		return nil
	}
	return attrs
}

// deleteRow deletes a row and its index entry.
func deleteRow(txn *badger.Txn, gen, entity, id string) error {
	old, err := readRow(txn, gen, entity, id)
	if err != nil || old == nil {
		return err
	}
	if err := txn.Delete(modKey(gen, entity, old.ModifiedOn, id)); err != nil {
		return err
	}
	return txn.Delete(rowKey(gen, entity, id))
}

// dropOlder deletes the entity's rows modified before cutoff, walking the
// modifiedon index only as far as the cutoff.
func dropOlder(txn *badger.Txn, gen, entity string, cutoff int64) error {
	prefix := []byte(gen + "w/" + entity + "/")
	end := modKey(gen, entity, cutoff, "")
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	var old [][]byte
	for it.Rewind(); it.Valid() && bytes.Compare(it.Item().Key(), end) < 0; it.Next() {
		old = append(old, it.Item().KeyCopy(nil))
	}
	it.Close()
	for _, k := range old {
		id := string(k[len(prefix)+9:])
		if err := txn.Delete(k); err != nil {
			return err
		}
		if err := txn.Delete(rowKey(gen, entity, id)); err != nil {
			return err
		}
	}
	return nil
}

// decodeWireRow turns [id, owner ref, bu ref, createdon, modifiedon,
// version, values...] into a Row; 16-byte binary values are GUIDs.
func decodeWireRow(w []any, cols []string, refs []string) (Row, error) {
	bad := func(what string) (Row, error) {
		return Row{}, fmt.Errorf("decode row: %s: %w", what, ErrResponse)
	}
	h, err := decodeWireHead(w, len(cols), refs)
	if err != nil {
		return Row{}, err
	}
	r := Row{OwnerID: h.owner, OwningBusinessUnit: h.businessUnit, CreatedOn: h.createdOn, ModifiedOn: h.modifiedOn, Version: h.version}
	if r.ID, err = codec.GUIDString(h.id[:]); err != nil {
		return bad("id")
	}
	for i, col := range cols {
		val := w[6+i]
		switch x := val.(type) {
		case nil:
			continue
		case []byte:
			if val, err = codec.GUIDString(x); err != nil {
				return bad("guid value of " + col)
			}
		case float32:
			val = float64(x)
		default:
			if n, ok := codec.AsInt64(val); ok {
				val = n
			}
		}
		if r.Attrs == nil {
			r.Attrs = map[string]any{}
		}
		r.Attrs[col] = val
	}
	return r, nil
}

// Rows calls fn for each local row of entity, in id order.
func (d *Device) Rows(entity string, fn func(Row) error) error {
	return d.db.View(func(txn *badger.Txn) error {
		cur, err := readUint(txn, keyGen)
		if err != nil {
			return err
		}
		prefix := []byte(genPrefix(cur) + "r/" + entity + "/")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var r Row
			if err := it.Item().Value(func(v []byte) error { return decodeLocalRow(v, &r) }); err != nil {
				return fmt.Errorf("read local row: %w", err)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// Counts returns how many rows the device holds per entity.
func (d *Device) Counts() (map[string]int, error) {
	out := map[string]int{}
	err := d.db.View(func(txn *badger.Txn) error {
		cur, err := readUint(txn, keyGen)
		if err != nil {
			return err
		}
		prefix := []byte(genPrefix(cur) + "r/")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			entity, _, _ := strings.Cut(string(it.Item().Key()[len(prefix):]), "/")
			out[entity]++
		}
		return nil
	})
	return out, err
}

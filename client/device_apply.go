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

// apply applies one pull answer in one local transaction (several for an
// answer too big for one: see applyChunked). A reset first drops every
// row.
func (d *Device) apply(res codec.PullResponse) (upserts, removals int, err error) {
	cur, loading, err := d.generations()
	if err != nil {
		return 0, 0, err
	}
	target := cur
	switch {
	case res.Reset:
		target = cur + 1
		// A load that was cut short may have left rows there.
		if err := d.db.DropPrefix([]byte(genPrefix(target))); err != nil {
			return 0, 0, fmt.Errorf("reset store: %w", err)
		}
	case loading != 0:
		target = loading
	}
	g := genPrefix(target)
	refs := make([]string, len(res.Refs))
	for i, b := range res.Refs {
		if refs[i], err = codec.GUIDString(b); err != nil {
			return 0, 0, fmt.Errorf("decode refs: %w: %w", ErrResponse, err)
		}
	}
	// body writes the pull through run, which runs each write in the
	// current transaction.
	body := func(run func(func(*badger.Txn) error) error) error {
		upserts, removals = 0, 0
		for _, ec := range res.Entities {
			for _, b := range ec.Removals {
				id, err := codec.GUIDString(b)
				if err != nil {
					return fmt.Errorf("decode removal: %w: %w", ErrResponse, err)
				}
				if err := run(func(txn *badger.Txn) error { return deleteRow(txn, g, ec.Entity, id) }); err != nil {
					return err
				}
				removals++
			}
			for _, w := range ec.Rows {
				row, err := decodeWireRow(w, ec.Columns, refs)
				if err != nil {
					return err
				}
				if err := run(func(txn *badger.Txn) error { return putRow(txn, g, ec.Entity, &row) }); err != nil {
					return err
				}
				upserts++
			}
			for _, w := range ec.Patches {
				if err := run(func(txn *badger.Txn) error { return patchRow(txn, g, ec.Entity, w, ec.PatchColumns, refs) }); err != nil {
					return err
				}
				upserts++
			}
			// Last: a patch may bring a held row back into the window.
			if ec.Cutoff != 0 {
				if err := run(func(txn *badger.Txn) error { return dropOlder(txn, g, ec.Entity, ec.Cutoff) }); err != nil {
					return err
				}
			}
		}
		return run(func(txn *badger.Txn) error {
			switch {
			case target == cur:
			case res.More: // a reset load goes on: readers keep the old rows
				if err := txn.Set(keyLoading, []byte(strconv.FormatUint(target, 10))); err != nil {
					return err
				}
			default: // its last page: switch generations with it
				if err := txn.Set(keyGen, []byte(strconv.FormatUint(target, 10))); err != nil {
					return err
				}
				if err := txn.Delete(keyLoading); err != nil {
					return err
				}
			}
			return txn.Set(keyCursor, []byte(res.Cursor))
		})
	}
	err = d.db.Update(func(txn *badger.Txn) error {
		return body(func(op func(*badger.Txn) error) error { return op(txn) })
	})
	if errors.Is(err, badger.ErrTxnTooBig) {
		err = d.applyChunked(body)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("apply pull: %w", err)
	}
	if target != cur && !res.More {
		if err := d.db.DropPrefix([]byte(genPrefix(cur))); err != nil {
			return upserts, removals, fmt.Errorf("drop old rows: %w", err)
		}
	}
	return upserts, removals, nil
}

// applyChunked runs body across as many transactions as its writes need:
// for a pull too big for one (a delta of tens of thousands of rows).
// Readers may then see part of it until it is done; the cursor is written
// last, so after a crash the next sync pulls the same changes again.
func (d *Device) applyChunked(body func(run func(func(*badger.Txn) error) error) error) error {
	txn := d.db.NewTransaction(true)
	defer func() { txn.Discard() }()
	err := body(func(op func(*badger.Txn) error) error {
		err := op(txn)
		if !errors.Is(err, badger.ErrTxnTooBig) {
			return err
		}
		if err := txn.Commit(); err != nil {
			return err
		}
		txn = d.db.NewTransaction(true)
		return op(txn)
	})
	if err != nil {
		return err
	}
	return txn.Commit()
}

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
	return cur, loading, err
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

// The local store keeps each row under r/{entity}/{id} and a modifiedon
// index under w/{entity}/{modifiedon}/{id}, so a window cutoff deletes
// only the rows that aged out, without reading the others.

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
	if err := item.Value(func(v []byte) error { return codec.Unmarshal(v, &r) }); err != nil {
		return nil, fmt.Errorf("read local row: %w", err)
	}
	return &r, nil
}

// putRow stores a row and keeps its modifiedon index.
func putRow(txn *badger.Txn, gen, entity string, row *Row) error {
	old, err := readRow(txn, gen, entity, row.ID)
	if err != nil {
		return err
	}
	if old != nil && old.ModifiedOn != row.ModifiedOn {
		if err := txn.Delete(modKey(gen, entity, old.ModifiedOn, row.ID)); err != nil {
			return err
		}
	}
	b, err := codec.Marshal(row)
	if err != nil {
		return err
	}
	if err := txn.Set(rowKey(gen, entity, row.ID), b); err != nil {
		return err
	}
	return txn.Set(modKey(gen, entity, row.ModifiedOn, row.ID), nil)
}

// patchRow merges a patch into the held row: system fields and the
// patched attributes (nil clears one).
func patchRow(txn *badger.Txn, gen, entity string, w []any, cols, refs []string) error {
	p, err := decodeWireRow(w, cols, refs)
	if err != nil {
		return err
	}
	held, err := readRow(txn, gen, entity, p.ID)
	if err != nil {
		return err
	}
	attrs := map[string]any{}
	if held != nil {
		for k, v := range held.Attrs {
			attrs[k] = v
		}
	}
	for _, c := range cols {
		delete(attrs, c)
	}
	for k, v := range p.Attrs {
		attrs[k] = v
	}
	if len(attrs) == 0 {
		attrs = nil
	}
	p.Attrs = attrs
	return putRow(txn, gen, entity, &p)
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
	if len(w) != 6+len(cols) {
		return bad("wrong number of fields")
	}
	var r Row
	idb, ok := w[0].([]byte)
	if !ok {
		return bad("id")
	}
	var err error
	if r.ID, err = codec.GUIDString(idb); err != nil {
		return bad("id")
	}
	for i, dst := range []*string{&r.OwnerID, &r.OwningBusinessUnit} {
		n, ok := codec.AsInt64(w[1+i])
		if !ok || n >= int64(len(refs)) || n < -1 {
			return bad("ref")
		}
		if n >= 0 {
			*dst = refs[n]
		}
	}
	c, ok1 := codec.AsInt64(w[3])
	m, ok2 := codec.AsInt64(w[4])
	v, ok3 := codec.AsInt64(w[5])
	if !ok1 || !ok2 || !ok3 {
		return bad("system field")
	}
	r.CreatedOn, r.ModifiedOn, r.Version = c, m, uint64(v)
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
			if err := it.Item().Value(func(v []byte) error { return codec.Unmarshal(v, &r) }); err != nil {
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

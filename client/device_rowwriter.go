package client

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// rowWriter writes the rows of pull answers into one generation through a
// txnWriter: each row under r/{entity}/{id} and, for an indexed entity
// (device_layout.go), its modifiedon index entry (see modKey).
//
// Upserts are encoded straight from the wire (appendWireRow), with their
// keys and values cut from a few large buffers rather than allocated one
// by one. To keep the index, an upsert must know the modifiedon the row
// had: a rowWriter into a generation that was empty when it started, and
// that only it writes (a reset's), knows it without reading, since it
// keeps the modifiedon of every row of an indexed entity it wrote (fresh);
// it then also applies a cutoff from that record, without walking the
// index. Any other reads the stored row's modifiedon alone
// (localModifiedOn). Rows of entities that are not indexed are written
// without reading anything.
type rowWriter struct {
	w   *txnWriter
	gen string
	// wrote is, for a fresh writer, the modifiedon of each row of an
	// indexed entity it wrote, by entity and id; nil otherwise.
	wrote map[string]map[[16]byte]int64
	// indexed says which entities are indexed, as far as looked up.
	indexed map[string]bool
	buf     []byte // the current slab keys and values are cut from
	enc     []byte // scratch for one encoded row
}

// slabSize is the size of the buffers a rowWriter cuts keys and values
// from: a Badger transaction holds them until it commits.
const slabSize = 64 << 10

func newRowWriter(w *txnWriter, gen string, fresh bool) *rowWriter {
	rw := &rowWriter{w: w, gen: gen, indexed: map[string]bool{}}
	if fresh {
		rw.wrote = map[string]map[[16]byte]int64{}
	}
	return rw
}

// keep copies b into the slab and returns the copy.
func (rw *rowWriter) keep(b []byte) []byte {
	if len(b) > cap(rw.buf)-len(rw.buf) {
		rw.buf = make([]byte, 0, max(slabSize, len(b)))
	}
	n := len(rw.buf)
	rw.buf = append(rw.buf, b...)
	return rw.buf[n:len(rw.buf):len(rw.buf)]
}

// rowKeyOf and modKeyOf are rowKey and modKey of a binary id, in the slab.
func (rw *rowWriter) rowKeyOf(entity string, id []byte) []byte {
	k := append(append(append(append(rw.enc[:0], rw.gen...), "r/"...), entity...), '/')
	rw.enc = appendGUIDText(k, id)
	return rw.keep(rw.enc)
}

func (rw *rowWriter) modKeyOf(entity string, modifiedOn int64, id []byte) []byte {
	k := append(append(append(append(rw.enc[:0], rw.gen...), "w/"...), entity...), '/')
	k = binary.BigEndian.AppendUint64(k, uint64(modifiedOn)^(1<<63))
	rw.enc = appendGUIDText(append(k, '/'), id)
	return rw.keep(rw.enc)
}

// heldModifiedOn returns the modifiedon of the row id holds in the
// generation as txn sees it.
func (rw *rowWriter) heldModifiedOn(txn *badger.Txn, entity string, id [16]byte, rowKey []byte) (int64, bool, error) {
	if rw.wrote != nil {
		m, ok := rw.wrote[entity][id]
		return m, ok, nil
	}
	item, err := txn.Get(rowKey)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	var m int64
	if err := item.Value(func(v []byte) (err error) { m, err = localModifiedOn(v); return err }); err != nil {
		return 0, false, fmt.Errorf("read local row: %w", err)
	}
	return m, true, nil
}

// noted records, for a fresh writer, the row it wrote (or, with gone,
// deleted).
func (rw *rowWriter) noted(entity string, id [16]byte, modifiedOn int64, gone bool) {
	if rw.wrote == nil {
		return
	}
	m := rw.wrote[entity]
	if m == nil {
		m = map[[16]byte]int64{}
		rw.wrote[entity] = m
	}
	if gone {
		delete(m, id)
	} else {
		m[id] = modifiedOn
	}
}

// put writes a row already encoded (v) and its index entry, deleting the
// entry of the modifiedon it had.
func (rw *rowWriter) put(entity string, id [16]byte, modifiedOn int64, v []byte) error {
	rk := rw.rowKeyOf(entity, id[:])
	indexed, err := rw.isIndexed(entity)
	if err != nil {
		return err
	}
	if !indexed {
		return rw.w.run(func(txn *badger.Txn) error { return txn.Set(rk, v) })
	}
	mk := rw.modKeyOf(entity, modifiedOn, id[:])
	err = rw.w.run(func(txn *badger.Txn) error {
		old, held, err := rw.heldModifiedOn(txn, entity, id, rk)
		if err != nil {
			return err
		}
		if held && old != modifiedOn {
			if err := txn.Delete(rw.modKeyOf(entity, old, id[:])); err != nil {
				return err
			}
		}
		if err := txn.Set(rk, v); err != nil {
			return err
		}
		return txn.Set(mk, nil)
	})
	if err == nil {
		rw.noted(entity, id, modifiedOn, false)
	}
	return err
}

// upsert writes one wire row.
func (rw *rowWriter) upsert(entity string, cols *wireCols, w []any, refs []string) error {
	if cols.dup {
		row, err := decodeWireRow(w, cols.names, refs)
		if err != nil {
			return err
		}
		return rw.putRow(entity, &row)
	}
	h, err := decodeWireHead(w, len(cols.names), refs)
	if err != nil {
		return err
	}
	if rw.enc, err = appendWireRow(rw.enc[:0], &h, w, cols); err != nil {
		return err
	}
	return rw.put(entity, h.id, h.modifiedOn, rw.keep(rw.enc))
}

// putRow writes a decoded row.
func (rw *rowWriter) putRow(entity string, row *Row) error {
	id, err := guidBytes(row.ID)
	if err != nil {
		return err
	}
	b, err := encodeLocalRow(row)
	if err != nil {
		return err
	}
	return rw.put(entity, id, row.ModifiedOn, b)
}

// guidBytes parses a GUID's text (a decoded row's id).
func guidBytes(s string) ([16]byte, error) {
	b, err := codec.GUIDBytes(s)
	if err != nil {
		return [16]byte{}, fmt.Errorf("decode row: id: %w: %w", ErrResponse, err)
	}
	return [16]byte(b), nil
}

// patch merges a patch into the held row: system fields and the patched
// attributes (nil clears one).
func (rw *rowWriter) patch(entity string, w []any, cols, refs []string) error {
	p, err := decodeWireRow(w, cols, refs)
	if err != nil {
		return err
	}
	held, err := readRow(rw.w.txn, rw.gen, entity, p.ID)
	if err != nil {
		return err
	}
	p.Attrs = patchedAttrs(held, p.Attrs, cols)
	return rw.putRow(entity, &p)
}

// remove deletes a row and its index entry.
func (rw *rowWriter) remove(entity string, idb []byte) error {
	id, err := codec.GUIDString(idb)
	if err != nil {
		return fmt.Errorf("decode removal: %w: %w", ErrResponse, err)
	}
	indexed, err := rw.isIndexed(entity)
	if err != nil {
		return err
	}
	if !indexed {
		rk := rowKey(rw.gen, entity, id)
		return rw.w.run(func(txn *badger.Txn) error { return txn.Delete(rk) })
	}
	if err := rw.w.run(func(txn *badger.Txn) error { return deleteRow(txn, rw.gen, entity, id) }); err != nil {
		return err
	}
	rw.noted(entity, [16]byte(idb), 0, true)
	return nil
}

// isIndexed says whether the entity is indexed in the generation: a
// fresh writer's generation starts with none.
func (rw *rowWriter) isIndexed(entity string) (bool, error) {
	if ix, ok := rw.indexed[entity]; ok {
		return ix, nil
	}
	ix := false
	if rw.wrote == nil {
		_, err := rw.w.txn.Get(markKey(rw.gen, entity))
		if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
			return false, fmt.Errorf("read index marker: %w", err)
		}
		ix = err == nil
	}
	rw.indexed[entity] = ix
	return ix, nil
}

// ensureIndexed indexes the entity if it is not: an entry for each of its
// rows, then its marker.
func (rw *rowWriter) ensureIndexed(entity string) error {
	if ix, err := rw.isIndexed(entity); err != nil || ix {
		return err
	}
	type held struct {
		id  [16]byte
		mod int64
	}
	var rows []held
	prefix := []byte(rw.gen + "r/" + entity + "/")
	it := rw.w.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	for it.Rewind(); it.Valid(); it.Next() {
		id, err := guidBytes(string(it.Item().Key()[len(prefix):]))
		if err == nil {
			var h held
			h.id = id
			err = it.Item().Value(func(v []byte) (err error) { h.mod, err = localModifiedOn(v); return err })
			rows = append(rows, h)
		}
		if err != nil {
			it.Close()
			return fmt.Errorf("index %s: %w", entity, err)
		}
	}
	it.Close()
	for _, h := range rows {
		mk := rw.modKeyOf(entity, h.mod, h.id[:])
		if err := rw.w.run(func(txn *badger.Txn) error { return txn.Set(mk, nil) }); err != nil {
			return err
		}
		rw.noted(entity, h.id, h.mod, false)
	}
	mark := markKey(rw.gen, entity)
	if err := rw.w.run(func(txn *badger.Txn) error { return txn.Set(mark, nil) }); err != nil {
		return err
	}
	rw.indexed[entity] = true
	return nil
}

// cut deletes the entity's rows modified before cutoff.
func (rw *rowWriter) cut(entity string, cutoff int64) error {
	if err := rw.ensureIndexed(entity); err != nil {
		return err
	}
	if rw.wrote == nil {
		return rw.w.run(func(txn *badger.Txn) error { return dropOlder(txn, rw.gen, entity, cutoff) })
	}
	var old [][16]byte
	for id, m := range rw.wrote[entity] {
		if m < cutoff {
			old = append(old, id)
		}
	}
	sort.Slice(old, func(i, j int) bool { return string(old[i][:]) < string(old[j][:]) })
	for _, id := range old {
		m := rw.wrote[entity][id]
		rk, mk := rw.rowKeyOf(entity, id[:]), rw.modKeyOf(entity, m, id[:])
		if err := rw.w.run(func(txn *badger.Txn) error {
			if err := txn.Delete(mk); err != nil {
				return err
			}
			return txn.Delete(rk)
		}); err != nil {
			return err
		}
		rw.noted(entity, id, 0, true)
	}
	return nil
}

// writePull writes the rows of a pull answer; pre, when not nil, holds
// its upserts encoded ahead (device_encode_ahead.go).
func (rw *rowWriter) writePull(res codec.PullResponse, refs []string, pre *encodedRows) (upserts, removals int, err error) {
	for ei, ec := range res.Entities {
		if ec.Cutoff != 0 {
			// Indexed first, so that its rows below are written with
			// their entries.
			if err := rw.ensureIndexed(ec.Entity); err != nil {
				return 0, 0, err
			}
		}
		for _, b := range ec.Removals {
			if err := rw.remove(ec.Entity, b); err != nil {
				return 0, 0, err
			}
			removals++
		}
		var cols *wireCols // the ordinary path's, once a row takes it
		for i, w := range ec.Rows {
			// Encoded ahead, or as the ordinary path encodes it.
			if r, ok := pre.row(ei, i); ok {
				err = rw.put(ec.Entity, r.id, r.mod, r.v)
			} else {
				if cols == nil {
					c := newWireCols(ec.Columns)
					cols = &c
				}
				err = rw.upsert(ec.Entity, cols, w, refs)
			}
			if err != nil {
				return 0, 0, err
			}
			upserts++
		}
		for _, p := range ec.Patches {
			if err := rw.patch(ec.Entity, p, ec.PatchColumns, refs); err != nil {
				return 0, 0, err
			}
			upserts++
		}
		// Last: a patch may bring a held row back into the window.
		if ec.Cutoff != 0 {
			if err := rw.cut(ec.Entity, ec.Cutoff); err != nil {
				return 0, 0, err
			}
		}
	}
	return upserts, removals, nil
}

package engine

import (
	"cmp"
	"encoding/binary"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// scanHead reads the log at head in Badger: its entries above v0.
func scanHead(t *testing.T, e *Engine, head string, v0 uint64) []logEntry {
	t.Helper()
	var prefix []byte
	if entity, scope, ok := strings.Cut(head, "/"); ok {
		prefix = partitionPrefix(entity, scope)
	} else {
		prefix = changePrefix(head)
	}
	var out []logEntry
	err := e.readTxn(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			k := it.Item().Key()
			v := binary.BigEndian.Uint64(k[len(prefix):])
			if v <= v0 {
				continue
			}
			val, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if prefix[0] == 'p' {
				err = decodePartEntries(val, func(id string, prev uint64) error {
					out = append(out, logEntry{version: v, prev: prev, id: id})
					return nil
				})
				if err != nil {
					return err
				}
				continue
			}
			out = append(out, logEntry{version: v, prev: binary.BigEndian.Uint64(val), id: string(k[len(prefix)+9:])})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLogTailsMatchTheLogs is a model test of the tails: after random
// ingests applied in random batches (pipelined or not), with a reopen now
// and then, every tail that claims to reach back to a version holds
// exactly the entries Badger holds above it, in order.
func TestLogTailsMatchTheLogs(t *testing.T) {
	s := seed(t)
	rng := rand.New(rand.NewSource(s))
	// Small entity tails, so that they drop versions (and their index
	// entries) as the partition tails do.
	old := tailEntityCap
	tailEntityCap = 48
	t.Cleanup(func() { tailEntityCap = old })
	e, dir := openTest(t)
	cmds := append(setupCommands(), randomCommands(rng, 240)...)
	checked := 0
	for i := 0; i < len(cmds); {
		n := 1 + rng.Intn(8)
		var batch []Entry
		for j := i; j < i+n && j < len(cmds); j++ {
			batch = append(batch, Entry{Version: uint64(j + 1), Cmd: cmds[j]})
		}
		var err error
		if rng.Intn(2) == 0 {
			_, err = e.ApplyPipelined(batch)
		} else {
			_, err = e.ApplyBatch(batch)
		}
		if err != nil {
			t.Fatal(err)
		}
		i += len(batch)
		if err := e.Drain(); err != nil {
			t.Fatal(err)
		}
		if rng.Intn(30) == 0 {
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			var err error
			if e, err = Open(testConfig(dir)); err != nil {
				t.Fatal(err)
			}
		}
		v1 := e.Applied()
		e.notes.mu.Lock()
		heads := make([]string, 0, len(e.notes.tails))
		for h := range e.notes.tails {
			heads = append(heads, h)
		}
		e.notes.mu.Unlock()
		slices.Sort(heads)
		for _, h := range heads {
			v0 := uint64(rng.Int63n(int64(v1) + 1))
			tail, ok := e.logTail(h, v0, v1)
			if !ok {
				continue
			}
			checked++
			// Within a version the log is in id order and the tail in
			// write order, with a row written twice by one command
			// there twice: a delta reads them as the same set.
			tail = sortedEntries(tail)
			for i := range tail {
				tail[i].row = nil
			}
			tail = slices.Compact(tail)
			want := scanHead(t, e, h, v0)
			if len(tail) != len(want) {
				t.Fatalf("seed %d: %s above %d: tail has %d entries, the log %d", s, h, v0, len(tail), len(want))
			}
			for k := range want {
				if tail[k].version != want[k].version || tail[k].id != want[k].id || tail[k].prev != want[k].prev {
					t.Fatalf("seed %d: %s above %d: entry %d is %+v in the tail, %+v in the log", s, h, v0, k, tail[k], want[k])
				}
			}
			if strings.Contains(h, "/") {
				continue
			}
			// An entity's tail: its images are the change log's, and the
			// last one up to v1 is the stored row.
			for _, le := range want {
				en, ok := e.logTailImageCheck(t, h, le)
				if !ok {
					t.Fatalf("seed %d: %s %s@%d: the tail has no image", s, h, le.id, le.version)
				}
				_ = en
			}
			for _, le := range want {
				row, written, known := e.tailCurrent(h, le.id, v0, v1)
				if !known || !written {
					t.Fatalf("seed %d: %s %s written at %d in (%d, %d]: tailCurrent says written %v, known %v", s, h, le.id, le.version, v0, v1, written, known)
				}
				stored := readStored(t, e, h, le.id)
				if !reflect.DeepEqual(*row, stored) {
					t.Fatalf("seed %d: %s %s: tail image %+v, stored %+v", s, h, le.id, *row, stored)
				}
			}
		}
	}
	t.Cleanup(func() { e.Close() })
	if checked < 50 {
		t.Fatalf("only %d tails were checked", checked)
	}
}

// logTailImageCheck compares the tail's entry for le with the change
// log's.
func (e *Engine) logTailImageCheck(t *testing.T, entity string, le logEntry) (logEntry, bool) {
	t.Helper()
	en, ok := e.tailImage(entity, le.id, le.version)
	if !ok {
		return en, false
	}
	var ce ChangeEntry
	if err := e.readTxn(func(txn *badger.Txn) error {
		return getValue(txn, changeKey(entity, le.version, le.id), func(v []byte) error { return decodeChange(v, &ce) })
	}); err != nil {
		t.Fatal(err)
	}
	if en.prev != ce.Prev || !reflect.DeepEqual(*en.row, ce.Row) {
		t.Fatalf("%s %s@%d: tail (prev %d) %+v, change log (prev %d) %+v", entity, le.id, le.version, en.prev, *en.row, ce.Prev, ce.Row)
	}
	return en, true
}

// readStored reads a stored row (tombstones too).
func readStored(t *testing.T, e *Engine, entity, id string) codec.Row {
	t.Helper()
	var row codec.Row
	if err := e.readTxn(func(txn *badger.Txn) error { return getDecoded(txn, rowKey(entity, id), &row) }); err != nil {
		t.Fatal(err)
	}
	return row
}

// sortedEntries sorts entries by version and id, without duplicates.
func sortedEntries(es []logEntry) []logEntry {
	slices.SortFunc(es, func(a, b logEntry) int {
		if a.version != b.version {
			return cmp.Compare(a.version, b.version)
		}
		return strings.Compare(a.id, b.id)
	})
	return slices.Compact(es)
}

// logTail returns the entries of the log at head with versions in
// (v0, v1], when this process knows them all (eachTail, collected).
func (e *Engine) logTail(head string, v0, v1 uint64) ([]logEntry, bool) {
	var out []logEntry
	ok := e.eachTail(head, v0, v1, func(le *logEntry) bool { out = append(out, *le); return true })
	return out, ok
}

package engine

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// toLayout3 rewrites a database's partition-log entries as layout 3 wrote
// them, one key a row, and records layout 3. With half set, the first
// entry of more than one row is left as a migration that stopped half way
// leaves it: its layout-4 entry written, its first row's layout-3 key
// deleted, its other rows' keys not yet.
func toLayout3(t *testing.T, e *Engine, half bool) {
	t.Helper()
	err := e.db.Update(func(txn *badger.Txn) error {
		halved := !half
		for _, k := range prefixKeys(txn, []byte(prefixPartition)) {
			var val []byte
			if err := getValue(txn, []byte(k), func(v []byte) error { val = bytes.Clone(v); return nil }); err != nil {
				return err
			}
			var rows []partEntry
			if err := decodePartEntries(val, func(id string, prev uint64) error {
				rows = append(rows, partEntry{id, prev})
				return nil
			}); err != nil {
				return err
			}
			if !halved && len(rows) > 1 {
				// Written whole, and the first row's layout-3 key deleted.
				halved = true
				for _, r := range rows[1:] {
					if err := txn.Set([]byte(k+"/"+r.id), encodeVersion(r.prev)); err != nil {
						return err
					}
				}
				continue
			}
			for _, r := range rows {
				if err := txn.Set([]byte(k+"/"+r.id), encodeVersion(r.prev)); err != nil {
					return err
				}
			}
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
		}
		return txn.Set([]byte(keyLayout), encodeVersion(3))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLayout3IsMigratedToLayout4: a database written with layout 3's
// partition logs (one key a row), reopened, holds exactly the bytes the
// current code writes; so does one whose migration stopped half way.
func TestLayout3IsMigratedToLayout4(t *testing.T) {
	for _, half := range []bool{false, true} {
		t.Run(fmt.Sprintf("half=%v", half), func(t *testing.T) {
			e := layoutWorld(t)
			want := dump(t, e)
			entries, rows := 0, 0
			for k, v := range want {
				if strings.HasPrefix(k, prefixPartition) {
					entries++
					_ = decodePartEntries([]byte(v), func(string, uint64) error { rows++; return nil })
				}
			}
			if rows <= entries {
				t.Fatalf("%d partition-log entries of %d rows: the world must log several rows in one entry", entries, rows)
			}
			toLayout3(t, e, half)
			old := dump(t, e)
			if n := countPrefix(old, prefixPartition); n < rows {
				t.Fatalf("the layout-3 copy has %d partition-log keys, want at least %d", n, rows)
			}
			e2 := reopenTest(t, e)
			wantDump(t, dump(t, e2), want)
		})
	}
}

// TestRestoreMigratesLayout3: a snapshot of a layout-3 database restores
// into the current layout.
func TestRestoreMigratesLayout3(t *testing.T) {
	e := layoutWorld(t)
	want := dump(t, e)
	toLayout3(t, e, false)
	wantDump(t, dump(t, restoredCopy(t, e)), want)
}

// TestPartitionLogsOneEntryPerCommand: a command logs each partition it
// writes once, listing its rows in id order, each once (a row written
// twice by the command included).
func TestPartitionLogsOneEntryPerCommand(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	var recs []codec.Record
	for i := 9; i >= 0; i-- {
		recs = append(recs, codec.Record{Entity: "contact", ID: fmt.Sprintf("30000000-0000-4000-8000-%012d", i), OwnerID: tAlice, Attrs: map[string]any{"lastname": "C"}})
	}
	recs = append(recs, codec.Record{Entity: "contact", ID: "30000000-0000-4000-8000-000000000003", OwnerID: tAlice, Attrs: map[string]any{"lastname": "D"}})
	mustApply(t, e, ingestCmd(2000, recs...))
	v := e.Applied()
	kv := dump(t, e)
	var got []string
	for k := range kv {
		if strings.HasPrefix(k, prefixPartition+"contact/") {
			got = append(got, k)
		}
	}
	// Alice's partition and her business unit's.
	if len(got) != 2 {
		t.Fatalf("partition-log keys of contacts: %q, want 2", got)
	}
	val, ok := kv[string(partitionKey("contact", tAlice, v))]
	if !ok {
		t.Fatalf("no entry for Alice's partition at version %d: %q", v, got)
	}
	var ids []string
	if err := decodePartEntries([]byte(val), func(id string, prev uint64) error {
		if prev != 0 {
			t.Errorf("row %s: prev %d, want 0 (new)", id, prev)
		}
		ids = append(ids, id)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 10 {
		t.Fatalf("rows %q, want the 10 written, each once", ids)
	}
	for i, id := range ids {
		if want := fmt.Sprintf("30000000-0000-4000-8000-%012d", i); id != want {
			t.Fatalf("row %d is %s, want %s (id order)", i, id, want)
		}
	}
}

// TestPartEntriesRoundTrip: decoding gives back the encoded rows.
func TestPartEntriesRoundTrip(t *testing.T) {
	rows := []partEntry{{"b", 1 << 40}, {"a", 0}, {"c", 7}, {"a", 0}}
	var got []partEntry
	if err := decodePartEntries(encodePartEntries(rows), func(id string, prev uint64) error {
		got = append(got, partEntry{id, prev})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []partEntry{{"a", 0}, {"b", 1 << 40}, {"c", 7}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, bad := range [][]byte{{0}, {5, 'a'}, {1, 'a'}, {1, 'a', 0x80}} {
		if err := decodePartEntries(bad, func(string, uint64) error { return nil }); err == nil {
			t.Errorf("%x decoded", bad)
		}
	}
}

// FuzzDecodePartEntries: any bytes decode or fail with ErrCorrupt, and
// what decodes encodes back to the same bytes when sorted and unique.
func FuzzDecodePartEntries(f *testing.F) {
	f.Add(encodePartEntries([]partEntry{{tAlice, 3}, {tBob, 0}}))
	f.Add([]byte{1, 'a', 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		var rows []partEntry
		err := decodePartEntries(b, func(id string, prev uint64) error {
			rows = append(rows, partEntry{id, prev})
			return nil
		})
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.id == "" {
				t.Fatalf("%x: an empty id decoded", b)
			}
		}
		again := encodePartEntries(append([]partEntry(nil), rows...))
		var back []partEntry
		if err := decodePartEntries(again, func(id string, prev uint64) error {
			back = append(back, partEntry{id, prev})
			return nil
		}); err != nil {
			t.Fatalf("%x: re-encoded entry does not decode: %v", b, err)
		}
		ids := map[string]bool{}
		for _, r := range rows {
			ids[r.id] = true
		}
		if len(back) != len(ids) || !slices.IsSortedFunc(back, func(a, b partEntry) int { return strings.Compare(a.id, b.id) }) {
			t.Fatalf("%x: %d ids re-encoded as %v", b, len(ids), back)
		}
	})
}

// countPrefix counts the keys of kv under prefix.
func countPrefix(kv map[string]string, prefix string) int {
	n := 0
	for k := range kv {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

package bench

import (
	"bytes"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/hashicorp/raft"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// The ceiling is only a ceiling if its FSM does the baseline's work: every
// record of every command entry lands under its row key as a codec.Row
// with its owner and attributes, and nothing else is written.
func TestOneKeyFSMWritesTheBaselineRows(t *testing.T) {
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	batches, err := ingestBatches(IngestConfig{Rows: 40, BatchSize: 15, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var logs []*raft.Log
	for i, recs := range batches {
		b, err := engine.EncodeCommand(&engine.Command{Kind: engine.KindIngest, Now: 1000, Records: recs})
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, &raft.Log{Index: uint64(i + 2), Type: raft.LogCommand, Data: b})
	}
	logs = append([]*raft.Log{{Index: 1, Type: raft.LogConfiguration}}, logs...)
	for i, res := range (&oneKeyFSM{db: db}).ApplyBatch(logs) {
		if res != nil {
			t.Fatalf("entry %d: %v", i, res)
		}
	}
	// The bytes the baseline (timeBadger) writes for the same row, at the
	// entry's index as its version.
	want := map[string][]byte{}
	for i, recs := range batches {
		for _, r := range recs {
			row := codec.Row{ID: r.ID, OwnerID: r.OwnerID, CreatedOn: 1000, ModifiedOn: 1000, Version: uint64(i + 2), Attrs: r.Attrs}
			b, err := codec.Marshal(&row)
			if err != nil {
				t.Fatal(err)
			}
			want["r/"+r.Entity+"/"+r.ID] = b
		}
	}
	got := 0
	err = db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := string(it.Item().Key())
			w, ok := want[k]
			if !ok {
				t.Errorf("unexpected key %q", k)
				continue
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if !bytes.Equal(v, w) {
				t.Errorf("%s: %d bytes, not the baseline's %d", k, len(v), len(w))
			}
			got++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != len(want) || got != 40 {
		t.Fatalf("%d rows written, want %d (40 records)", got, len(want))
	}
	bad := (&oneKeyFSM{db: db}).ApplyBatch([]*raft.Log{{Index: 99, Type: raft.LogCommand, Data: []byte{0xc1}}})
	if err, ok := bad[0].(error); !ok || err == nil {
		t.Fatalf("an undecodable entry gave %v", bad[0])
	}
}

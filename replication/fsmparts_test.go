package replication

import (
	"testing"

	"github.com/hashicorp/raft"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestApplyPartsSplitsByRecords: the parts keep every entry once, in
// order, and none holds more than applyPartRecords records unless it is
// one command.
func TestApplyPartsSplitsByRecords(t *testing.T) {
	sizes := []int{250, 250, 250, 0, 1, 600, 100, 0, 0, 499, 1}
	var entries []engine.Entry
	for i, n := range sizes {
		entries = append(entries, engine.Entry{Version: uint64(i + 1), Cmd: &engine.Command{Kind: engine.KindIngest, Records: make([]codec.Record, n)}})
	}
	parts := applyParts(entries)
	next := uint64(1)
	for _, p := range parts {
		if len(p) == 0 {
			t.Fatalf("empty part in %v", parts)
		}
		n := 0
		for _, en := range p {
			if en.Version != next {
				t.Fatalf("entry %d where %d was next", en.Version, next)
			}
			next++
			n += len(en.Cmd.Records)
		}
		if n > applyPartRecords && len(p) > 1 {
			t.Fatalf("a part of %d commands holds %d records", len(p), n)
		}
	}
	if next != uint64(len(sizes)+1) || len(parts) < 4 {
		t.Fatalf("%d parts covering %d entries", len(parts), next-1)
	}
}

// TestFSMApplyBatchInParts: a batch of ingests larger than one part
// answers every entry with its own result, in its slot beside entries
// that are not commands; when ApplyBatch returns, every part but the last
// is committed and visible, so Badger wrote the earlier parts while the
// later ones were computed.
func TestFSMApplyBatchInParts(t *testing.T) {
	n := openNode(t, t.TempDir())
	setup(t, n)
	f := NewFSM(n.Engine())
	at := n.Engine().Applied()
	var logs []*raft.Log
	var want []uint64
	id := 0
	for i := 0; i < 6; i++ {
		var recs []codec.Record
		for j := 0; j < 300; j++ {
			id++
			recs = append(recs, codec.Record{Entity: "account", ID: rowID(id), OwnerID: owner, Attrs: map[string]any{"name": "n"}})
		}
		if i == 3 {
			logs = append(logs, &raft.Log{Index: at + uint64(len(logs)) + 1, Type: raft.LogNoop})
			want = append(want, 0)
		}
		data, err := engine.EncodeCommand(&engine.Command{Kind: engine.KindIngest, Now: 1, Records: recs})
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, &raft.Log{Index: at + uint64(len(logs)) + 1, Type: raft.LogCommand, Data: data})
		want = append(want, at+uint64(len(logs)))
	}
	out := f.ApplyBatch(logs)
	if got := n.Engine().Applied(); got < want[len(want)-2] {
		t.Fatalf("applied %d when ApplyBatch returned: the parts before the last (up to %d) are not committed", got, want[len(want)-2])
	}
	for i, v := range want {
		if v == 0 {
			if out[i] != nil {
				t.Fatalf("entry %d is not a command but got %v", i, out[i])
			}
			continue
		}
		r, ok := out[i].(*engine.Result)
		if !ok || r.Err != nil || r.Version != v || r.Rows != 300 {
			t.Fatalf("entry %d: %+v, want version %d and 300 rows", i, out[i], v)
		}
	}
	if err := n.Engine().Drain(); err != nil {
		t.Fatal(err)
	}
	if got := n.Engine().Applied(); got != want[len(want)-1] {
		t.Fatalf("applied %d, want %d", got, want[len(want)-1])
	}
}

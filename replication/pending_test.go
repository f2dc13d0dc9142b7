package replication

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestProposerFastPathMatchesDecoding: the node that proposes applies the
// commands it holds; a replica decodes the log. Both must end equal.
func TestProposerFastPathMatchesDecoding(t *testing.T) {
	n := openNode(t, t.TempDir())
	setup(t, n)
	for i := 0; i < 30; i++ {
		attrs := map[string]any{"name": fmt.Sprintf("n%d", i)}
		if i%3 == 0 {
			attrs = map[string]any{"name": "x", "nosuch": int64(1)} // rejected the same way on both
		}
		_, _ = n.Propose(t.Context(), &engine.Command{Kind: engine.KindIngest, Now: int64(i), Records: []codec.Record{
			{Entity: "account", ID: rowID(i % 7), OwnerID: owner, Attrs: attrs}}})
	}
	replicaCfg := engine.DefaultConfig(t.TempDir())
	replicaCfg.MemTableSize, replicaCfg.BlockCacheSize = 16<<20, 1<<20
	replica, err := engine.Open(replicaCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	fsm := NewFSM(replica) // its own pending map: it decodes everything
	last, _ := n.store.LastIndex()
	var logs []*raft.Log
	for i := uint64(1); i <= last; i++ {
		var l raft.Log
		if err := n.store.GetLog(i, &l); err != nil {
			t.Fatal(err)
		}
		logs = append(logs, &l)
	}
	fsm.ApplyBatch(logs)
	rows := func(e *engine.Engine) []codec.Row {
		var out []codec.Row
		_ = e.Scan("account", func(r codec.Row) error { out = append(out, r); return nil })
		_ = e.Changes("account", 0, 0, func(c engine.ChangeEntry) error { out = append(out, c.Row); return nil })
		return out
	}
	a, b := rows(n.Engine()), rows(replica)
	if len(a) == 0 || !reflect.DeepEqual(a, b) || n.Engine().Applied() != replica.Applied() {
		t.Fatalf("proposer and replica differ:\n%v\n%v", a, b)
	}
}

func TestPendingOnlyForCanonicalIngest(t *testing.T) {
	p := newPending()
	cases := []struct {
		cmd  *engine.Command
		fast bool
	}{
		{&engine.Command{Kind: engine.KindIngest, Records: []codec.Record{{Attrs: map[string]any{"a": int64(1), "b": nil}}}}, true},
		{&engine.Command{Kind: engine.KindIngest, Records: []codec.Record{{Attrs: map[string]any{"a": 1}}}}, false},
		{&engine.Command{Kind: engine.KindIngest, Records: []codec.Record{{Attrs: map[string]any{}}}}, false},
		{&engine.Command{Kind: engine.KindPublishSchema}, false},
	}
	for i, c := range cases {
		data, nonce, err := p.encode(c.cmd)
		if err != nil {
			t.Fatal(err)
		}
		if (nonce != 0) != c.fast {
			t.Errorf("case %d: fast path %v, want %v", i, nonce != 0, c.fast)
		}
		got, err := p.command(data)
		if err != nil || got.Kind != c.cmd.Kind {
			t.Errorf("case %d: command back: %v %v", i, got, err)
		}
		if c.fast && got != c.cmd {
			t.Errorf("case %d: the proposer decoded its own command", i)
		}
	}
}

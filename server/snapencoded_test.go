package server

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestEncodedLoadAnswersAsEncodedWhole: every page of a load kept encoded
// is answered with the very bytes of the page encoded whole (the answer
// devices got before loads were kept encoded), and the load holds far less
// memory than its decoded rows.
func TestEncodedLoadAnswersAsEncodedWhole(t *testing.T) {
	seed := rand.Int63()
	rng := rand.New(rand.NewSource(seed))
	sch := &engine.Schema{Entities: []engine.EntityDef{
		{Name: "account", Attributes: []engine.Attribute{{Name: "name", Type: engine.TypeString}, {Name: "employees", Type: engine.TypeInt}}},
		{Name: "task", Attributes: []engine.Attribute{{Name: "subject", Type: engine.TypeString}}},
	}}
	owners := []string{"00000000-0000-4000-8000-0000000000a1", "00000000-0000-4000-8000-0000000000b1"}
	bu := "00000000-0000-4000-8000-000000000001"
	res := &engine.PullResult{Version: 42, Reset: true, Cursor: engine.Cursor{Version: 42, Time: 1000, Context: 7}}
	rows := 0
	for _, ent := range []string{"account", "task"} {
		d := engine.EntityDelta{Entity: ent, Cutoff: 5, NextDue: 9}
		for i := range rng.Intn(40) + 1 {
			attrs := map[string]any{"name": fmt.Sprintf("n%d", i), "employees": int64(rng.Intn(1000))}
			if ent == "task" {
				attrs = map[string]any{"subject": fmt.Sprintf("s%d", rng.Intn(5))}
			}
			d.Upserts = append(d.Upserts, codec.Row{ID: fmt.Sprintf("10000000-0000-4000-8000-%012d", rows), OwnerID: owners[rng.Intn(2)],
				OwningBusinessUnit: bu, CreatedOn: 1, ModifiedOn: 2, Version: uint64(rows + 1), Attrs: attrs})
			rows++
		}
		res.Entities = append(res.Entities, d)
	}
	const pageRows = 7
	el, err := encodeLoad(sch, res, pageRows)
	if err != nil {
		t.Fatal(err)
	}
	if want := (rows + pageRows - 1) / pageRows; len(el.pages) != want {
		t.Fatalf("seed %d: %d pages of %d rows, want %d", seed, len(el.pages), rows, want)
	}
	for k := range el.pages {
		cursor := fmt.Sprintf("cursor-%d", k)
		got, err := el.answer(k, 1234567, cursor)
		if err != nil {
			t.Fatal(err)
		}
		part, last := pageOf(res, k, pageRows)
		ans := *part
		ans.Reset = k == 0
		ans.MetadataVersion = 1234567
		want, err := codec.MarshalCompact(toWire(sch, &ans, cursor, !last))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Body, want) {
			t.Fatalf("seed %d: page %d differs from the page encoded whole:\n got %x\nwant %x", seed, k, got, want)
		}
		var back codec.PullResponse
		if err := codec.Unmarshal(got.Body, &back); err != nil || back.Cursor != cursor || back.More == last {
			t.Fatalf("seed %d: page %d decodes to %+v, %v", seed, k, back, err)
		}
	}
	if el.size()*3 > int64(rows)*rowBytes {
		t.Fatalf("seed %d: the encoded load holds %d bytes for %d rows: not much less than decoded (%d)", seed, el.size(), rows, rows*rowBytes)
	}
}

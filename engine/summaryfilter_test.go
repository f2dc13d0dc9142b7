package engine

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
	"pgregory.net/rapid"
)

// TestSummaryFilterNeverForgets: every target added answers "maybe",
// across the layers it grows (a first layer of 8 targets here), and
// targets never added mostly answer "no".
func TestSummaryFilterNeverForgets(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		f := &summaryFilter{seed: maphash.MakeSeed()}
		f.grow(8)
		added := map[string]bool{}
		for n := rapid.IntRange(0, 300).Draw(rt, "adds"); n > 0; n-- {
			id := fmt.Sprintf("10000000-0000-4000-8000-%012d", rapid.IntRange(0, 1000).Draw(rt, "id"))
			f.add(id)
			added[id] = true
		}
		for id := range added {
			if !f.mayHave(id) {
				rt.Fatalf("added %s, filter says no (%d layers)", id, len(f.layers))
			}
		}
		maybe := 0
		for i := 0; i < 1000; i++ {
			if f.mayHave(fmt.Sprintf("20000000-0000-4000-8000-%012d", i)) {
				maybe++
			}
		}
		if maybe > 100 {
			rt.Fatalf("%d of 1000 targets never added answer maybe", maybe)
		}
	})
	var nilFilter *summaryFilter
	nilFilter.add("x")
	if !nilFilter.mayHave("x") {
		t.Fatal("a nil filter must answer maybe")
	}
}

// TestSummaryFilterRebuiltOnRestore: a row written after a restore is
// logged to the partitions of the rows that look it up, although the
// summary that names them came with the snapshot: the engine that
// restores it must learn its targets (a filter left as it was would say
// the row has no summary, and the delta of a user holding the contact
// would miss the account).
func TestSummaryFilterRebuiltOnRestore(t *testing.T) {
	src, _ := openTest(t)
	mustApply(t, src, setupCommands()...)
	// A contact of Alice's names an account not loaded yet.
	mustApply(t, src, ingestCmd(2000, codec.Record{Entity: "contact", ID: tContact, OwnerID: tAlice,
		Attrs: map[string]any{"lastname": "c", "parentcustomerid": tAcctA}}))
	snap, err := src.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := snap.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	dst, _ := openTest(t)
	mustApply(t, dst, setupCommands()...) // its filter knows no target
	if err := dst.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	v := dst.Applied() + 1
	mustApply(t, dst, ingestCmd(3000, codec.Record{Entity: "account", ID: tAcctA, OwnerID: tBob, Attrs: map[string]any{"name": "a"}}))
	want := string(partitionKey("account", relatedScope("contact", tAlice), v))
	kv := dump(t, dst)
	if val, ok := kv[want]; !ok || !strings.Contains(val, tAcctA) {
		var got []string
		for k := range kv {
			if strings.HasPrefix(k, "pl/account/") {
				got = append(got, k)
			}
		}
		t.Fatalf("no partition-log entry %q; the account's entries: %q", want, got)
	}
}

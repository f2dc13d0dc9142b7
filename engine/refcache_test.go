package engine

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
	"pgregory.net/rapid"
)

// readRefsFresh lists the lookups to id from Badger, sorted.
func readRefsFresh(t *rapid.T, e *Engine, id string) []Reference {
	var out []Reference
	if err := e.ReferencesTo(id, func(r Reference) error { out = append(out, r); return nil }); err != nil {
		t.Fatalf("read references: %v", err)
	}
	slices.SortFunc(out, compareReference)
	return out
}

func compareReference(a, b Reference) int {
	return compareRef(rowRef{a.Source, a.SourceID + "/" + a.Attribute}, rowRef{b.Source, b.SourceID + "/" + b.Attribute})
}

// TestCachedReferencesStayExact is a model test of the reference cache:
// contacts are created, moved between accounts and deleted at random,
// deltas read each account's lookups through the cache, and whatever the
// cache answers for any version, past or current, is exactly what the
// reference index held at that version. A small cap on the remembered
// moves exercises the notifier forgetting them.
func TestCachedReferencesStayExact(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		old := refMovedCap
		refMovedCap = rapid.IntRange(1, 8).Draw(rt, "refMovedCap")
		defer func() { refMovedCap = old }()
		e, err := Open(testConfig(t.TempDir()))
		if err != nil {
			rt.Fatalf("open engine: %v", err)
		}
		defer e.Close()
		apply := func(c *Command) {
			r, err := e.Apply(e.Applied()+1, c)
			if err != nil || r.Err != nil {
				rt.Fatalf("apply %s: %v %v", c.Kind, err, r)
			}
		}
		for _, c := range setupCommands() {
			apply(c)
		}
		accounts := make([]string, 3)
		for i := range accounts {
			accounts[i] = fmt.Sprintf("10000000-0000-4000-8000-%012d", 100+i)
			apply(ingestCmd(2000, codec.Record{Entity: "account", ID: accounts[i], OwnerID: tAlice, Attrs: map[string]any{"name": "A"}}))
		}
		truth := map[uint64]map[string][]Reference{} // version -> account -> lookups
		record := func() {
			m := map[string][]Reference{}
			for _, a := range accounts {
				m[a] = readRefsFresh(rt, e, a)
			}
			truth[e.Applied()] = m
		}
		record()
		steps := rapid.IntRange(1, 40).Draw(rt, "steps")
		for i := 0; i < steps; i++ {
			contact := fmt.Sprintf("10000000-0000-4000-8000-%012d", 200+rapid.IntRange(0, 3).Draw(rt, "contact"))
			switch rapid.IntRange(0, 3).Draw(rt, "op") {
			case 0: // delete (a no-op on a contact never written)
				apply(ingestCmd(2000, codec.Record{Op: codec.OpDelete, Entity: "contact", ID: contact}))
			case 1: // a write that leaves the lookup alone
				apply(ingestCmd(2000, codec.Record{Entity: "contact", ID: contact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ng"}}))
			default:
				a := rapid.SampledFrom(accounts).Draw(rt, "account")
				apply(ingestCmd(2000, codec.Record{Entity: "contact", ID: contact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ng", "parentcustomerid": a}}))
			}
			record()
			// A delta at the current version reads one account's lookups
			// through the cache, which it may fill.
			a := rapid.SampledFrom(accounts).Draw(rt, "read")
			if err := e.readTxn(func(txn *badger.Txn) error {
				ds := &deltaState{pullState: &pullState{viewBuilder: viewBuilder{txn: txn}, v1: e.Applied(), eng: e}}
				defer ds.closeRefs()
				var got []Reference
				_ = ds.referencesTo(a, func(r Reference) error { got = append(got, r); return nil })
				slices.SortFunc(got, compareReference)
				if want := truth[e.Applied()][a]; !slices.Equal(got, want) {
					rt.Fatalf("delta at %d read lookups of %s %v, want %v", e.Applied(), a, got, want)
				}
				return nil
			}); err != nil {
				rt.Fatalf("read: %v", err)
			}
			// Whatever the cache answers for any version stands for it.
			for v, m := range truth {
				for _, a := range accounts {
					got, ok := e.cachedRefsAt(a, v)
					if !ok {
						continue
					}
					got = slices.Clone(got)
					slices.SortFunc(got, compareReference)
					if !slices.Equal(got, m[a]) {
						rt.Fatalf("cache answered %v for %s at %d, the index held %v", got, a, v, m[a])
					}
				}
			}
		}
	})
}

// TestReferenceCacheServesAnUnmovedTarget: once a delta read a target's
// lookups, a later delta after writes that leave them alone reads them
// from the cache, not from Badger.
func TestReferenceCacheServesAnUnmovedTarget(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	mustApply(t, e, ingestCmd(2000,
		codec.Record{Entity: "account", ID: tAcctA, OwnerID: tAlice, Attrs: map[string]any{"name": "A"}},
		codec.Record{Entity: "contact", ID: tContact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ng", "parentcustomerid": tAcctA}}))
	read := func() ([]Reference, bool) {
		var got []Reference
		opened := false
		if err := e.readTxn(func(txn *badger.Txn) error {
			ds := &deltaState{pullState: &pullState{viewBuilder: viewBuilder{txn: txn}, v1: e.Applied(), eng: e}}
			defer ds.closeRefs()
			_ = ds.referencesTo(tAcctA, func(r Reference) error { got = append(got, r); return nil })
			opened = ds.refIt != nil
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got, opened
	}
	if got, opened := read(); len(got) != 1 || !opened {
		t.Fatalf("first read: %v from Badger %v", got, opened)
	}
	mustApply(t, e, ingestCmd(2000, codec.Record{Entity: "contact", ID: tContact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ng2"}}))
	if got, opened := read(); len(got) != 1 || opened {
		t.Fatalf("after a write that keeps the lookup: %v, from Badger %v (want the cache)", got, opened)
	}
	mustApply(t, e, ingestCmd(2000, codec.Record{Op: codec.OpDelete, Entity: "contact", ID: tContact}))
	if got, opened := read(); len(got) != 0 || !opened {
		t.Fatalf("after the lookup went: %v, from Badger %v", got, opened)
	}
}

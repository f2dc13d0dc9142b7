package engine

import (
	"bytes"
	"fmt"
	"maps"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
	"pgregory.net/rapid"
)

// modifiedBetweenFresh is anyModifiedBetween read from Badger alone.
func modifiedBetweenFresh(t *rapid.T, e *Engine, entity string, from, to int64) bool {
	found := false
	if err := e.readTxn(func(txn *badger.Txn) error {
		prefix := modPrefix(entity)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		it.Seek(modSeek(entity, from))
		found = it.ValidForPrefix(prefix) && bytes.Compare(it.Item().Key(), modSeek(entity, to)) < 0
		return nil
	}); err != nil {
		t.Fatalf("read: %v", err)
	}
	return found
}

// openRapidEngine opens an engine in dir with the test organization set
// up; the caller closes it.
func openRapidEngine(rt *rapid.T, dir string) *Engine {
	e, err := Open(testConfig(dir))
	if err != nil {
		rt.Fatalf("open engine: %v", err)
	}
	for _, c := range setupCommands() {
		if r, err := e.Apply(e.Applied()+1, c); err != nil || r.Err != nil {
			e.Close()
			rt.Fatalf("setup: %v %v", err, r)
		}
	}
	return e
}

// TestAgedOutAnswersStayExact is a model test of the remembered aged-out
// answers: accounts are written with imported modifiedon values (into and
// out of the ranges asked about), rewritten and deleted at random, and
// every question, answered from memory or from Badger, matches the
// modifiedon index read afresh.
func TestAgedOutAnswersStayExact(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		e := openRapidEngine(rt, t.TempDir())
		defer e.Close()
		const base = int64(1_800_000_000_000) // the bucket's width is ten minutes
		when := func(label string) int64 {
			return base + rapid.Int64Range(-2*agedBucket, 2*agedBucket).Draw(rt, label)
		}
		steps := rapid.IntRange(1, 60).Draw(rt, "steps")
		for i := 0; i < steps; i++ {
			id := fmt.Sprintf("10000000-0000-4000-8000-%012d", rapid.IntRange(0, 5).Draw(rt, "row"))
			var c *Command
			switch rapid.IntRange(0, 4).Draw(rt, "op") {
			case 0:
				c = ingestCmd(base, codec.Record{Op: codec.OpDelete, Entity: "account", ID: id})
			case 1, 2:
				c = ingestCmd(base, codec.Record{Entity: "account", ID: id, OwnerID: tAlice, Attrs: map[string]any{"name": "A", "modifiedon": when("modifiedon")}})
			}
			if c != nil {
				if r, err := e.Apply(e.Applied()+1, c); err != nil || r.Err != nil {
					rt.Fatalf("apply: %v %v", err, r)
				}
			}
			for q := rapid.IntRange(1, 4).Draw(rt, "questions"); q > 0; q-- {
				from := when("from")
				to := from + rapid.Int64Range(0, agedBucket).Draw(rt, "span")
				got, err := e.anyModifiedBetween("account", from, to)
				if err != nil {
					rt.Fatalf("ask: %v", err)
				}
				if want := modifiedBetweenFresh(rt, e, "account", from, to); got != want {
					rt.Fatalf("rows modified in [%d, %d): answered %v, the index says %v", from-base, to-base, got, want)
				}
			}
		}
	})
}

// TestAgedOutNoIsRemembered: a no read from Badger answers the next
// question in its range from memory, a write elsewhere in time leaves it
// standing, and an imported row inside the range voids it.
func TestAgedOutNoIsRemembered(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	const day = 24 * 60 * 60 * 1000
	const t0 = int64(1_800_000_000_000)
	row := func(id string, mod int64) *Command {
		return ingestCmd(t0, codec.Record{Entity: "account", ID: id, OwnerID: tAlice, Attrs: map[string]any{"name": "A", "modifiedon": mod}})
	}
	mustApply(t, e, row(tAcctA, t0-10*day))
	from, to := t0-30*day, t0-30*day+5000
	if aged, err := e.anyModifiedBetween("account", from, to); err != nil || aged {
		t.Fatalf("nothing lies in the range: %v %v", aged, err)
	}
	k := agedKey{"account", floorDiv(from+1000, agedBucket)}
	if !e.agedNo(k, from+1000, to+1000) {
		t.Fatal("a question inside the remembered range must be answered from memory")
	}
	mustApply(t, e, row(tContact, t0)) // (an account id too) modified now: outside the range
	if !e.agedNo(k, from+1000, to+1000) {
		t.Fatal("a row written at now must leave the remembered no standing")
	}
	mustApply(t, e, row("10000000-0000-4000-8000-0000000000d1", from+3000)) // history imported into the range
	if e.agedNo(k, from+1000, to+1000) {
		t.Fatal("a row imported into the range must void the remembered no")
	}
	if aged, err := e.anyModifiedBetween("account", from+1000, to+1000); err != nil || !aged {
		t.Fatalf("the imported row lies in the range: %v %v", aged, err)
	}
}

// TestAgedOutAtPastVersionsStayExact is a model test of noneModifiedAt,
// which deltas ask about the version they read at: accounts are written
// with imported modifiedon values, rewritten and deleted at random, the
// live rows of each version are kept in a model, and whenever a
// remembered no answers for a past version, the model at that version
// has no row in the range.
func TestAgedOutAtPastVersionsStayExact(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		e := openRapidEngine(rt, t.TempDir())
		defer e.Close()
		const base = int64(1_800_000_000_000)
		when := func(label string) int64 {
			return base + rapid.Int64Range(-agedBucket, agedBucket).Draw(rt, label)
		}
		live := map[string]int64{}
		first := e.Applied()
		history := map[uint64]map[string]int64{first: {}}
		answered := 0
		for i, steps := 0, rapid.IntRange(1, 60).Draw(rt, "steps"); i < steps; i++ {
			id := fmt.Sprintf("10000000-0000-4000-8000-%012d", rapid.IntRange(0, 5).Draw(rt, "row"))
			var c *Command
			mod := when("modifiedon")
			switch rapid.IntRange(0, 3).Draw(rt, "op") {
			case 0:
				c = ingestCmd(base, codec.Record{Op: codec.OpDelete, Entity: "account", ID: id})
				delete(live, id)
			case 1, 2:
				c = ingestCmd(base, codec.Record{Entity: "account", ID: id, OwnerID: tAlice, Attrs: map[string]any{"name": "A", "modifiedon": mod}})
				live[id] = mod
			}
			if c != nil {
				if r, err := e.Apply(e.Applied()+1, c); err != nil || r.Err != nil {
					rt.Fatalf("apply: %v %v", err, r)
				}
				history[e.Applied()] = maps.Clone(live)
			}
			for q := rapid.IntRange(1, 4).Draw(rt, "questions"); q > 0; q-- {
				from := when("from")
				to := from + rapid.Int64Range(0, agedBucket/2).Draw(rt, "span")
				if rapid.Bool().Draw(rt, "fill") {
					if _, err := e.anyModifiedBetween("account", from, to); err != nil {
						rt.Fatalf("ask: %v", err)
					}
				}
				lo := e.Applied()
				for k := 0; k < 5 && lo > first; k++ {
					lo--
				}
				v := rapid.Uint64Range(lo, e.Applied()).Draw(rt, "version")
				rows, ok := history[v]
				if !ok || !e.noneModifiedAt("account", from, to, v) {
					continue
				}
				answered++
				for id, m := range rows {
					if m >= from && m < to {
						rt.Fatalf("at version %d row %s (modifiedon %d) lies in [%d, %d), answered none", v, id, m-base, from-base, to-base)
					}
				}
			}
		}
		rt.Logf("%d answers from memory", answered)
	})
}

package engine

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// layoutWorld writes rows owned by users and a team, in both business
// units, an organization-owned row, a deleted row and a row whose owner
// changed business unit.
func layoutWorld(t *testing.T) *Engine {
	t.Helper()
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	var recs []codec.Record
	for i, owner := range []string{tAlice, tBob, tTeam, tAlice, tBob} {
		recs = append(recs, codec.Record{Entity: "account", ID: fmt.Sprintf("20000000-0000-4000-8000-%012d", i), OwnerID: owner, Attrs: map[string]any{"name": "A"}},
			codec.Record{Entity: "contact", ID: fmt.Sprintf("30000000-0000-4000-8000-%012d", i), OwnerID: owner, Attrs: map[string]any{"lastname": "C"}})
	}
	recs = append(recs, codec.Record{Entity: "currency", ID: "40000000-0000-4000-8000-000000000001", Attrs: map[string]any{"code": "EUR"}})
	mustApply(t, e, ingestCmd(2000, recs...))
	mustApply(t, e, ingestCmd(3000, codec.Record{Entity: "account", ID: "20000000-0000-4000-8000-000000000001", Op: codec.OpDelete}))
	bob := testOrg().Users[1]
	bob.BusinessUnit = tRootBU
	mustApply(t, e, &Command{Kind: KindPutOrg, Now: 4000, Org: &Org{Users: []User{bob}}})
	return e
}

// toLayout1 rewrites a layout-2 database as the code before layouts
// wrote it: owner keys o/{entity}/{owner}/{id} and business-unit keys
// b/{entity}/{bu}/{id}, and no layout key.
func toLayout1(t *testing.T, e *Engine) {
	t.Helper()
	err := e.db.Update(func(txn *badger.Txn) error {
		keys := prefixKeys(txn, []byte(prefixOwner))
		for _, k := range keys {
			parts := strings.Split(k, "/") // o, entity, bu, owner, id
			if len(parts) != 5 {
				return fmt.Errorf("owner key %q is not of layout 2", k)
			}
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
			if err := txn.Set([]byte("o/"+parts[1]+"/"+parts[3]+"/"+parts[4]), []byte{}); err != nil {
				return err
			}
			if err := txn.Set([]byte("b/"+parts[1]+"/"+parts[2]+"/"+parts[4]), []byte{}); err != nil {
				return err
			}
		}
		return txn.Delete([]byte(keyLayout))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLayout1IsMigratedOnOpen: a database written with the layout-1
// owner and business-unit indexes, reopened, holds exactly the bytes the
// current code writes, and its views read the migrated keys.
func TestLayout1IsMigratedOnOpen(t *testing.T) {
	e := layoutWorld(t)
	want := dump(t, e)
	if want[keyLayout] != string(encodeVersion(LayoutVersion)) {
		t.Fatalf("a new database records layout %x, want %d", want[keyLayout], LayoutVersion)
	}
	owned := 0
	for k := range want {
		if strings.HasPrefix(k, prefixOwner) {
			owned++
		}
		if strings.HasPrefix(k, prefixBULegacy) {
			t.Fatalf("layout 2 wrote a business-unit key %q", k)
		}
	}
	if owned != 9 { // 10 owned rows, one deleted
		t.Fatalf("%d owner keys, want 9", owned)
	}
	toLayout1(t, e)
	if old := dump(t, e); len(old) != len(want)+owned-1 {
		t.Fatalf("the layout-1 copy has %d keys, want %d", len(old), len(want)+owned-1)
	}
	e2 := reopenTest(t, e)
	wantDump(t, dump(t, e2), want)
	// Bob moved to the root unit: his rows are read under it.
	var ids []string
	if err := e2.OwnedBy("contact", tBob, func(id string) error { ids = append(ids, id); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 {
		t.Fatalf("Bob owns contacts %v after migration, want 2", ids)
	}
}

// TestNewerLayoutIsRefused: a database of a layout this code does not
// know is not opened.
func TestNewerLayoutIsRefused(t *testing.T) {
	e, dir := openTest(t)
	if err := e.db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte(keyLayout), encodeVersion(LayoutVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e2, err := Open(testConfig(dir))
	if err == nil {
		e2.Close()
		t.Fatal("a newer layout was opened")
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
}

// TestRestoreMigratesLayout1: a snapshot of a layout-1 database restores
// into the current layout.
func TestRestoreMigratesLayout1(t *testing.T) {
	e := layoutWorld(t)
	want := dump(t, e)
	toLayout1(t, e)
	wantDump(t, dump(t, restoredCopy(t, e)), want)
}

// restoredCopy restores a snapshot of e into a new engine.
func restoredCopy(t *testing.T, e *Engine) *Engine {
	t.Helper()
	snap, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := snap.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	e2, _ := openTest(t)
	if err := e2.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	return e2
}

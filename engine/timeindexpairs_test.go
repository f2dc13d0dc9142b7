package engine

import (
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// timeWorld writes accounts with and without a since, before any profile
// compares since with today().
func timeWorld(t *testing.T) *Engine {
	t.Helper()
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	const day = int64(dayMillis)
	mustApply(t, e, ingestCmd(100*day,
		codec.Record{Entity: "account", ID: "10000000-0000-4000-8000-000000000001", OwnerID: tAlice, Attrs: map[string]any{"name": "soon", "since": 102 * day}},
		codec.Record{Entity: "account", ID: "10000000-0000-4000-8000-000000000002", OwnerID: tAlice, Attrs: map[string]any{"name": "later", "since": 109 * day}},
		codec.Record{Entity: "account", ID: "10000000-0000-4000-8000-000000000003", OwnerID: tAlice, Attrs: map[string]any{"name": "none"}}))
	return e
}

// timeKeys lists the database's time-index keys and marks.
func timeKeys(t *testing.T, e *Engine) (index, marks []string) {
	t.Helper()
	for k := range dump(t, e) {
		switch {
		case strings.HasPrefix(k, prefixTime):
			index = append(index, k)
		case strings.HasPrefix(k, prefixTimeMark):
			marks = append(marks, k)
		}
	}
	return index, marks
}

// publishSinceFilter publishes Alice's profile, whose account rule
// compares since with today().
func publishSinceFilter(t *testing.T, e *Engine, now int64) {
	t.Helper()
	win := 0
	mustApply(t, e, &Command{Kind: KindPutOrg, Now: now, Org: &Org{Publish: true, Profiles: []Profile{{ID: "20000000-0000-4000-8000-000000000001", Name: "P",
		Rules: []Rule{{Entity: "account", Rows: []string{RowsAll}, Filter: "since <= today(+3)", ModifiedWithinDays: &win}}, Users: []string{tAlice}}}}})
}

// TestTimeIndexOnlyForComparedPairs: rows write no time-index key until a
// published rule compares their attribute with today(); that publish
// fills the pair's index in from the rows, later writes keep it, and a
// delta across days under the filter brings the row whose day came.
func TestTimeIndexOnlyForComparedPairs(t *testing.T) {
	e := timeWorld(t)
	if index, marks := timeKeys(t, e); len(index) != 0 || len(marks) != 0 {
		t.Fatalf("no rule compares since with today(), yet the index holds %q, marks %q", index, marks)
	}
	const day = int64(dayMillis)
	now := 100 * day
	publishSinceFilter(t, e, now)
	index, marks := timeKeys(t, e)
	if len(index) != 2 || len(marks) != 1 || marks[0] != string(timeMarkKey("account", "since")) {
		t.Fatalf("after the publish: index %q, marks %q", index, marks)
	}
	mustApply(t, e, ingestCmd(now,
		codec.Record{Entity: "account", ID: "10000000-0000-4000-8000-000000000003", OwnerID: tAlice, Attrs: map[string]any{"since": 120 * day}},
		codec.Record{Entity: "account", ID: "10000000-0000-4000-8000-000000000001", Op: codec.OpDelete}))
	want := map[string]bool{
		string(timeKey("account", "since", 109*day, "10000000-0000-4000-8000-000000000002")): true,
		string(timeKey("account", "since", 120*day, "10000000-0000-4000-8000-000000000003")): true,
	}
	if index, _ := timeKeys(t, e); len(index) != len(want) || !want[index[0]] || !want[index[1]] {
		t.Fatalf("after writes: index %q", index)
	}
	first, err := e.Pull(tAlice, nil, now, PullOptions{})
	if err != nil || len(first.Entities[0].Upserts) != 0 {
		t.Fatalf("first load: %+v %v", first, err)
	}
	res, err := e.Pull(tAlice, &first.Cursor, now+7*day, PullOptions{})
	if err != nil || res.Reset || len(res.Entities[0].Upserts) != 1 || res.Entities[0].Upserts[0].Attrs["name"] != "later" {
		t.Fatalf("the delta a week later: %+v %v", res, err)
	}
}

// TestLayout2IsMigratedToLayout3: a database written with layout 2's time
// index (every datetime attribute of every row, no marks), reopened,
// holds exactly the bytes the current code writes: the compared pair
// marked, the other pairs' keys gone.
func TestLayout2IsMigratedToLayout3(t *testing.T) {
	e := timeWorld(t)
	publishSinceFilter(t, e, 100*dayMillis)
	// Another account attribute compared with nothing: layout 2 indexed
	// it too (simulated below with a key of a pair nothing compares).
	want := dump(t, e)
	err := e.db.Update(func(txn *badger.Txn) error {
		if err := txn.Delete(timeMarkKey("account", "since")); err != nil {
			return err
		}
		if err := txn.Set(timeKey("contact", "birthday", 5, "30000000-0000-4000-8000-000000000001"), []byte{}); err != nil {
			return err
		}
		return txn.Set([]byte(keyLayout), encodeVersion(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	e2 := reopenTest(t, e)
	wantDump(t, dump(t, e2), want)
}

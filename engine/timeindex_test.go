package engine

import (
	"bytes"
	"testing"

	"github.com/offsync/offsync/codec"
)

// TestTimeIndexBuiltForOlderDatabases: a database whose rows were written
// before the time index existed (simulated by dropping it) reloads a
// delta across a day boundary under a today() filter instead of missing
// rows; KindBuildTimeIndex rebuilds exactly the index a new database
// keeps, after which the same delta is a delta that brings the row whose
// day came.
func TestTimeIndexBuiltForOlderDatabases(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	const day = int64(dayMillis)
	now := 100 * day
	mustApply(t, e, ingestCmd(now,
		codec.Record{Entity: "account", ID: "10000000-0000-4000-8000-000000000001", OwnerID: tAlice, Attrs: map[string]any{"name": "soon", "since": now + 2*day}},
		codec.Record{Entity: "account", ID: "10000000-0000-4000-8000-000000000002", OwnerID: tAlice, Attrs: map[string]any{"name": "later", "since": now + 9*day}},
		codec.Record{Entity: "account", ID: "10000000-0000-4000-8000-000000000003", OwnerID: tAlice, Attrs: map[string]any{"name": "none"}}))
	win := 0
	mustApply(t, e, &Command{Kind: KindPutOrg, Now: now, Org: &Org{Publish: true, Profiles: []Profile{{ID: "20000000-0000-4000-8000-000000000001", Name: "P",
		Rules: []Rule{{Entity: "account", Rows: []string{RowsAll}, Filter: "since <= today(+3)", ModifiedWithinDays: &win}}, Users: []string{tAlice}}}}})
	index := func() []string {
		var keys []string
		for k := range dump(t, e) {
			if bytes.HasPrefix([]byte(k), []byte(prefixTime)) || k == keyTimeIndex {
				keys = append(keys, k)
			}
		}
		return keys
	}
	built := index()
	if len(built) != 3 || !e.TimeIndexComplete() {
		t.Fatalf("a new database's time index: %q", built)
	}
	first, err := e.Pull(tAlice, nil, now, PullOptions{})
	if err != nil || len(first.Entities[0].Upserts) != 1 {
		t.Fatalf("first load: %+v %v", first, err)
	}
	// Drop the index, as in a database written before it existed.
	if err := e.db.DropPrefix([]byte(prefixTime), []byte(keyTimeIndex)); err != nil {
		t.Fatal(err)
	}
	if e.TimeIndexComplete() {
		t.Fatal("complete without its marker")
	}
	later := now + 7*day
	res, err := e.Pull(tAlice, &first.Cursor, later, PullOptions{})
	if err != nil || !res.Reset || len(res.Entities[0].Upserts) != 2 {
		t.Fatalf("a delta across days without the index must reload the view (2 rows): %+v %v", res, err)
	}
	mustApply(t, e, &Command{Kind: KindBuildTimeIndex, Now: later})
	if got := index(); len(got) != len(built) || !e.TimeIndexComplete() {
		t.Fatalf("rebuilt index %q, want %q", got, built)
	}
	res, err = e.Pull(tAlice, &first.Cursor, later, PullOptions{})
	if err != nil || res.Reset || len(res.Entities[0].Upserts) != 1 || res.Entities[0].Upserts[0].Attrs["name"] != "later" {
		t.Fatalf("the delta after the build: %+v %v", res, err)
	}
}

package engine

import (
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

const (
	ctxAliceRow = "10000000-0000-4000-8000-0000000000a1"
	ctxBobRow   = "10000000-0000-4000-8000-0000000000b1"
	ctxProfile  = "20000000-0000-4000-8000-000000000001"
)

// contextEngine is the test organization with one account of Alice (root
// business unit) and one of Bob (child unit), and a profile that carries
// every account Alice may read: at first (Read at business-unit depth)
// only hers.
func contextEngine(t *testing.T) *Engine {
	t.Helper()
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	win := 0
	mustApply(t, e, ingestCmd(1000,
		codec.Record{Entity: "account", ID: ctxAliceRow, OwnerID: tAlice, Attrs: map[string]any{"name": "alice's"}},
		codec.Record{Entity: "account", ID: ctxBobRow, OwnerID: tBob, Attrs: map[string]any{"name": "bob's"}}),
		&Command{Kind: KindPutOrg, Org: &Org{Publish: true, Profiles: []Profile{{ID: ctxProfile, Name: "P",
			Rules: []Rule{{Entity: "account", Rows: []string{RowsAll}, ModifiedWithinDays: &win}}, Users: []string{tAlice}}}}})
	return e
}

// widenAlice gives Alice's role Read at organization depth: Bob's
// account enters her view.
func widenAlice(t *testing.T, e *Engine) {
	t.Helper()
	role := testOrg().Roles[0]
	role.Privileges = map[string]Privileges{"account": {Read: DepthOrganization}}
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Roles: []Role{role}}})
}

func record(fp uint64, c *CursorContext) *Command {
	return &Command{Kind: KindRecordContexts, Contexts: []RecordedContext{{Fingerprint: fp, Context: *c}}}
}

func upsertIDs(res *PullResult) []string {
	var ids []string
	for _, d := range res.Entities {
		for _, r := range d.Upserts {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// TestPullAfterAccessChangeFindsTheRegisteredContext: a cursor as decoded
// from the wire names its access context by fingerprint only. After an
// access change, the pull is a delta (just the row that entered) when
// the context is registered, and a reload of the caller's own view when
// it is not, or when the registered context is another user's.
func TestPullAfterAccessChangeFindsTheRegisteredContext(t *testing.T) {
	e := contextEngine(t)
	first, err := e.Pull(tAlice, nil, 2000, PullOptions{})
	if err != nil || first.Cursor.Was == nil || strings.Join(upsertIDs(first), ",") != ctxAliceRow {
		t.Fatalf("first load: %+v %v", first, err)
	}
	wire := first.Cursor
	wire.Was = nil // what a device sends back
	widenAlice(t, e)

	res, err := e.Pull(tAlice, &wire, 3000, PullOptions{})
	if err != nil || !res.Reset || len(upsertIDs(res)) != 2 {
		t.Fatalf("an unregistered context must reload the whole view: %+v %v", res, err)
	}
	orgBefore := e.OrgVersion()
	mustApply(t, e, record(first.Cursor.Context, first.Cursor.Was))
	if e.OrgVersion() != orgBefore {
		t.Fatal("registering a context counts as an admin change: every quiet pull would take the full path")
	}
	if ok, err := e.ContextRegistered(first.Cursor.Context); !ok || err != nil {
		t.Fatalf("registered: %v %v", ok, err)
	}
	res, err = e.Pull(tAlice, &wire, 3000, PullOptions{})
	if err != nil || res.Reset || strings.Join(upsertIDs(res), ",") != ctxBobRow {
		t.Fatalf("a registered context must give the delta (Bob's row only): %+v %v", res, err)
	}

	// A fingerprint whose registered context names another user: reload.
	bobs := *first.Cursor.Was
	bobs.User = hashString(tBob)
	mustApply(t, e, record(12345, &bobs))
	forged := wire
	forged.Context = 12345
	res, err = e.Pull(tAlice, &forged, 3000, PullOptions{})
	if err != nil || !res.Reset {
		t.Fatalf("another user's context must reload: %+v %v", res, err)
	}
}

// TestRecordContextsFirstWriteWins: a fingerprint keeps the first context
// registered for it, invalid contexts are refused whole, and two replicas
// applying the same commands hold the same bytes.
func TestRecordContextsFirstWriteWins(t *testing.T) {
	a, b := contextEngine(t), contextEngine(t)
	first, err := a.Pull(tAlice, nil, 2000, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other := *first.Cursor.Was
	other.Publish++
	bad := *first.Cursor.Was
	bad.Profile = []byte("short")
	for _, e := range []*Engine{a, b} {
		mustApply(t, e, record(7, first.Cursor.Was), record(7, &other))
		r, err := e.Apply(e.Applied()+1, &Command{Kind: KindRecordContexts, Contexts: []RecordedContext{{Fingerprint: 8, Context: other}, {Fingerprint: 9, Context: bad}}})
		if err != nil || r.Err == nil {
			t.Fatalf("an invalid context was accepted: %v %v", r, err)
		}
		if ok, _ := e.ContextRegistered(8); ok {
			t.Fatal("a refused command registered a context")
		}
	}
	var got contextEntry
	if err := a.readTxn(func(txn *badger.Txn) error { return getDecoded(txn, contextKey(7), &got) }); err != nil {
		t.Fatal(err)
	}
	if got.Context.Publish != first.Cursor.Was.Publish {
		t.Fatal("a second registration replaced the first")
	}
	da, db := dump(t, a), dump(t, b)
	for k, v := range da {
		if strings.HasPrefix(k, prefixContext) && db[k] != v {
			t.Fatalf("replicas differ at %q", k)
		}
	}
}

// TestPruneContexts: a prune that moves the horizon keeps every user's
// current context, marks the others retired, and deletes a retired one
// once the horizon passes the prune that retired it. A retired context
// registered again (current again) loses its mark.
func TestPruneContexts(t *testing.T) {
	e := contextEngine(t)
	first, err := e.Pull(tAlice, nil, 2000, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old := first.Cursor
	mustApply(t, e, record(old.Context, old.Was))
	widenAlice(t, e)
	now, err := e.Pull(tAlice, nil, 3000, PullOptions{})
	if err != nil || now.Cursor.Context == old.Context {
		t.Fatalf("the access change kept the fingerprint: %v", err)
	}
	mustApply(t, e, record(now.Cursor.Context, now.Cursor.Was))
	registered := func(fp uint64) bool {
		ok, err := e.ContextRegistered(fp)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	exists := func(fp uint64) bool {
		_, ok := dump(t, e)[string(contextKey(fp))]
		return ok
	}
	prune := func() uint64 {
		r := mustApply(t, e, &Command{Kind: KindPrune, Horizon: e.Applied() + 1})
		return r[0].Version
	}
	retiredAt := prune()
	if registered(old.Context) || !exists(old.Context) || !registered(now.Cursor.Context) {
		t.Fatalf("first prune: the old context must be retired (kept), the current one live")
	}
	// Registered again (a server handed it out: it is current again).
	mustApply(t, e, record(old.Context, old.Was))
	if !registered(old.Context) {
		t.Fatal("a new registration did not clear the mark")
	}
	prune() // found not current again: retired at this prune
	if registered(old.Context) || !exists(old.Context) {
		t.Fatal("second prune: the old context must be retired, not yet deleted")
	}
	prune() // the horizon is past the prune that retired it
	if exists(old.Context) || !registered(now.Cursor.Context) {
		t.Fatalf("third prune (retired at %d): the old context must be gone, the current one kept", retiredAt)
	}
}

package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
	"pgregory.net/rapid"
)

const (
	tProfile = "20000000-0000-4000-8000-0000000000f1"
	tAcctA   = "10000000-0000-4000-8000-0000000000a1"
	tContact = "10000000-0000-4000-8000-0000000000c1"
)

// partitionWorld is the test organization with Alice's profile: her own
// accounts and the contacts they name as primary contact.
func partitionWorld(t *testing.T) *Engine {
	t.Helper()
	return partitionWorldOf(t, []Rule{
		{Entity: "account", Rows: []string{RowsUser}, Relationships: []string{"primarycontactid"}},
		{Entity: "contact", Rows: []string{RowsRelated}},
	})
}

// partitionWorldOf is partitionWorld with Alice's profile of rules.
func partitionWorldOf(t *testing.T, rules []Rule) *Engine {
	t.Helper()
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	org := testOrg()
	org.Roles[0].Privileges["contact"] = Privileges{Read: DepthOrganization}
	org.Publish = true
	org.Profiles = []Profile{{ID: tProfile, Name: "Mine", Users: []string{tAlice}, Rules: rules}}
	mustApply(t, e, &Command{Kind: KindPutOrg, Now: 1000, Org: org})
	return e
}

func bobAccount(i int) string { return fmt.Sprintf("10000000-0000-4000-8000-%012d", 1000+i) }

// TestDeltaReadsOnlyItsPartitions: a delta reads the logs of the user's
// partitions, so writes elsewhere in the organization cost it nothing;
// a change to a row it holds only as a lookup target (a contact Bob owns)
// still reaches it, through the partition of the row that looks it up.
func TestDeltaReadsOnlyItsPartitions(t *testing.T) {
	e := partitionWorld(t)
	mustApply(t, e, ingestCmd(2000,
		codec.Record{Entity: "contact", ID: tContact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ng"}},
		codec.Record{Entity: "account", ID: tAcctA, OwnerID: tAlice, Attrs: map[string]any{"name": "A", "primarycontactid": tContact}}))
	for i := 0; i < 20; i++ {
		mustApply(t, e, ingestCmd(2000, codec.Record{Entity: "account", ID: bobAccount(i), OwnerID: tBob, Attrs: map[string]any{"name": "B"}}))
	}
	first, err := e.Pull(tAlice, nil, 3000, PullOptions{})
	if err != nil || len(first.Entities[0].Upserts) != 1 || len(first.Entities[1].Upserts) != 1 {
		t.Fatalf("first load: %+v %v", first, err)
	}
	// Churn outside the view: Bob's accounts, 100 writes.
	for n := 0; n < 5; n++ {
		for i := 0; i < 20; i++ {
			mustApply(t, e, ingestCmd(4000, codec.Record{Entity: "account", ID: bobAccount(i), OwnerID: tBob, Attrs: map[string]any{"name": fmt.Sprintf("B%d", n)}}))
		}
	}
	quiet, err := e.Pull(tAlice, &first.Cursor, 5000, PullOptions{})
	if err != nil || quiet.Scanned != 0 || quiet.Reset || len(quiet.Entities[0].Upserts)+len(quiet.Entities[1].Upserts) != 0 {
		t.Fatalf("after writes outside the view the pull must read nothing: %+v %v", quiet, err)
	}
	acc, err := e.Access(tAlice, "")
	if err != nil {
		t.Fatal(err)
	}
	if moved := e.ViewChanges(acc, first.Cursor.Version); len(moved) != 0 {
		t.Fatalf("writes outside the view must not wake Alice's streams: %v", moved)
	}
	// One write to the contact Bob owns, one to Alice's account.
	mustApply(t, e, ingestCmd(6000,
		codec.Record{Entity: "contact", ID: tContact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ngo"}},
		codec.Record{Entity: "account", ID: tAcctA, OwnerID: tAlice, Attrs: map[string]any{"name": "A2", "primarycontactid": tContact}}))
	for i := 0; i < 20; i++ {
		mustApply(t, e, ingestCmd(6000, codec.Record{Entity: "account", ID: bobAccount(i), OwnerID: tBob, Attrs: map[string]any{"name": "C"}}))
	}
	if moved := e.ViewChanges(acc, quiet.Cursor.Version); !slices.Equal(moved, []string{"account", "contact"}) {
		t.Fatalf("a write to Alice's account and to its contact moves both: %v", moved)
	}
	res, err := e.Pull(tAlice, &quiet.Cursor, 7000, PullOptions{})
	if err != nil || res.Reset {
		t.Fatalf("delta: %+v %v", res, err)
	}
	if res.Scanned != 2 {
		t.Fatalf("the delta read %d log entries, want the 2 of its partitions", res.Scanned)
	}
	got := map[string]any{}
	for _, d := range res.Entities {
		for _, r := range append(d.Upserts, d.Patches...) {
			got[r.ID] = r.Attrs
		}
	}
	if len(got) != 2 || got[tAcctA] == nil || got[tContact] == nil {
		t.Fatalf("the delta must bring the account and its contact, and nothing else: %v", got)
	}
	if ln := got[tContact].(map[string]any)["lastname"]; ln != "Ngo" {
		t.Fatalf("contact lastname %v", ln)
	}
}

// TestPartitionsStartOnOlderDatabases: on a database written before
// partition logs existed (simulated by dropping them), deltas read the
// entities' change logs; KindStartPartitions rebuilds exactly the
// reference summaries a new database keeps, and deltas from cursors after
// it read partitions.
func TestPartitionsStartOnOlderDatabases(t *testing.T) {
	e := partitionWorld(t)
	mustApply(t, e, ingestCmd(2000,
		codec.Record{Entity: "contact", ID: tContact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ng"}},
		codec.Record{Entity: "account", ID: tAcctA, OwnerID: tAlice, Attrs: map[string]any{"name": "A", "primarycontactid": tContact}},
		codec.Record{Entity: "account", ID: bobAccount(1), OwnerID: tBob, Attrs: map[string]any{"name": "B", "primarycontactid": tContact}},
		codec.Record{Entity: "contact", ID: bobAccount(2), OwnerID: tAlice, Attrs: map[string]any{"lastname": "X", "parentcustomerid": bobAccount(1)}}))
	summaries := func() map[string]string {
		out := map[string]string{}
		for k, v := range dump(t, e) {
			if strings.HasPrefix(k, prefixRefSummary) {
				out[k] = v
			}
		}
		return out
	}
	want := summaries()
	if len(want) != 2 {
		t.Fatalf("summaries of a new database: %q", want)
	}
	if err := e.db.DropPrefix([]byte(prefixPartition), []byte(prefixRefSummary), []byte(keyPartitions)); err != nil {
		t.Fatal(err)
	}
	e.partsFrom.Store(0) // as loaded from such a database
	first, err := e.Pull(tAlice, nil, 3000, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, e, ingestCmd(4000, codec.Record{Entity: "account", ID: bobAccount(1), OwnerID: tBob, Attrs: map[string]any{"name": "B2"}}))
	res, err := e.Pull(tAlice, &first.Cursor, 5000, PullOptions{})
	if err != nil || res.Scanned != 1 {
		t.Fatalf("without partition logs a delta reads the change log (1 entry): %+v %v", res, err)
	}
	mustApply(t, e, &Command{Kind: KindStartPartitions, Now: 5000})
	if got := summaries(); !e.PartitionsComplete() || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rebuilt summaries %q, want %q", got, want)
	}
	after, err := e.Pull(tAlice, nil, 6000, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// (bobAccount(1) is logged in Alice's partition too: a contact of
	// hers looks it up.)
	mustApply(t, e, ingestCmd(7000, codec.Record{Entity: "account", ID: bobAccount(5), OwnerID: tBob, Attrs: map[string]any{"name": "B3"}}))
	res, err = e.Pull(tAlice, &after.Cursor, 8000, PullOptions{})
	if err != nil || res.Scanned != 0 {
		t.Fatalf("after the start a delta reads its partitions only: %+v %v", res, err)
	}
}

// TestPrunePartitionLogs: pruning drops the partition-log entries below
// the horizon and keeps the others, and deltas from cursors at or above
// it stay exact.
func TestPrunePartitionLogs(t *testing.T) {
	e := partitionWorld(t)
	mustApply(t, e, ingestCmd(2000,
		codec.Record{Entity: "contact", ID: tContact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ng"}},
		codec.Record{Entity: "account", ID: tAcctA, OwnerID: tAlice, Attrs: map[string]any{"name": "A", "primarycontactid": tContact}}))
	for i := 0; i < 5; i++ {
		mustApply(t, e, ingestCmd(2000, codec.Record{Entity: "account", ID: tAcctA, OwnerID: tAlice, Attrs: map[string]any{"name": fmt.Sprintf("A%d", i), "primarycontactid": tContact}}))
	}
	horizon := e.Applied()
	cur, err := e.Pull(tAlice, nil, 3000, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, e, ingestCmd(4000, codec.Record{Entity: "contact", ID: tContact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ngo"}}))
	mustApply(t, e, &Command{Kind: KindPrune, Now: 4000, Horizon: horizon})
	var kept []uint64
	for k := range dump(t, e) {
		if p := partitionOf([]byte(k)); strings.HasPrefix(k, prefixPartition) && p > 0 {
			v := decodeVersion([]byte(k[p : p+8]))
			if v < horizon {
				t.Fatalf("partition entry %q below the horizon %d survived", k, horizon)
			}
			kept = append(kept, v)
		}
	}
	if !slices.Contains(kept, horizon+1) {
		t.Fatalf("the entries above the horizon must stay: %v", kept)
	}
	res, err := e.Pull(tAlice, &cur.Cursor, 5000, PullOptions{})
	if err != nil || res.Reset || len(res.Entities[1].Upserts)+len(res.Entities[1].Patches) != 1 {
		t.Fatalf("delta after the prune: %+v %v", res, err)
	}
}

// TestRefSummariesMatchTheRows is a model test: after random creates,
// updates (owner, business unit and lookup changes) and deletes, every
// reference summary counts exactly the live rows that look its target up,
// by owner and by business unit, as recomputed from the rows; and a
// rebuild from the reference index (KindStartPartitions) gives the same
// bytes.
func TestRefSummariesMatchTheRows(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		e, _ := openTest(t)
		mustApply(t, e, setupCommands()...)
		ids := []string{tAcctA, tContact, bobAccount(1), bobAccount(2), bobAccount(3)}
		owners := []string{tAlice, tBob, tTeam}
		for n := rapid.IntRange(1, 30).Draw(rt, "steps"); n > 0; n-- {
			id := rapid.SampledFrom(ids).Draw(rt, "id")
			entity := "account"
			if id == tContact || id == bobAccount(3) {
				entity = "contact"
			}
			rec := codec.Record{Entity: entity, ID: id, OwnerID: rapid.SampledFrom(owners).Draw(rt, "owner")}
			switch {
			case rapid.IntRange(0, 5).Draw(rt, "op") == 0:
				rec.Op = codec.OpDelete
				rec.OwnerID = ""
			case entity == "account":
				rec.Attrs = map[string]any{"name": "n", "primarycontactid": rapid.SampledFrom([]any{nil, tContact, bobAccount(3)}).Draw(rt, "contact")}
			default:
				rec.Attrs = map[string]any{"lastname": "n", "parentcustomerid": rapid.SampledFrom([]any{nil, tAcctA, bobAccount(1)}).Draw(rt, "account")}
			}
			if _, err := e.Apply(e.Applied()+1, ingestCmd(2000, rec)); err != nil {
				rt.Fatal(err)
			}
		}
		want := refScopes{}
		kv := dump(t, e)
		for k, v := range kv {
			if !strings.HasPrefix(k, prefixRow) {
				continue
			}
			var row codec.Row
			if err := codec.Unmarshal([]byte(v), &row); err != nil {
				rt.Fatal(err)
			}
			if row.Deleted {
				continue
			}
			for _, a := range []string{"primarycontactid", "parentcustomerid"} {
				if target, _ := row.Attrs[a].(string); target != "" {
					want.add(target, strings.Split(strings.TrimPrefix(k, prefixRow), "/")[0], row.OwnerID, row.OwningBusinessUnit, 1)
				}
			}
		}
		check := func(when string) {
			kv := dump(t, e)
			for target, m := range want {
				s := refSummary{}
				for scope, n := range m {
					s[scope] = uint32(n)
				}
				if got, w := kv[string(refSummaryKey(target))], string(encodeRefSummary(s)); got != w {
					rt.Fatalf("%s: summary of %s = %x, want %x", when, target, got, w)
				}
			}
			for k := range kv {
				if strings.HasPrefix(k, prefixRefSummary) && want[k[len(prefixRefSummary):]] == nil {
					rt.Fatalf("%s: summary %s of a target nothing looks up", when, k)
				}
			}
		}
		check("kept")
		if err := e.db.DropPrefix([]byte(prefixRefSummary), []byte(keyPartitions)); err != nil {
			rt.Fatal(err)
		}
		e.partsFrom.Store(0)
		mustApply(t, e, &Command{Kind: KindStartPartitions, Now: 3000})
		check("rebuilt")
	})
}

// TestAccessChangeReloadsWhenSmaller: across an access change the device
// gets the difference between its old and new views, unless that
// difference is bigger than a reload of the new view (a move to another
// business unit that drops every row held; an id counts an eighth of a
// row): then a reload.
func TestAccessChangeReloadsWhenSmaller(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	const carol = "00000000-0000-4000-8000-0000000000c7"
	org := testOrg()
	org.Users = append(org.Users, User{ID: carol, Name: "Carol", BusinessUnit: tRootBU, Enabled: true})
	org.Publish = true
	org.Profiles = []Profile{{ID: tProfile, Name: "Unit", Users: []string{tAlice}, Rules: []Rule{{Entity: "account", Rows: []string{RowsBusinessUnit}}}}}
	mustApply(t, e, &Command{Kind: KindPutOrg, Now: 1000, Org: org})
	var recs []codec.Record
	for i := 0; i < 5; i++ {
		recs = append(recs, codec.Record{Entity: "account", ID: bobAccount(i), OwnerID: carol, Attrs: map[string]any{"name": "C"}})
	}
	recs = append(recs, codec.Record{Entity: "account", ID: bobAccount(9), OwnerID: tBob, Attrs: map[string]any{"name": "B"}})
	mustApply(t, e, ingestCmd(2000, recs...))
	first, err := e.Pull(tAlice, nil, 3000, PullOptions{})
	if err != nil || len(first.Entities[0].Upserts) != 5 {
		t.Fatalf("first load: %+v %v", first, err)
	}
	// Joining a team changes the context, not the rows: a delta.
	mustApply(t, e, &Command{Kind: KindPutOrg, Now: 4000, Org: &Org{Teams: []Team{{ID: "00000000-0000-4000-8000-0000000000c2", Name: "T2", BusinessUnit: tRootBU, Members: []string{tAlice}}}}})
	res, err := e.Pull(tAlice, &first.Cursor, 5000, PullOptions{})
	if err != nil || res.Reset || len(res.Entities[0].Upserts)+len(res.Entities[0].Removals) != 0 {
		t.Fatalf("after joining a team: %+v %v", res, err)
	}
	// Moving to Bob's business unit: 1 upsert and 5 removals (1 5/8 rows)
	// against a view of 1 row: a reload.
	alice := testOrg().Users[0]
	alice.BusinessUnit = tChildBU
	mustApply(t, e, &Command{Kind: KindPutOrg, Now: 6000, Org: &Org{Users: []User{alice}}})
	moved, err := e.Pull(tAlice, &res.Cursor, 7000, PullOptions{})
	if err != nil || !moved.Reset || len(moved.Entities[0].Upserts) != 1 || moved.Entities[0].Upserts[0].ID != bobAccount(9) {
		t.Fatalf("after a move to another business unit: %+v %v", moved, err)
	}
}

// TestDeltaReadsRecentLogsFromMemory: a delta from a recent cursor reads
// its partitions' entries from the in-memory tails and seeks no log; when
// the tails do not reach back to the cursor (the engine reopened since,
// or more writes than a tail keeps), it seeks the logs in Badger, with
// the same answer.
func TestDeltaReadsRecentLogsFromMemory(t *testing.T) {
	e := partitionWorld(t)
	mustApply(t, e,
		ingestCmd(2000,
			codec.Record{Entity: "contact", ID: tContact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ng"}},
			codec.Record{Entity: "account", ID: tAcctA, OwnerID: tAlice, Attrs: map[string]any{"name": "A", "primarycontactid": tContact}}))
	first, err := e.Pull(tAlice, nil, 3000, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, e, ingestCmd(4000, codec.Record{Entity: "account", ID: tAcctA, OwnerID: tAlice, Attrs: map[string]any{"name": "A2", "primarycontactid": tContact}}))
	res, err := e.Pull(tAlice, &first.Cursor, 5000, PullOptions{})
	if err != nil || res.Reset || res.Logs != 0 || res.Scanned != 1 {
		t.Fatalf("recent delta: logs sought %d, entries %d, reset %v, err %v (want 0 and 1)", res.Logs, res.Scanned, res.Reset, err)
	}
	// More writes to Alice's account than a tail keeps: its log is sought.
	for i := 0; i <= tailPartitionCap; i++ {
		mustApply(t, e, ingestCmd(4000, codec.Record{Entity: "account", ID: tAcctA, OwnerID: tAlice, Attrs: map[string]any{"name": fmt.Sprintf("A%d", i), "primarycontactid": tContact}}))
	}
	long, err := e.Pull(tAlice, &first.Cursor, 5000, PullOptions{})
	if err != nil || long.Reset || long.Logs == 0 {
		t.Fatalf("a delta older than the tail must seek: logs %d, reset %v, err %v", long.Logs, long.Reset, err)
	}
	// What the logs in Badger hold reaches the device: Alice's account at
	// its last write.
	acct := append(long.Entities[0].Upserts, long.Entities[0].Patches...)
	if want := fmt.Sprintf("A%d", tailPartitionCap); len(acct) != 1 || acct[0].ID != tAcctA || acct[0].Attrs["name"] != want {
		t.Fatalf("a delta read from Badger brought %+v, want account %s named %s", acct, tAcctA, want)
	}
	e2 := reopenTest(t, e)
	again, err := e2.Pull(tAlice, &first.Cursor, 5000, PullOptions{})
	if err != nil || again.Reset || again.Logs != 2 {
		t.Fatalf("after a reopen the tails start at the reopen: logs %d, reset %v, err %v (want both logs)", again.Logs, again.Reset, err)
	}
	if fmt.Sprint(again.Entities) != fmt.Sprint(long.Entities) {
		t.Fatalf("the answers differ:\n%v\n%v", again.Entities, long.Entities)
	}
}

// TestWholeEntityDeltaReadsTheChangeLogFromBadger: a rule that carries
// all of an entity's rows the user may read reads the entity's change
// log; once the in-memory tails no longer reach back to the cursor (after
// a reopen), the delta reads that log from Badger and must bring what it
// holds: the rows written since the cursor, at their last write, and
// nothing else.
func TestWholeEntityDeltaReadsTheChangeLogFromBadger(t *testing.T) {
	e := partitionWorldOf(t, []Rule{{Entity: "contact", Rows: []string{RowsAll}}})
	contact := func(i int) string { return fmt.Sprintf("20000000-0000-4000-8000-%012d", i) }
	owners := []string{tAlice, tBob}
	for i := range 4 {
		mustApply(t, e, ingestCmd(2000, codec.Record{Entity: "contact", ID: contact(i), OwnerID: owners[i%2], Attrs: map[string]any{"lastname": "Old"}}))
	}
	first, err := e.Pull(tAlice, nil, 3000, PullOptions{})
	if err != nil || len(first.Entities) != 1 || len(first.Entities[0].Upserts) != 4 {
		t.Fatalf("first load: %+v %v", first, err)
	}
	// Contacts 1 and 2 change (1 twice), one of each owner; 0 and 3 do not.
	mustApply(t, e, ingestCmd(4000, codec.Record{Entity: "contact", ID: contact(1), OwnerID: tBob, Attrs: map[string]any{"lastname": "New1a"}}))
	mustApply(t, e, ingestCmd(4000, codec.Record{Entity: "contact", ID: contact(2), OwnerID: tAlice, Attrs: map[string]any{"lastname": "New2"}}))
	mustApply(t, e, ingestCmd(4000, codec.Record{Entity: "contact", ID: contact(1), OwnerID: tBob, Attrs: map[string]any{"lastname": "New1b"}}))
	check := func(name string, res *PullResult) {
		t.Helper()
		if res.Reset || len(res.Entities) != 1 {
			t.Fatalf("%s: reset %v, entities %d", name, res.Reset, len(res.Entities))
		}
		got := map[string]any{}
		for _, r := range append(res.Entities[0].Upserts, res.Entities[0].Patches...) {
			got[r.ID] = r.Attrs["lastname"]
		}
		if want := map[string]any{contact(1): "New1b", contact(2): "New2"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s brought %v, want %v", name, got, want)
		}
	}
	fromTail, err := e.Pull(tAlice, &first.Cursor, 5000, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check("a delta from the in-memory tail", fromTail)
	e2 := reopenTest(t, e)
	fromBadger, err := e2.Pull(tAlice, &first.Cursor, 5000, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fromBadger.Logs == 0 {
		t.Fatal("after a reopen the delta must read the change log from Badger: no log sought")
	}
	check("a delta read from Badger", fromBadger)
}

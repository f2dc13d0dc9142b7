package engine

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
)

// randomCommands builds a reproducible mix of ingest commands (upserts,
// partial updates, owner changes, deletes, and some invalid records).
func randomCommands(rng *rand.Rand, n int) []*Command {
	ids := make([]string, 12)
	for i := range ids {
		ids[i] = fmt.Sprintf("30000000-0000-4000-8000-%012d", i)
	}
	owners := []string{tAlice, tBob, tTeam}
	var cmds []*Command
	for i := 0; i < n; i++ {
		var recs []codec.Record
		for j := 0; j < 1+rng.Intn(4); j++ {
			id := ids[rng.Intn(len(ids))]
			switch rng.Intn(6) {
			case 0:
				recs = append(recs, codec.Record{Op: codec.OpDelete, Entity: "account", ID: id})
			case 1:
				recs = append(recs, codec.Record{Entity: "account", ID: id, OwnerID: owners[rng.Intn(3)], Attrs: map[string]any{"name": "n" + strconv.Itoa(rng.Intn(100))}})
			case 2:
				recs = append(recs, codec.Record{Entity: "account", ID: id, Attrs: map[string]any{"employees": int64(rng.Intn(1000)), "active": rng.Intn(2) == 0}})
			case 3:
				recs = append(recs, codec.Record{Entity: "account", ID: id, OwnerID: owners[rng.Intn(3)], Attrs: map[string]any{"name": "x", "revenue": "12.50", "primarycontactid": ids[rng.Intn(len(ids))]}})
			case 4:
				recs = append(recs, codec.Record{Entity: "contact", ID: id, OwnerID: owners[rng.Intn(3)], Attrs: map[string]any{"lastname": "L", "parentcustomerid": ids[rng.Intn(len(ids))]}})
			default:
				recs = append(recs, codec.Record{Entity: "account", ID: id, Attrs: map[string]any{"nosuch": int64(1)}}) // rejected
			}
		}
		cmds = append(cmds, ingestCmd(int64(10_000+i), recs...))
	}
	return cmds
}

func seed(t *testing.T) int64 {
	s := time.Now().UnixNano()
	if v := os.Getenv("OFFSYNC_SEED"); v != "" {
		s, _ = strconv.ParseInt(v, 10, 64)
	}
	t.Logf("seed %d (replay with OFFSYNC_SEED=%d)", s, s)
	return s
}

func TestApplyDeterministic(t *testing.T) {
	s := seed(t)
	cmds := append(setupCommands(), randomCommands(rand.New(rand.NewSource(s)), 200)...)
	a, _ := openTest(t)
	b, _ := openTest(t)
	// a applies one command at a time; b applies the same commands in
	// batches of varying size: the bytes must not depend on batching.
	for i, c := range cmds {
		if _, err := a.Apply(uint64(i+1), c); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewSource(s + 1))
	for i := 0; i < len(cmds); {
		n := 1 + rng.Intn(20)
		var batch []Entry
		for j := i; j < i+n && j < len(cmds); j++ {
			batch = append(batch, Entry{Version: uint64(j + 1), Cmd: cmds[j]})
		}
		if _, err := b.ApplyBatch(batch); err != nil {
			t.Fatal(err)
		}
		i += n
	}
	da, db := dump(t, a), dump(t, b)
	if len(da) != len(db) {
		t.Fatalf("key counts differ: %d vs %d", len(da), len(db))
	}
	for _, k := range sortedDumpKeys(da) {
		if da[k] != db[k] {
			t.Fatalf("key %q differs between the two engines", k)
		}
	}
	if a.Applied() != uint64(len(cmds)) || b.Applied() != a.Applied() {
		t.Fatalf("applied = %d and %d, want %d", a.Applied(), b.Applied(), len(cmds))
	}
}

func TestRestartDurable(t *testing.T) {
	dir := t.TempDir()
	e, err := Open(testConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, e, setupCommands()...)
	mustApply(t, e, ingestCmd(2000, codec.Record{Entity: "account", ID: acc1, OwnerID: tAlice, Attrs: map[string]any{"name": "Durable", "since": "2026-01-02T03:04:05Z"}}))
	before := dump(t, e)
	e2 := reopenTest(t, e)
	if e2.Applied() != 4 || e2.Schema().Version != 1 {
		t.Fatalf("after reopen applied=%d schema=%d, want 4 and 1", e2.Applied(), e2.Schema().Version)
	}
	row, err := e2.Get("account", acc1)
	if err != nil || row.Attrs["name"] != "Durable" || row.Attrs["since"] != int64(1767323045000) {
		t.Fatalf("row after reopen = %+v, %v", row, err)
	}
	after := dump(t, e2)
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("key %q changed across restart", k)
		}
	}
	// Re-applying an already applied version is a no-op.
	r, err := e2.Apply(4, ingestCmd(9999, codec.Record{Op: codec.OpDelete, Entity: "account", ID: acc1}))
	if err != nil || r.Err != nil {
		t.Fatalf("reapply: %v %v", err, r.Err)
	}
	if _, err := e2.Get("account", acc1); err != nil {
		t.Fatalf("re-applied version changed state: %v", err)
	}
}

func TestIngestRejectsBadInputAndWritesNothing(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	good := codec.Record{Entity: "account", ID: acc1, OwnerID: tAlice, Attrs: map[string]any{"name": "ok"}}
	cases := []struct {
		name string
		rec  codec.Record
		want string
	}{
		{"unknown entity", codec.Record{Entity: "nosuch", ID: acc2}, `records[1].entity: unknown entity "nosuch"`},
		{"unknown attribute", codec.Record{Entity: "account", ID: acc2, OwnerID: tAlice, Attrs: map[string]any{"name": "a", "zzz": "b"}}, "records[1].attributes.zzz: unknown attribute of account"},
		{"wrong type", codec.Record{Entity: "account", ID: acc2, OwnerID: tAlice, Attrs: map[string]any{"name": int64(3)}}, "records[1].attributes.name: expected string, got integer"},
		{"missing id", codec.Record{Entity: "account", OwnerID: tAlice, Attrs: map[string]any{"name": "a"}}, "records[1].id: missing"},
		{"bad id", codec.Record{Entity: "account", ID: "42", OwnerID: tAlice, Attrs: map[string]any{"name": "a"}}, `records[1].id: "42" is not a GUID`},
		{"missing required", codec.Record{Entity: "account", ID: acc2, OwnerID: tAlice}, "records[1].attributes.name: required"},
		{"too long", codec.Record{Entity: "account", ID: acc2, OwnerID: tAlice, Attrs: map[string]any{"name": "123456789012345678901"}}, "records[1].attributes.name: 21 characters is longer than the maximum 20"},
		{"bad choice", codec.Record{Entity: "account", ID: acc2, OwnerID: tAlice, Attrs: map[string]any{"name": "a", "industry": int64(9)}}, "records[1].attributes.industry: 9 is not one of the choices"},
		{"bad decimal", codec.Record{Entity: "account", ID: acc2, OwnerID: tAlice, Attrs: map[string]any{"name": "a", "revenue": "1e9"}}, `records[1].attributes.revenue: "1e9" is not a decimal`},
		{"bad lookup", codec.Record{Entity: "account", ID: acc2, OwnerID: tAlice, Attrs: map[string]any{"name": "a", "primarycontactid": "x"}}, `records[1].attributes.primarycontactid: "x" is not a GUID`},
		{"unknown owner", codec.Record{Entity: "account", ID: acc2, OwnerID: acc1, Attrs: map[string]any{"name": "a"}}, `records[1].ownerid: no user or team "` + acc1 + `"`},
		{"no owner", codec.Record{Entity: "account", ID: acc2, Attrs: map[string]any{"name": "a"}}, "records[1].ownerid: required for user-owned entity account"},
		{"owner on org entity", codec.Record{Entity: "currency", ID: acc2, OwnerID: tAlice, Attrs: map[string]any{"code": "EUR"}}, "records[1].ownerid: entity currency is organization-owned"},
		{"system attribute", codec.Record{Entity: "account", ID: acc2, OwnerID: tAlice, Attrs: map[string]any{"name": "a", "version": int64(1)}}, "records[1].attributes.version: version is a system attribute the server sets"},
		{"bad op", codec.Record{Op: "merge", Entity: "account", ID: acc2}, `records[1].op: unknown operation "merge"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := dump(t, e)
			v := e.Applied() + 1
			r, err := e.Apply(v, ingestCmd(5000, good, tc.rec))
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(r.Err, ErrInvalid) || r.Err.Error() != tc.want {
				t.Fatalf("err = %v, want %q (ErrInvalid)", r.Err, tc.want)
			}
			after := dump(t, e)
			delete(after, keyApplied)
			delete(before, keyApplied)
			if len(after) != len(before) {
				t.Fatalf("a rejected batch wrote %d keys", len(after)-len(before))
			}
			if e.Applied() != v {
				t.Fatalf("applied = %d, want %d even for a rejection", e.Applied(), v)
			}
		})
	}
}

func TestValuesAreCoercedToCanonicalForms(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	mustApply(t, e, ingestCmd(2000, codec.Record{Entity: "account", ID: "10000000-0000-4000-8000-00000000000A", OwnerID: tAlice, Attrs: map[string]any{
		"name": "n", "revenue": int64(12), "rating": int64(4), "employees": float64(7),
		"since": int64(99), "primarycontactid": "{20000000-0000-4000-8000-00000000000B}",
		"createdon": "2026-01-01T00:00:00Z", "modifiedon": int64(1767225600001),
	}}))
	row, err := e.Get("account", "10000000-0000-4000-8000-00000000000a")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"name": "n", "revenue": "12", "rating": float64(4), "employees": int64(7), "since": int64(99),
		"primarycontactid": "20000000-0000-4000-8000-00000000000b"}
	for k, v := range want {
		if row.Attrs[k] != v {
			t.Errorf("%s = %#v, want %#v", k, row.Attrs[k], v)
		}
	}
	if row.CreatedOn != 1767225600000 || row.ModifiedOn != 1767225600001 {
		t.Errorf("createdon/modifiedon overrides = %d/%d", row.CreatedOn, row.ModifiedOn)
	}
	// Setting an attribute to null clears it; a required one cannot be.
	mustApply(t, e, ingestCmd(3000, codec.Record{Entity: "account", ID: row.ID, Attrs: map[string]any{"rating": nil}}))
	if row, _ = e.Get("account", row.ID); row.Attrs["rating"] != nil || row.ModifiedOn != 3000 {
		t.Errorf("after clearing: %+v", row)
	}
	r, _ := e.Apply(e.Applied()+1, ingestCmd(4000, codec.Record{Entity: "account", ID: row.ID, Attrs: map[string]any{"name": nil}}))
	if !errors.Is(r.Err, ErrInvalid) {
		t.Errorf("clearing a required attribute: %v", r.Err)
	}
}

func TestSchemaPublishIncrementsVersionAndGuardsTypes(t *testing.T) {
	e, _ := openTest(t)
	r := mustApply(t, e, setupCommands()...)
	if r[1].MetadataVersion != 1 || e.Schema().Version != 1 {
		t.Fatalf("first publish metadata version = %d", r[1].MetadataVersion)
	}
	s := testSchema()
	s.Entities[0].Attributes[0].Type = TypeInt
	mustApply(t, e, &Command{Kind: KindSetSchemaDraft, Schema: s})
	res, _ := e.Apply(e.Applied()+1, &Command{Kind: KindPublishSchema})
	if !errors.Is(res.Err, ErrInvalid) || e.Schema().Version != 1 {
		t.Fatalf("type change published: %v (version %d)", res.Err, e.Schema().Version)
	}
	s = testSchema()
	s.Entities[1].Attributes = append(s.Entities[1].Attributes, Attribute{Name: "email", Type: TypeString})
	mustApply(t, e, &Command{Kind: KindSetSchemaDraft, Schema: s})
	r = mustApply(t, e, &Command{Kind: KindPublishSchema})
	if r[0].MetadataVersion != 2 || e.Schema().Entity("contact").Attribute("email") == nil {
		t.Fatalf("second publish = %d", r[0].MetadataVersion)
	}
	bad := &Schema{Entities: []EntityDef{{Name: "x", Attributes: []Attribute{{Name: "l", Type: TypeLookup, Targets: []string{"nope"}}}}}}
	res, _ = e.Apply(e.Applied()+1, &Command{Kind: KindSetSchemaDraft, Schema: bad})
	if res.Err == nil || res.Err.Error() != `entities[0].attributes[0].targets: unknown entity "nope"` {
		t.Fatalf("bad draft: %v", res.Err)
	}
}

func TestCommandLargerThanOneTransaction(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.MemTableSize = 8 << 20 // Badger then takes about 1.2 MB per transaction
	e, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	mustApply(t, e, setupCommands()...)
	var recs []codec.Record
	for i := 0; i < 5000; i++ {
		recs = append(recs, codec.Record{Entity: "account", ID: fmt.Sprintf("40000000-0000-4000-8000-%012d", i), OwnerID: tAlice,
			Attrs: map[string]any{"name": "big", "primarycontactid": fmt.Sprintf("50000000-0000-4000-8000-%012d", i)}})
	}
	r := mustApply(t, e, ingestCmd(2000, recs...), ingestCmd(3000, recs[0]))
	n := 0
	if err := e.Scan("account", func(codec.Row) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 5000 || e.Applied() != r[1].Version {
		t.Fatalf("rows = %d, applied = %d (want 5000, %d)", n, e.Applied(), r[1].Version)
	}
}

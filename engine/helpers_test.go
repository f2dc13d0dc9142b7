package engine

import (
	"sort"
	"testing"

	"github.com/offsync/offsync/codec"
)

// Fixed ids for the test organization.
const (
	tRootBU  = "00000000-0000-4000-8000-000000000001"
	tChildBU = "00000000-0000-4000-8000-000000000002"
	tRole    = "00000000-0000-4000-8000-000000000003"
	tAlice   = "00000000-0000-4000-8000-0000000000a1"
	tBob     = "00000000-0000-4000-8000-0000000000b0"
	tTeam    = "00000000-0000-4000-8000-0000000000c1"
)

// testConfig is DefaultConfig with small Badger buffers, so tests open fast.
func testConfig(dir string) Config {
	c := DefaultConfig(dir)
	c.MemTableSize = 8 << 20
	c.BlockCacheSize = 1 << 20
	return c
}

// reopenTest closes e and opens its directory again; the new engine is
// closed at cleanup.
func reopenTest(t testing.TB, e *Engine) *Engine {
	t.Helper()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e2, err := Open(testConfig(e.cfg.Dir))
	if err != nil {
		t.Fatalf("reopen engine: %v", err)
	}
	t.Cleanup(func() { e2.Close() })
	return e2
}

// wantDump fails t for each key of want that got lacks or holds with
// another value, and for each key got holds beyond want.
func wantDump(t testing.TB, got, want map[string]string) {
	t.Helper()
	for _, k := range sortedDumpKeys(want) {
		if got[k] != want[k] {
			t.Errorf("after migration %q = %x, want %x", k, got[k], want[k])
		}
	}
	for _, k := range sortedDumpKeys(got) {
		if _, ok := want[k]; !ok {
			t.Errorf("after migration %q is left over", k)
		}
	}
}

// openTest opens an engine in a temporary directory and closes it at
// cleanup.
func openTest(t testing.TB) (*Engine, string) {
	t.Helper()
	dir := t.TempDir()
	e, err := Open(testConfig(dir))
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e, dir
}

func testSchema() *Schema {
	return &Schema{Entities: []EntityDef{
		{Name: "account", Ownership: OwnedByUserOrTeam, Offline: true, Attributes: []Attribute{
			{Name: "name", Type: TypeString, Required: true, MaxLength: 20},
			{Name: "revenue", Type: TypeDecimal},
			{Name: "employees", Type: TypeInt},
			{Name: "rating", Type: TypeFloat},
			{Name: "active", Type: TypeBool},
			{Name: "since", Type: TypeDateTime},
			{Name: "industry", Type: TypeChoice, Choices: []Choice{{1, "Retail"}, {2, "Banking"}}},
			{Name: "primarycontactid", Type: TypeLookup, Targets: []string{"contact"}},
		}},
		{Name: "contact", Ownership: OwnedByUserOrTeam, Offline: true, Attributes: []Attribute{
			{Name: "lastname", Type: TypeString, Required: true},
			{Name: "parentcustomerid", Type: TypeLookup, Targets: []string{"account"}},
		}},
		{Name: "currency", Ownership: OwnedByOrganization, Attributes: []Attribute{
			{Name: "code", Type: TypeString, Required: true, MaxLength: 3},
		}},
	}}
}

func testOrg() *Org {
	return &Org{
		BusinessUnits: []BusinessUnit{{ID: tRootBU, Name: "Root"}, {ID: tChildBU, Name: "Child", Parent: tRootBU}},
		Roles:         []Role{{ID: tRole, Name: "Sales", Privileges: map[string]Privileges{"account": {Read: DepthBusinessUnit}}}},
		Users: []User{{ID: tAlice, Name: "Alice", BusinessUnit: tRootBU, Roles: []string{tRole}, Enabled: true},
			{ID: tBob, Name: "Bob", BusinessUnit: tChildBU, Enabled: true}},
		Teams: []Team{{ID: tTeam, Name: "Team", BusinessUnit: tChildBU, Members: []string{tAlice, tBob}}},
	}
}

// setupCommands publishes the test schema and organization at versions 1..3.
func setupCommands() []*Command {
	return []*Command{
		{Kind: KindSetSchemaDraft, Now: 1000, Schema: testSchema()},
		{Kind: KindPublishSchema, Now: 1000},
		{Kind: KindPutOrg, Now: 1000, Org: testOrg()},
	}
}

// mustApply applies cmds at consecutive versions after the engine's, and
// fails the test on a rejection.
func mustApply(t testing.TB, e *Engine, cmds ...*Command) []*Result {
	t.Helper()
	var out []*Result
	for _, c := range cmds {
		r, err := e.Apply(e.Applied()+1, c)
		if err != nil {
			t.Fatalf("apply %s: %v", c.Kind, err)
		}
		if r.Err != nil {
			t.Fatalf("apply %s: rejected: %v", c.Kind, r.Err)
		}
		out = append(out, r)
	}
	return out
}

func ingestCmd(now int64, recs ...codec.Record) *Command {
	return &Command{Kind: KindIngest, Now: now, Records: recs}
}

// dump returns every key and value in the database, for comparisons.
func dump(t testing.TB, e *Engine) map[string]string {
	t.Helper()
	out, err := e.kv()
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	return out
}

func sortedDumpKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

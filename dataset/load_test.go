package dataset

import (
	"context"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// engineProposer applies commands straight to an engine, at consecutive
// versions, like a one-node log would.
type engineProposer struct{ e *engine.Engine }

func (p engineProposer) Propose(_ context.Context, cmd *engine.Command) (*engine.Result, error) {
	return p.e.Apply(p.e.Applied()+1, cmd)
}

func TestLoadDemoAppliesThroughTheEngine(t *testing.T) {
	cfg := engine.DefaultConfig(t.TempDir())
	cfg.MemTableSize, cfg.BlockCacheSize = 32<<20, 1<<20
	e, err := engine.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	n, err := LoadDemo(context.Background(), engineProposer{e}, now)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := ConfigFor(SizeDemo)
	if n != c.Rows() {
		t.Fatalf("loaded %d rows, want %d", n, c.Rows())
	}
	if e.Schema().Version != 1 {
		t.Fatalf("schema version %d", e.Schema().Version)
	}
	profiles, err := e.Profiles()
	if err != nil || len(profiles) != 3 {
		t.Fatalf("profiles = %d, %v", len(profiles), err)
	}
	if apps, err := e.Apps(); err != nil || len(apps) != 2 || apps[0].Name != "Sales" || apps[0].Implicit || apps[1].Name != "Field Service" {
		t.Fatalf("apps = %+v, %v: want Sales (the default app, written) and Field Service", apps, err)
	}
	for _, p := range profiles {
		if p.Published == 0 || len(p.Users) == 0 {
			t.Errorf("profile %s: published=%d users=%d", p.Name, p.Published, len(p.Users))
		}
	}
	accounts := 0
	if err := e.Scan("account", func(r codec.Row) error {
		accounts++
		if r.OwnerID == "" || r.OwningBusinessUnit == "" || r.ModifiedOn > now.UnixMilli() {
			t.Fatalf("account %s: owner %q bu %q modified %d", r.ID, r.OwnerID, r.OwningBusinessUnit, r.ModifiedOn)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if accounts != c.Accounts {
		t.Fatalf("accounts = %d, want %d", accounts, c.Accounts)
	}
}

package bench

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// OutsideConfig sizes RunOutsideBytes.
type OutsideConfig struct {
	// Dir is a scratch directory: the engine and the device store.
	Dir string
	// Seed seeds the fixture (outside_rows.go) and the org.
	Seed int64
	// Accounts is how many accounts the fixture holds, in the business
	// unit of the user whose first load is measured; each has 0 to 6
	// contacts, about 2.
	Accounts int
	// BatchSize is the records per POST /v1/records.
	BatchSize int
}

// DefaultOutsideAccounts is OutsideConfig.Accounts' default.
const DefaultOutsideAccounts = 2000

// DefaultOutsideConfig returns an OutsideConfig of DefaultOutsideAccounts
// accounts, ingested 500 records at a time.
func DefaultOutsideConfig(dir string) OutsideConfig {
	return OutsideConfig{Dir: dir, Seed: dataset.DefaultSeed, Accounts: DefaultOutsideAccounts, BatchSize: 500}
}

// Validate checks the config; its messages name the bad field.
func (c OutsideConfig) Validate() error {
	switch {
	case c.Dir == "":
		return fmt.Errorf("outside config: Dir: must be set")
	case c.Accounts < 1 || c.Accounts > 1_000_000:
		return fmt.Errorf("outside config: Accounts: %d is outside 1..1000000", c.Accounts)
	case c.BatchSize < 1 || c.BatchSize > engine.MaxRecordsPerCommand:
		return fmt.Errorf("outside config: BatchSize: %d is outside 1..%d", c.BatchSize, engine.MaxRecordsPerCommand)
	}
	return nil
}

// OutsideBytesResult is what RunOutsideBytes measured.
type OutsideBytesResult struct {
	// Ingested is how many fixture records went through POST /v1/records;
	// Rows how many the user's first load carried, in Pulls pages.
	Ingested, Rows, Pulls int
	// WireBytes is what the first load weighed on the wire; JSONBytes and
	// JSONGzipBytes the same rows as one JSON array, plain and gzipped
	// at level 6 (JSONGzip, as BenchmarkSnapshotBytes).
	WireBytes, JSONBytes, JSONGzipBytes int64
	// RatioVsJSONGzip is WireBytes / JSONGzipBytes (target <= 0.7).
	RatioVsJSONGzip float64
}

// RunOutsideBytes checks the wire format on CRM rows from outside our
// generators: a fresh engine gets CRM-N's schema and the small size's org
// (no rows), a server is started over it, the fixture of outside_rows.go
// (accounts owned in a Field Sales user's business unit, and their
// contacts) is ingested through POST /v1/records as a back office would,
// and that user's first load through HTTP with the Go client is compared
// with JSON+gzip(6) of the rows the device then holds.
func RunOutsideBytes(ctx context.Context, c OutsideConfig) (OutsideBytesResult, error) {
	if err := c.Validate(); err != nil {
		return OutsideBytesResult{}, err
	}
	ds, err := openOrgOnly(ctx, c.Dir, c.Seed)
	if err != nil {
		return OutsideBytesResult{}, err
	}
	defer ds.Close()
	srv, err := ds.Serve()
	if err != nil {
		return OutsideBytesResult{}, err
	}
	defer srv.Close()
	user, _, err := ds.FieldSalesPair()
	if err != nil {
		return OutsideBytesResult{}, err
	}
	recs, err := outsideFixture(ds, user, c)
	if err != nil {
		return OutsideBytesResult{}, err
	}
	for at := 0; at < len(recs); at += c.BatchSize {
		batch := recs[at:min(at+c.BatchSize, len(recs))]
		body := map[string]any{"records": batch}
		if err := srv.admin.Do(ctx, http.MethodPost, "/v1/records", body, nil); err != nil {
			return OutsideBytesResult{}, fmt.Errorf("ingest outside rows %d..%d: %w", at, at+len(batch), err)
		}
	}
	tok, err := srv.Token(ctx, user.ID)
	if err != nil {
		return OutsideBytesResult{}, err
	}
	dev, closeDev, err := srv.OpenDevice(c.Dir, tok)
	if err != nil {
		return OutsideBytesResult{}, err
	}
	defer closeDev()
	sum, err := dev.Sync(ctx)
	if err != nil {
		return OutsideBytesResult{}, fmt.Errorf("first load: %w", err)
	}
	rows, err := deviceRows(dev, nil)
	if err != nil {
		return OutsideBytesResult{}, err
	}
	if len(rows) == 0 || sum.Upserts != len(rows) {
		return OutsideBytesResult{}, fmt.Errorf("first load: %d upserts but the device holds %d rows", sum.Upserts, len(rows))
	}
	r := OutsideBytesResult{Ingested: len(recs), Rows: len(rows), Pulls: sum.Pulls, WireBytes: sum.WireBytes}
	if r.JSONBytes, r.JSONGzipBytes, err = JSONGzip(rows); err != nil {
		return OutsideBytesResult{}, err
	}
	r.RatioVsJSONGzip = ratio(float64(r.WireBytes), float64(r.JSONGzipBytes))
	return r, nil
}

// openOrgOnly opens a fresh engine under dir holding CRM-N's schema and
// the small size's org, with its profiles published, and no rows.
func openOrgOnly(ctx context.Context, dir string, seed int64) (*Dataset, error) {
	dc, err := dataset.ConfigFor(dataset.SizeSmall)
	if err != nil {
		return nil, err
	}
	dc.Seed = seed
	org, err := dataset.Org(dc)
	if err != nil {
		return nil, err
	}
	e, err := engine.Open(engine.DefaultConfig(filepath.Join(dir, "engine")))
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Size: "outside", Config: dc, Org: org, Engine: e, Writer: NewDirectWriter(e)}
	if err := dataset.LoadOrg(ctx, ds.Writer, dc); err != nil {
		e.Close()
		return nil, fmt.Errorf("open outside engine: %w", err)
	}
	return ds, nil
}

// outsideFixture returns the fixture's records for user: accounts owned
// by the users and teams of user's business unit (user among them), and
// their contacts.
func outsideFixture(ds *Dataset, user engine.User, c OutsideConfig) ([]outsideRecord, error) {
	owners := []string{user.ID, user.ID, user.ID}
	for _, u := range ds.Org.Users {
		if u.BusinessUnit == user.BusinessUnit && u.ID != user.ID {
			owners = append(owners, u.ID)
		}
	}
	for _, t := range ds.Org.Teams {
		if t.BusinessUnit == user.BusinessUnit {
			owners = append(owners, t.ID)
		}
	}
	sch, err := dataset.Schema()
	if err != nil {
		return nil, err
	}
	var industries []int64
	if e := sch.Entity("account"); e != nil {
		if a := e.Attribute("industrycode"); a != nil {
			for _, ch := range a.Choices {
				industries = append(industries, ch.Value)
			}
		}
	}
	if len(industries) == 0 {
		return nil, fmt.Errorf("outside fixture: the schema's account has no industrycode choices")
	}
	return outsideRows(uint64(c.Seed), c.Accounts, owners, industries, ds.Config.Now), nil
}

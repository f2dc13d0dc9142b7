package bench

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
)

// BenchmarkOutsideBytes reports a first load of CRM rows from outside our
// generators (a fixture with its own distributions, ingested through POST
// /v1/records) against JSON+gzip(6) of the same rows, as
// ratio-vs-json-gzip (target <= 0.7).
func BenchmarkOutsideBytes(b *testing.B) {
	c := DefaultOutsideConfig(b.TempDir())
	var last OutsideBytesResult
	for i := 0; i < b.N; i++ {
		r, err := RunOutsideBytes(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		last = r
	}
	b.Logf("outside fixture: %d records ingested; first load %d rows in %d pages: wire %d B, JSON %d B, JSON+gzip(6) %d B",
		last.Ingested, last.Rows, last.Pulls, last.WireBytes, last.JSONBytes, last.JSONGzipBytes)
	b.ReportMetric(float64(last.WireBytes), "wire-bytes")
	b.ReportMetric(float64(last.JSONGzipBytes), "json-gzip-bytes")
	b.ReportMetric(last.RatioVsJSONGzip, MetricRatioVsJSONGzip)
}

// TestOutsideBytesSmall runs the outside check on 300 accounts and checks
// what it computes: every account and every primary contact reaches the
// user's device, and the ratio is the wire bytes over JSON+gzip of
// exactly the rows the device holds. It asserts no target.
func TestOutsideBytesSmall(t *testing.T) {
	c := DefaultOutsideConfig(t.TempDir())
	c.Accounts, c.BatchSize = 300, 200
	r, err := RunOutsideBytes(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", r)
	ds, err := openOrgOnly(context.Background(), t.TempDir(), c.Seed)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	user, _, err := ds.FieldSalesPair()
	if err != nil {
		t.Fatal(err)
	}
	recs, err := outsideFixture(ds, user, c)
	if err != nil {
		t.Fatal(err)
	}
	accounts, primaries := 0, 0
	for _, rec := range recs {
		if rec.Entity == "account" {
			accounts++
			if rec.Attributes["primarycontactid"] != nil {
				primaries++
			}
		}
	}
	if r.Ingested != len(recs) || accounts != c.Accounts || r.Ingested <= accounts {
		t.Fatalf("ingested %d of %d records (%d accounts)", r.Ingested, len(recs), accounts)
	}
	if r.Rows != accounts+primaries {
		t.Errorf("the first load carried %d rows, want the %d accounts and their %d primary contacts", r.Rows, accounts, primaries)
	}
	if r.WireBytes <= 0 || r.JSONBytes <= r.JSONGzipBytes || r.RatioVsJSONGzip != float64(r.WireBytes)/float64(r.JSONGzipBytes) {
		t.Errorf("result = %+v", r)
	}
}

// TestOutsideFixtureIsItsOwn checks that the fixture is deterministic per
// seed and is not drawn from CRM-N's word lists: its company names and
// surnames are not CRM-N's.
func TestOutsideFixtureIsItsOwn(t *testing.T) {
	owners := []string{"u1", "u2"}
	a := outsideRows(1, 200, owners, []int64{1, 2, 3}, dataset.DefaultNow)
	if b := outsideRows(1, 200, owners, []int64{1, 2, 3}, dataset.DefaultNow); !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different fixtures")
	}
	if c := outsideRows(2, 200, owners, []int64{1, 2, 3}, dataset.DefaultNow); reflect.DeepEqual(a[0], c[0]) {
		t.Fatal("seeds 1 and 2 gave the same first record")
	}
	crmn, err := collectCRMN()
	if err != nil {
		t.Fatal(err)
	}
	shared := 0
	for _, r := range a {
		for _, attr := range []string{"name", "lastname"} {
			if s, ok := r.Attributes[attr].(string); ok && crmn[s] {
				shared++
			}
		}
	}
	if shared > len(a)/50 {
		t.Errorf("%d names and surnames of the fixture are CRM-N's", shared)
	}
	for _, r := range a {
		if strings.Trim(r.ID, "{}") == "" || r.OwnerID == "" || r.Attributes["createdon"] == nil {
			t.Fatalf("record %+v", r)
		}
	}
}

// collectCRMN returns the account names and contact last names of the
// demo-sized CRM-N.
func collectCRMN() (map[string]bool, error) {
	c, err := dataset.ConfigFor(dataset.SizeDemo)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	err = dataset.Generate(c, 1000, func(recs []codec.Record) error {
		for _, r := range recs {
			for _, attr := range []string{"name", "lastname"} {
				if s, ok := r.Attrs[attr].(string); ok {
					out[s] = true
				}
			}
		}
		return nil
	})
	return out, err
}

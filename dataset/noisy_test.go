package dataset

import (
	"bytes"
	"compress/flate"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
)

// noisyConfig returns the Config of size with Kind KindNoisy.
func noisyConfig(t testing.TB, size string) Config {
	t.Helper()
	c := mustConfig(t, size)
	c.Kind = KindNoisy
	return c
}

func TestNoisyDeterministic(t *testing.T) {
	c := noisyConfig(t, SizeDemo)
	a := collect(t, c, 500)
	if b := collect(t, c, 61); !reflect.DeepEqual(a, b) {
		t.Fatal("same config gave different records")
	}
	c.Seed = 2
	d := collect(t, c, 500)
	crmn := collect(t, mustConfig(t, SizeDemo), 500)
	for i := range a {
		if a[i].ID == d[i].ID || reflect.DeepEqual(a[i].Attrs, d[i].Attrs) {
			t.Fatalf("seeds 1 and 2 share record %d (%s)", i, a[i].ID)
		}
		if a[i].ID == crmn[i].ID {
			t.Fatalf("CRM-noisy and CRM-N share id %s", a[i].ID)
		}
	}
}

// TestNoisyIntegrity checks CRM-noisy like CRM-N: types, lengths,
// choices, owners, dates, and lookups that all point at emitted rows of a
// target entity.
func TestNoisyIntegrity(t *testing.T) {
	checkIntegrity(t, noisyConfig(t, SizeSmall))
}

// TestNoisySameShape checks that CRM-noisy keeps CRM-N's org, counts and
// relationships: the same owners, the same order of entities, an
// account's primary contact belonging to it.
func TestNoisySameShape(t *testing.T) {
	c := noisyConfig(t, SizeDemo)
	recs := collect(t, c, 1000)
	if len(recs) != c.Rows() {
		t.Fatalf("%d records, want %d", len(recs), c.Rows())
	}
	org, err := Org(c)
	if err != nil {
		t.Fatal(err)
	}
	crmnOrg, err := Org(mustConfig(t, SizeDemo))
	if err != nil || !reflect.DeepEqual(org, crmnOrg) {
		t.Fatalf("CRM-noisy's org differs from CRM-N's (%v)", err)
	}
	parent := map[string]any{}
	for _, r := range recs {
		if r.Entity == "contact" {
			parent[r.ID] = r.Attrs["parentcustomerid"]
		}
	}
	primaries := 0
	for _, r := range recs {
		if r.Entity != "account" || r.Attrs["primarycontactid"] == nil {
			continue
		}
		primaries++
		if p := parent[r.Attrs["primarycontactid"].(string)]; p != r.ID {
			t.Fatalf("account %s: primary contact's parent is %v", r.ID, p)
		}
	}
	if primaries < c.Accounts/2 {
		t.Errorf("%d of %d accounts have a primary contact", primaries, c.Accounts)
	}
}

// TestNoisyIsNoisy checks what makes CRM-noisy noisy, against CRM-N of
// the same size: ids with nothing in common between neighbours, account
// numbers that are not a sequence, text that compresses far worse and
// repeats far less, uniform numbers, and dates not rounded to seconds.
func TestNoisyIsNoisy(t *testing.T) {
	noisy := collect(t, noisyConfig(t, SizeDemo), 1000)
	crmn := collect(t, mustConfig(t, SizeDemo), 1000)

	if n := sharedPrefixes(noisy); n > 2 {
		t.Errorf("%d neighbouring ids share their first 4 hex digits", n)
	}
	if n := sequentialNumbers(noisy); n > 0 {
		t.Errorf("%d account numbers follow their predecessor's", n)
	}
	if n := sequentialNumbers(crmn); n == 0 {
		t.Error("the check of sequential account numbers finds none in CRM-N")
	}

	nz, cz := textOf(noisy), textOf(crmn)
	nr, cr := deflateRatio(t, nz), deflateRatio(t, cz)
	t.Logf("text deflates to %.2f of its size (CRM-N %.2f); distinct names %.2f (CRM-N %.2f)", nr, cr, distinct(nz), distinct(cz))
	if nr < cr+0.25 {
		t.Errorf("CRM-noisy's text deflates to %.2f of its size, CRM-N's to %.2f: want it much less compressible", nr, cr)
	}
	if d := distinct(nz); d < 0.95 || d < distinct(cz)+0.2 {
		t.Errorf("%.2f of CRM-noisy's names are distinct (CRM-N %.2f)", d, distinct(cz))
	}

	var employees []float64
	rounded := 0
	for _, r := range noisy {
		if v, ok := r.Attrs["numberofemployees"].(int64); ok {
			employees = append(employees, float64(v))
		}
		if r.Attrs["modifiedon"].(int64)%1000 == 0 {
			rounded++
		}
	}
	slices.Sort(employees)
	if med := employees[len(employees)/2]; math.Abs(med-250_000) > 25_000 {
		t.Errorf("median numberofemployees %.0f, want about 250,000 (uniform over 1..500,000)", med)
	}
	if rounded > len(noisy)/100 {
		t.Errorf("%d of %d modifiedon values are whole seconds", rounded, len(noisy))
	}
}

// sharedPrefixes counts the records whose id starts like the previous
// record's.
func sharedPrefixes(recs []codec.Record) int {
	n := 0
	for i := 1; i < len(recs); i++ {
		if recs[i].ID[:4] == recs[i-1].ID[:4] {
			n++
		}
	}
	return n
}

// sequentialNumbers counts accounts whose accountnumber is the previous
// account's plus one in its last digit.
func sequentialNumbers(recs []codec.Record) int {
	n, prev := 0, ""
	for _, r := range recs {
		s, _ := r.Attrs["accountnumber"].(string)
		if r.Entity != "account" || s == "" {
			continue
		}
		if prev != "" && len(s) == len(prev) && s[:len(s)-1] == prev[:len(prev)-1] && s[len(s)-1] == prev[len(prev)-1]+1 {
			n++
		}
		prev = s
	}
	return n
}

// textOf returns the names, subjects and descriptions of recs.
func textOf(recs []codec.Record) []string {
	var out []string
	for _, r := range recs {
		for _, a := range []string{"name", "fullname", "subject", "description"} {
			if s, ok := r.Attrs[a].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// deflateRatio returns the size of vals, one a line, deflated, over their
// size.
func deflateRatio(t *testing.T, vals []string) float64 {
	raw := strings.Join(vals, "\n")
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Write([]byte(raw))
	if err = errors.Join(err, w.Close()); err != nil {
		t.Fatal(err)
	}
	return float64(buf.Len()) / float64(len(raw))
}

// distinct returns the share of distinct values in vals.
func distinct(vals []string) float64 {
	seen := map[string]bool{}
	for _, v := range vals {
		seen[v] = true
	}
	return float64(len(seen)) / float64(len(vals))
}

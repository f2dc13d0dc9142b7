package dataset

import (
	"math"
	"regexp"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/offsync/offsync/engine"
)

var decimalRE = regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`)

// TestGenerateIntegritySmall checks every record of the small size against
// the schema and the org: types, required attributes, lengths, choices,
// lookups to emitted rows of a target entity, owners, and time stamps.
func TestGenerateIntegritySmall(t *testing.T) {
	checkIntegrity(t, mustConfig(t, SizeSmall))
}

// checkIntegrity generates c and checks every record (see
// TestGenerateIntegritySmall).
func checkIntegrity(t *testing.T, c Config) {
	t.Helper()
	recs := collect(t, c, 1000)
	if len(recs) != c.Rows() {
		t.Fatalf("%d records, want %d", len(recs), c.Rows())
	}
	s, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	o, err := Org(c)
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]bool{} // owner id -> is a team
	for _, u := range o.Users {
		owners[u.ID] = false
	}
	for _, tm := range o.Teams {
		owners[tm.ID] = true
	}
	teamOwned := 0
	entityOf := map[string]string{}
	for _, r := range recs {
		if !guidRE.MatchString(r.ID) {
			t.Fatalf("%s id %q is not a GUID", r.Entity, r.ID)
		}
		if prev, ok := entityOf[r.ID]; ok {
			t.Fatalf("id %s used by %s and %s", r.ID, prev, r.Entity)
		}
		entityOf[r.ID] = r.Entity
	}
	nowMs := c.Now.UnixMilli()
	oldest := c.Now.Add(-Window).UnixMilli()
	for _, r := range recs {
		e := s.Entity(r.Entity)
		if e == nil {
			t.Fatalf("unknown entity %q", r.Entity)
		}
		team, ok := owners[r.OwnerID]
		if !ok {
			t.Fatalf("%s %s: owner %q is no generated user or team", r.Entity, r.ID, r.OwnerID)
		}
		if team {
			teamOwned++
		}
		created, ok1 := r.Attrs["createdon"].(int64)
		modified, ok2 := r.Attrs["modifiedon"].(int64)
		if !ok1 || !ok2 || created < oldest || created > modified || modified > nowMs {
			t.Fatalf("%s %s: createdon %v modifiedon %v outside [Now-90d, Now] or out of order", r.Entity, r.ID, r.Attrs["createdon"], r.Attrs["modifiedon"])
		}
		for _, a := range e.Attributes {
			v, present := r.Attrs[a.Name]
			if a.Required && (!present || v == nil) {
				t.Fatalf("%s %s: required %s missing", r.Entity, r.ID, a.Name)
			}
		}
		for name, v := range r.Attrs {
			if name == engine.AttrCreatedOn || name == engine.AttrModifiedOn {
				continue
			}
			a := e.Attribute(name)
			if a == nil {
				t.Fatalf("%s %s: undeclared attribute %s", r.Entity, r.ID, name)
			}
			if v == nil {
				continue
			}
			if err := checkValue(a, v, entityOf); err != "" {
				t.Fatalf("%s %s: %s = %#v: %s", r.Entity, r.ID, name, v, err)
			}
		}
	}
	if share := float64(teamOwned) / float64(len(recs)); share < 0.05 || share > 0.15 {
		t.Errorf("teams own %.1f%% of rows, want about 10%%", 100*share)
	}
}

// checkValue returns why v is not a valid value of a, or "".
func checkValue(a *engine.Attribute, v any, entityOf map[string]string) string {
	switch a.Type {
	case engine.TypeString:
		s, ok := v.(string)
		if !ok {
			return "not a string"
		}
		if !utf8.ValidString(s) || (a.MaxLength > 0 && len(s) > a.MaxLength) {
			return "invalid UTF-8 or longer than maxLength"
		}
	case engine.TypeInt:
		if _, ok := v.(int64); !ok {
			return "not an int64"
		}
	case engine.TypeFloat:
		if f, ok := v.(float64); !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return "not a finite float64"
		}
	case engine.TypeDecimal:
		if s, ok := v.(string); !ok || !decimalRE.MatchString(s) {
			return "not a decimal string with 2 decimals"
		}
	case engine.TypeBool:
		if _, ok := v.(bool); !ok {
			return "not a bool"
		}
	case engine.TypeDateTime:
		ms, ok := v.(int64)
		if !ok {
			return "not int64 milliseconds"
		}
		if y := time.UnixMilli(ms).UTC().Year(); y < 1950 || y > 2100 {
			return "implausible date"
		}
	case engine.TypeChoice:
		n, ok := v.(int64)
		if !ok || !slices.ContainsFunc(a.Choices, func(c engine.Choice) bool { return c.Value == n }) {
			return "not a declared choice"
		}
	case engine.TypeGUID:
		if s, ok := v.(string); !ok || !guidRE.MatchString(s) {
			return "not a GUID"
		}
	case engine.TypeLookup:
		s, ok := v.(string)
		if !ok || !guidRE.MatchString(s) {
			return "not a GUID"
		}
		if !slices.Contains(a.Targets, entityOf[s]) {
			return "references no emitted row of a target entity"
		}
	default:
		return "unknown type"
	}
	return ""
}

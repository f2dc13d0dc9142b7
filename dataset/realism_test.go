package dataset

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
)

// counts returns how often each value occurs, most frequent first.
func counts(vals []string) []int {
	m := map[string]int{}
	for _, v := range vals {
		m[v]++
	}
	out := make([]int, 0, len(m))
	for _, n := range m {
		out = append(out, n)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(out)))
	return out
}

func TestRealismSkew(t *testing.T) {
	c := mustConfig(t, SizeSmall)
	c.Contacts, c.Opportunities, c.Tasks = 1, 1, 1
	c.Accounts = 5000
	recs := collect(t, c, 5000)
	w, err := loadWords()
	if err != nil {
		t.Fatal(err)
	}
	var stems, cities, owners []string
	withDesc := 0
	for _, r := range recs {
		if r.Entity != "account" {
			continue
		}
		name := r.Attrs["name"].(string)
		// The longest stem the name starts with, if any.
		best := ""
		for _, s := range w.stems {
			if strings.HasPrefix(name, s) && len(s) > len(best) {
				best = s
			}
		}
		if best != "" {
			stems = append(stems, best)
		}
		if city, ok := r.Attrs["address1_city"].(string); ok {
			cities = append(cities, city)
		}
		if _, ok := r.Attrs["description"].(string); ok {
			withDesc++
		}
		owners = append(owners, r.OwnerID)
	}
	stemCounts := counts(stems)
	if top, median := stemCounts[0], stemCounts[len(stemCounts)/2]; top < 8*median {
		t.Errorf("company stems: top %d, median %d: want a skewed (Zipf) draw", top, median)
	}
	cityCounts := counts(cities)
	if top, median := cityCounts[0], cityCounts[len(cityCounts)/2]; top < 8*median {
		t.Errorf("cities: top %d, median %d: want a skewed draw", top, median)
	}
	ownerCounts := counts(owners)
	if top, median := ownerCounts[0], ownerCounts[len(ownerCounts)/2]; top < 5*median {
		t.Errorf("owners: top %d, median %d: want some users to own far more", top, median)
	}
	if share := float64(withDesc) / float64(c.Accounts); share < 0.2 || share > 0.5 {
		t.Errorf("%.0f%% of accounts have a description, want about a third", 100*share)
	}
}

func TestLookupsFollowShapes(t *testing.T) {
	c := mustConfig(t, SizeDemo)
	recs := collect(t, c, 3000)
	byID := map[string]codec.Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	primaryOK, primaries := 0, 0
	for _, r := range recs {
		if r.Entity != "account" {
			continue
		}
		if pc, ok := r.Attrs["primarycontactid"].(string); ok {
			primaries++
			if byID[pc].Attrs["parentcustomerid"] == r.ID {
				primaryOK++
			}
		}
	}
	if primaries == 0 || primaryOK != primaries {
		t.Errorf("%d of %d primary contacts belong to their account", primaryOK, primaries)
	}
	var regarding []string
	for _, r := range recs {
		if id, ok := r.Attrs["regardingobjectid"].(string); ok {
			regarding = append(regarding, byID[id].Entity)
		}
	}
	if !slices.Contains(regarding, "account") || !slices.Contains(regarding, "opportunity") {
		t.Errorf("tasks regarding: want both accounts and opportunities")
	}
}

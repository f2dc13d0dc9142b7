package dataset

import (
	"slices"
	"testing"

	"github.com/offsync/offsync/engine"
)

func TestSchema(t *testing.T) {
	s, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != 0 {
		t.Errorf("Version = %d, want 0 (draft)", s.Version)
	}
	var names []string
	for _, e := range s.Entities {
		names = append(names, e.Name)
		if e.Ownership != engine.OwnedByUserOrTeam || !e.Offline {
			t.Errorf("%s: ownership %q offline %v, want user-owned and offline", e.Name, e.Ownership, e.Offline)
		}
		for _, a := range e.Attributes {
			if slices.Contains(engine.SystemAttributes, a.Name) {
				t.Errorf("%s declares system attribute %s", e.Name, a.Name)
			}
			if a.Type == engine.TypeString && a.MaxLength == 0 {
				t.Errorf("%s.%s: string without maxLength", e.Name, a.Name)
			}
			for _, ch := range a.Choices {
				if ch.Label == "" {
					t.Errorf("%s.%s: choice %d without a label", e.Name, a.Name, ch.Value)
				}
			}
		}
	}
	if want := []string{"account", "contact", "opportunity", "task"}; !slices.Equal(names, want) {
		t.Errorf("entities = %v, want %v", names, want)
	}
	required := map[string]string{"account": "name", "contact": "lastname", "opportunity": "name", "task": "subject"}
	for ent, attr := range required {
		if a := s.Entity(ent).Attribute(attr); a == nil || !a.Required {
			t.Errorf("%s.%s is not required", ent, attr)
		}
	}
	if a := s.Entity("task").Attribute("regardingobjectid"); a == nil || !slices.Equal(a.Targets, []string{"account", "opportunity"}) {
		t.Errorf("task.regardingobjectid = %+v, want a lookup to account and opportunity", a)
	}
}

func TestProfiles(t *testing.T) {
	ps, err := Profiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 || ps[0].Name != ProfileFieldSales || ps[1].Name != ProfileManagers || ps[2].Name != ProfileFieldTechnicians {
		t.Fatalf("profiles = %d, want Field Sales, Managers and Field Technicians", len(ps))
	}
	if ps[0].App != "" || ps[1].App != "" || ps[2].App != FieldServiceApp {
		t.Fatalf("apps of the profiles: %q %q %q, want the default app twice, then Field Service", ps[0].App, ps[1].App, ps[2].App)
	}
	apps, err := Apps()
	if err != nil || len(apps) != 2 || apps[0].ID != engine.DefaultAppID || apps[0].Name != "Sales" || apps[1].ID != FieldServiceApp ||
		!slices.Equal(apps[1].Entities, []string{"account", "task"}) {
		t.Fatalf("apps = %+v %v, want Sales (the default app) and Field Service (account, task)", apps, err)
	}
	type want struct {
		rows   []string
		window int
		rels   []string
		filter string
	}
	check := func(p engine.Profile, rules map[string]want) {
		t.Helper()
		if len(p.Rules) != len(rules) {
			t.Errorf("%s: %d rules, want %d", p.Name, len(p.Rules), len(rules))
		}
		if len(p.Users) != 0 || len(p.Teams) != 0 || p.Published != 0 {
			t.Errorf("%s: has members or is published", p.Name)
		}
		for _, r := range p.Rules {
			w, ok := rules[r.Entity]
			if !ok {
				t.Errorf("%s: unexpected rule for %s", p.Name, r.Entity)
				continue
			}
			if !slices.Equal(r.Rows, w.rows) || !slices.Equal(r.Relationships, w.rels) || r.Filter != w.filter {
				t.Errorf("%s/%s: rows %v rels %v filter %q, want %v %v %q", p.Name, r.Entity, r.Rows, r.Relationships, r.Filter, w.rows, w.rels, w.filter)
			}
			if r.ModifiedWithinDays == nil || *r.ModifiedWithinDays != w.window {
				t.Errorf("%s/%s: modifiedWithinDays %v, want %d", p.Name, r.Entity, r.ModifiedWithinDays, w.window)
			}
		}
	}
	check(ps[0], map[string]want{
		"account":     {rows: []string{"businessunit"}, rels: []string{"primarycontactid"}},
		"contact":     {rows: []string{"related"}},
		"opportunity": {rows: []string{"user"}, window: 30, rels: []string{"parentcontactid"}},
		"task":        {rows: []string{"user"}, window: 10},
	})
	check(ps[1], map[string]want{
		"account":     {rows: []string{"organization"}, filter: "revenue >= 1000000 or numberofemployees >= 500"},
		"opportunity": {rows: []string{"businessunit"}},
		"task":        {rows: []string{"businessunit"}},
	})
	check(ps[2], map[string]want{
		"task":    {rows: []string{"user"}, window: 30, rels: []string{"regardingobjectid"}},
		"account": {rows: []string{"related"}},
	})
}

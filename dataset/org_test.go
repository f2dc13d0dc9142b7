package dataset

import (
	"reflect"
	"strings"
	"testing"

	"github.com/offsync/offsync/engine"
)

// depth returns the number of levels of the tree of bus (1 for a root).
func treeDepth(t *testing.T, bus []engine.BusinessUnit) int {
	t.Helper()
	parent := map[string]string{}
	roots := 0
	for _, b := range bus {
		if !guidRE.MatchString(b.ID) || b.Name == "" {
			t.Errorf("business unit %+v: bad id or name", b)
		}
		parent[b.ID] = b.Parent
		if b.Parent == "" {
			roots++
		}
	}
	if roots != 1 {
		t.Errorf("%d roots, want 1", roots)
	}
	deepest := 0
	for _, b := range bus {
		d := 1
		for p := b.Parent; p != ""; p = parent[p] {
			if _, ok := parent[p]; !ok {
				t.Fatalf("business unit %s: unknown parent %s", b.Name, p)
			}
			if d++; d > len(bus) {
				t.Fatalf("business unit %s: cycle", b.Name)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

func TestOrgInvariants(t *testing.T) {
	for _, tt := range []struct {
		size  string
		depth int
	}{{SizeDemo, 2}, {SizeLarge, 3}} {
		t.Run(tt.size, func(t *testing.T) {
			c := mustConfig(t, tt.size)
			o, err := Org(c)
			if err != nil {
				t.Fatal(err)
			}
			if len(o.BusinessUnits) != c.BusinessUnits || len(o.Users) != c.Users || len(o.Teams) != c.Teams {
				t.Fatalf("org sizes %d/%d/%d, want %d/%d/%d", len(o.BusinessUnits), len(o.Users), len(o.Teams), c.BusinessUnits, c.Users, c.Teams)
			}
			if d := treeDepth(t, o.BusinessUnits); d != tt.depth {
				t.Errorf("tree depth %d, want %d", d, tt.depth)
			}
			parent := map[string]string{}
			for _, b := range o.BusinessUnits {
				parent[b.ID] = b.Parent
			}
			within := func(bu, top string) bool {
				for ; bu != ""; bu = parent[bu] {
					if bu == top {
						return true
					}
				}
				return false
			}
			roles := map[string]string{}
			for _, r := range o.Roles {
				roles[r.ID] = r.Name
				for _, e := range []string{"account", "contact", "opportunity", "task"} {
					if _, ok := r.Privileges[e]; !ok {
						t.Errorf("role %s has no privileges on %s", r.Name, e)
					}
				}
			}
			for _, name := range []string{RoleSalesperson, RoleSalesManager, RoleSystemAdministrator} {
				found := false
				for _, n := range roles {
					found = found || n == name
				}
				if !found {
					t.Errorf("no role %q", name)
				}
			}
			users := map[string]engine.User{}
			emails := map[string]bool{}
			for _, u := range o.Users {
				if _, ok := parent[u.BusinessUnit]; !ok {
					t.Errorf("user %s: unknown business unit", u.Name)
				}
				if !u.Enabled || len(u.Roles) == 0 || !strings.HasSuffix(u.Email, "@contoso-demo.com") || emails[u.Email] {
					t.Errorf("user %+v: want enabled, with a role and a unique contoso-demo.com email", u)
				}
				for _, r := range u.Roles {
					if roles[r] == "" {
						t.Errorf("user %s: unknown role %s", u.Name, r)
					}
				}
				emails[u.Email] = true
				users[u.ID] = u
			}
			for _, tm := range o.Teams {
				if len(tm.Members) < 3 || len(tm.Members) > 15 {
					t.Errorf("team %s: %d members, want 3 to 15", tm.Name, len(tm.Members))
				}
				seen := map[string]bool{}
				for _, m := range tm.Members {
					u, ok := users[m]
					if !ok || seen[m] {
						t.Errorf("team %s: member %s unknown or repeated", tm.Name, m)
						continue
					}
					seen[m] = true
					if !within(u.BusinessUnit, tm.BusinessUnit) {
						t.Errorf("team %s: member %s is outside the team's business unit subtree", tm.Name, u.Name)
					}
				}
			}
			inProfile := map[string]string{}
			technicians := 0
			for _, p := range o.Profiles {
				for _, u := range p.Users {
					if _, ok := users[u]; !ok {
						t.Errorf("profile %s: unknown user %s", p.Name, u)
					}
					if p.App == FieldServiceApp {
						if inProfile[u] != ProfileFieldSales {
							t.Errorf("technician %s is not in Field Sales", u)
						}
						technicians++
						continue
					}
					if prev, ok := inProfile[u]; ok {
						t.Errorf("user %s is in %s and %s, of the same app", u, prev, p.Name)
					}
					inProfile[u] = p.Name
				}
			}
			if want := (c.Users - c.BusinessUnits) / 5; technicians != want {
				t.Errorf("%d field technicians, want %d", technicians, want)
			}
			field, managers := 0, 0
			for _, name := range inProfile {
				if name == ProfileFieldSales {
					field++
				} else {
					managers++
				}
			}
			if managers != c.BusinessUnits || field != c.Users-c.BusinessUnits {
				t.Errorf("profiles: %d managers and %d field sales, want %d and %d", managers, field, c.BusinessUnits, c.Users-c.BusinessUnits)
			}
			again, err := Org(c)
			if err != nil || !reflect.DeepEqual(o, again) {
				t.Errorf("Org is not deterministic (err %v)", err)
			}
		})
	}
}

func TestOrgTinyAndValidation(t *testing.T) {
	c := Config{Now: DefaultNow, Accounts: 1, Contacts: 1, Opportunities: 1, Tasks: 1, Users: 2, Teams: 2, BusinessUnits: 1}
	o, err := Org(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range o.Teams {
		if len(tm.Members) != 2 {
			t.Errorf("team %s: %d members, want both users", tm.Name, len(tm.Members))
		}
	}
	c.Users = 0
	if _, err := Org(c); err == nil {
		t.Error("Org accepted an invalid config")
	}
}

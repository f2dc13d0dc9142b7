package dataset

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/offsync/offsync/engine"
)

// The profile names Org fills with members.
const (
	ProfileFieldSales       = "Field Sales"
	ProfileManagers         = "Managers"
	ProfileFieldTechnicians = "Field Technicians"
)

// FieldServiceApp is the id of the demo's second app, "Field Service".
const FieldServiceApp = "5e1d7c3b-9a2f-4b8e-a6d4-0c2b4e6f8a10"

// emailDomain is the domain of every generated user.
const emailDomain = "contoso-demo.com"

// Streams of the org.
var (
	kindOrgUser = kindOf("org/user")
	kindOrgTeam = kindOf("org/team")
)

// Org returns the organization of c: the same ids Generate uses for owners.
//
//   - Business units form a tree: a root, regions below it and, when
//     BusinessUnits >= 7, districts below the regions (3 levels).
//   - User i < BusinessUnits manages business unit i and holds the Sales
//     Manager role (user 0, in the root, is also System Administrator).
//     The other users are Salespeople, mostly in the leaf units.
//   - Each team belongs to a business unit, has 3 to 15 members from that
//     unit's subtree, and holds the Salesperson role.
//   - The profiles of Profiles get members: the managers in "Managers",
//     every other user in "Field Sales" (both of app Sales); every fifth
//     of those also in "Field Technicians" (app Field Service), so they
//     hold a profile in each app.
func Org(c Config) (engine.Org, error) {
	if err := c.Validate(); err != nil {
		return engine.Org{}, fmt.Errorf("build org: %w", err)
	}
	w, err := loadWords()
	if err != nil {
		return engine.Org{}, fmt.Errorf("build org: %w", err)
	}
	s, err := Schema()
	if err != nil {
		return engine.Org{}, fmt.Errorf("build org: %w", err)
	}
	profiles, err := Profiles()
	if err != nil {
		return engine.Org{}, fmt.Errorf("build org: %w", err)
	}
	apps, err := Apps()
	if err != nil {
		return engine.Org{}, fmt.Errorf("build org: %w", err)
	}
	k := newKeyer(c.Seed)
	tree := newBUTree(c.BusinessUnits)
	o := engine.Org{
		BusinessUnits: businessUnits(k, w, tree),
		Roles:         roles(k, &s),
		Apps:          apps,
	}
	var userBU []int
	o.Users, userBU = users(k, w, c.Users, tree, o.BusinessUnits, o.Roles)
	o.Teams = teams(k, w, c.Teams, tree, o.BusinessUnits, o.Users, userBU, o.Roles)
	if err := addMembers(profiles, o.Users, c.BusinessUnits); err != nil {
		return engine.Org{}, fmt.Errorf("build org: %w", err)
	}
	o.Profiles = profiles
	return o, nil
}

// buTree is the shape of the business-unit tree: parent[i] is the parent
// index of unit i (-1 for the root, unit 0).
type buTree struct {
	parent   []int
	children [][]int
}

// newBUTree lays out n units: below 7, a root and n-1 children; from 7 on,
// a root, about sqrt(n-1) regions and the rest as districts spread over the
// regions.
func newBUTree(n int) buTree {
	t := buTree{parent: make([]int, n), children: make([][]int, n)}
	t.parent[0] = -1
	regions := n - 1
	if n >= 7 {
		regions = max(2, int(math.Round(math.Sqrt(float64(n-1)))))
	}
	for i := 1; i < n; i++ {
		if i <= regions {
			t.parent[i] = 0
		} else {
			t.parent[i] = 1 + (i-regions-1)%regions
		}
		t.children[t.parent[i]] = append(t.children[t.parent[i]], i)
	}
	return t
}

// leaves returns the units without children, in index order.
func (t buTree) leaves() []int {
	var out []int
	for i, ch := range t.children {
		if len(ch) == 0 {
			out = append(out, i)
		}
	}
	return out
}

// businessUnits names the units: the root after the company, regions from
// regions.txt, districts after their region.
func businessUnits(k keyer, w *words, t buTree) []engine.BusinessUnit {
	out := make([]engine.BusinessUnit, len(t.parent))
	for i := range out {
		out[i].ID = k.id(kindBusinessUnit, i)
		switch p := t.parent[i]; {
		case p < 0:
			out[i].Name = w.stems[0]
		case p == 0:
			out[i].Name = w.regions[(i-1)%len(w.regions)]
			if round := (i - 1) / len(w.regions); round > 0 {
				out[i].Name += " " + strconv.Itoa(round+1)
			}
		default:
			out[i].Name = out[p].Name + " District " + strconv.Itoa(slices.Index(t.children[p], i)+1)
		}
		if p := t.parent[i]; p >= 0 {
			out[i].Parent = out[p].ID
		}
	}
	return out
}

// users returns the users and each one's business-unit index.
func users(k keyer, w *words, n int, t buTree, bus []engine.BusinessUnit, roles []engine.Role) ([]engine.User, []int) {
	first := newSkew(len(w.firstNames), 1.05, 5)
	last := newSkew(len(w.lastNames), 1.0, 8)
	leaves := t.leaves()
	managers := len(bus)
	out := make([]engine.User, n)
	userBU := make([]int, n)
	emails := make(map[string]bool, n)
	for i := range out {
		r := k.stream(kindOrgUser, i)
		b := i
		if i >= managers {
			b = leaves[(i-managers)%len(leaves)]
			if r.chance(0.15) {
				b = r.intn(managers)
			}
		}
		f, l := w.firstNames[first.pick(&r)], w.lastNames[last.pick(&r)]
		local := slug(f) + "." + slug(l)
		mail := local + "@" + emailDomain
		for n := 2; emails[mail]; n++ {
			mail = local + strconv.Itoa(n) + "@" + emailDomain
		}
		emails[mail] = true
		u := engine.User{ID: k.id(kindUser, i), Name: f + " " + l, Email: mail, BusinessUnit: bus[b].ID, Enabled: true}
		switch {
		case i == 0:
			u.Roles = []string{roles[roleSystemAdministrator].ID, roles[roleSalesManager].ID}
		case i < managers:
			u.Roles = []string{roles[roleSalesManager].ID}
		default:
			u.Roles = []string{roles[roleSalesperson].ID}
		}
		out[i], userBU[i] = u, b
	}
	return out, userBU
}

// teams returns n teams, placed round-robin on the units whose subtree
// holds at least 3 users, leaves first.
func teams(k keyer, w *words, n int, t buTree, bus []engine.BusinessUnit, us []engine.User, userBU []int, roles []engine.Role) []engine.Team {
	subtree := make([][]int, len(bus)) // user indexes within each unit's subtree
	for u, b := range userBU {
		for x := b; x >= 0; x = t.parent[x] {
			subtree[x] = append(subtree[x], u)
		}
	}
	var homes []int
	for _, leafFirst := range []bool{true, false} {
		for b := range bus {
			if (len(t.children[b]) == 0) == leafFirst && len(subtree[b]) >= 3 {
				homes = append(homes, b)
			}
		}
	}
	if len(homes) == 0 {
		homes = []int{0} // fewer than 3 users: the root holds them all
	}
	out := make([]engine.Team, n)
	names := make(map[string]bool, n)
	for i := range out {
		r := k.stream(kindOrgTeam, i)
		b := homes[i%len(homes)]
		cands := slices.Clone(subtree[b])
		size := min(r.between(3, 15), len(cands))
		for j := range size { // partial Fisher-Yates
			x := j + r.intn(len(cands)-j)
			cands[j], cands[x] = cands[x], cands[j]
		}
		chosen := cands[:size]
		slices.Sort(chosen)
		members := make([]string, size)
		for j, u := range chosen {
			members[j] = us[u].ID
		}
		// The k-th team of a unit takes the k-th team name.
		base := w.teamNames[(i/len(homes))%len(w.teamNames)] + " - " + bus[b].Name
		name := base
		for m := 2; names[name]; m++ {
			name = base + " (" + strconv.Itoa(m) + ")"
		}
		names[name] = true
		out[i] = engine.Team{ID: k.id(kindTeam, i), Name: name, BusinessUnit: bus[b].ID, Members: members, Roles: []string{roles[roleSalesperson].ID}}
	}
	return out
}

// addMembers puts the first managers users (one per business unit) in the
// Managers profile and every other user in Field Sales; every fifth of
// those is also a Field Technician (a profile of another app).
func addMembers(ps []engine.Profile, us []engine.User, managers int) error {
	field := slices.IndexFunc(ps, func(p engine.Profile) bool { return p.Name == ProfileFieldSales })
	mgr := slices.IndexFunc(ps, func(p engine.Profile) bool { return p.Name == ProfileManagers })
	tech := slices.IndexFunc(ps, func(p engine.Profile) bool { return p.Name == ProfileFieldTechnicians })
	if field < 0 || mgr < 0 || tech < 0 {
		return fmt.Errorf("add profile members: profiles.json needs %q, %q and %q", ProfileFieldSales, ProfileManagers, ProfileFieldTechnicians)
	}
	for i, u := range us {
		switch {
		case i < managers:
			ps[mgr].Users = append(ps[mgr].Users, u.ID)
		default:
			ps[field].Users = append(ps[field].Users, u.ID)
			if (i-managers)%5 == 4 {
				ps[tech].Users = append(ps[tech].Users, u.ID)
			}
		}
	}
	return nil
}

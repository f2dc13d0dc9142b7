package reference

import (
	"math/rand"
	"slices"
	"strconv"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// The generated organization (genWorld): five entities with several
// lookups each, so that profiles can chain related rules to depth four
// (task -> opportunity -> account -> contact) and close cycles (account
// -> contact -> account, account -> account, contact -> contact); product
// is organization-owned. Twelve users: eight field users who share one
// business unit, team, role and profile (so their views largely
// coincide), two managers, and two users who take a team's profile.

// lookup is one lookup attribute and the entities it may reference.
type lookup struct {
	attr    string
	targets []string
}

var (
	genEntities = []string{"account", "contact", "opportunity", "product", "task"}
	genLookups  = map[string][]lookup{
		"account":     {{"primarycontactid", []string{"contact"}}, {"parentaccountid", []string{"account"}}},
		"contact":     {{"parentaccountid", []string{"account"}}, {"managerid", []string{"contact"}}},
		"opportunity": {{"accountid", []string{"account"}}, {"contactid", []string{"contact"}}, {"productid", []string{"product"}}},
		"task":        {{"regardingid", []string{"opportunity", "account"}}, {"contactid", []string{"contact"}}},
	}
	// genPools is how many row ids each entity draws from.
	genPools  = map[string]int{"account": 14, "contact": 12, "opportunity": 10, "product": 4, "task": 14}
	genPrefix = map[string]string{"account": "e", "contact": "9", "opportunity": "7", "product": "5", "task": "6"}
	// genApps are the entity sets app B is drawn with.
	genApps = [][]string{{"account", "contact"}, {"contact"}, {"account", "contact", "opportunity", "task"}, {"opportunity", "product", "task"}, genEntities}
)

// The generated organization's users, teams and profiles.
var (
	genField    = genUsers(1, 8) // same business unit, team, role and profile
	genManagers = genUsers(9, 10)
	genOthers   = genUsers(11, 12) // no profile of their own: team T2's
	genAll      = genUsers(1, 12)
	genT1       = id("c", 1) // the field users' team, in C
	genT2       = id("c", 2) // in S
	pField      = id("f", 11)
	pMgr        = id("f", 12)
	pTeam       = id("f", 13) // team T2's profile
	pB          = id("f", 14) // the profile of app B
	genProfiles = []string{pField, pMgr, pTeam, pB}
	genRoles    = []string{id("d", 21), id("d", 22), id("d", 23)}
)

func genUsers(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, id("a", i))
	}
	return out
}

func genID(entity string, i int) string { return id(genPrefix[entity], i) }

// genRowID draws a row id of entity from its pool.
func genRowID(rng *rand.Rand, entity string) string {
	return genID(entity, 1+rng.Intn(genPools[entity]))
}

// genSchema is the generated organization's metadata: every entity has
// name, amount, priority and due, plus its lookups.
func genSchema() *engine.Schema {
	sch := &engine.Schema{}
	for _, e := range genEntities {
		def := engine.EntityDef{Name: e, Offline: true, Attributes: []engine.Attribute{{Name: "name", Type: engine.TypeString},
			{Name: "amount", Type: engine.TypeDecimal}, {Name: "priority", Type: engine.TypeInt}, {Name: "due", Type: engine.TypeDateTime}}}
		if e == "product" {
			def.Ownership = engine.OwnedByOrganization
		}
		for _, l := range genLookups[e] {
			def.Attributes = append(def.Attributes, engine.Attribute{Name: l.attr, Type: engine.TypeLookup, Targets: l.targets})
		}
		sch.Entities = append(sch.Entities, def)
	}
	return sch
}

// genPrivileges draws a role's privileges on every entity; Read is
// rarely none, so that views are seldom empty.
func genPrivileges(rng *rand.Rand) map[string]engine.Privileges {
	out := map[string]engine.Privileges{}
	for _, e := range genEntities {
		if e == "product" {
			out[e] = engine.Privileges{Read: pick(rng, []engine.Depth{engine.DepthNone, engine.DepthOrganization, engine.DepthOrganization})}
			continue
		}
		p := accountPrivileges(rng)
		if p.Read == engine.DepthNone && rng.Intn(4) > 0 {
			p.Read = pick(rng, depths[1:])
		}
		out[e] = p
	}
	return out
}

// newGenWorld builds the generated organization with random roles, rows
// and profiles.
func newGenWorld(t *testing.T, rng *rand.Rand, days bool) world {
	w := world{t: t, e: openEngine(t), days: days}
	w.apply(&engine.Command{Kind: engine.KindSetSchemaDraft, Schema: genSchema()}, &engine.Command{Kind: engine.KindPublishSchema})
	var roles []engine.Role
	for i, r := range genRoles {
		roles = append(roles, engine.Role{ID: r, Name: "g" + strconv.Itoa(i), Privileges: genPrivileges(rng)})
	}
	org := &engine.Org{Roles: roles,
		BusinessUnits: []engine.BusinessUnit{{ID: buR, Name: "R"}, {ID: buC, Name: "C", Parent: buR}, {ID: buG, Name: "G", Parent: buC}, {ID: buS, Name: "S", Parent: buR}}}
	t1 := engine.Team{ID: genT1, Name: "T1", BusinessUnit: buC, Roles: []string{pick(rng, genRoles)}}
	t2 := engine.Team{ID: genT2, Name: "T2", BusinessUnit: buS}
	for i, u := range genAll {
		user := engine.User{ID: u, Name: "g" + strconv.Itoa(i), BusinessUnit: buC, Roles: []string{genRoles[0]}, Enabled: true}
		switch {
		case slices.Contains(genManagers, u):
			user.BusinessUnit, user.Roles = pick(rng, []string{buR, buC}), []string{genRoles[1]}
		case slices.Contains(genOthers, u):
			user.BusinessUnit, user.Roles = pick(rng, []string{buG, buS}), []string{pick(rng, genRoles)}
		case rng.Intn(8) == 0: // a field user unlike the others
			user.BusinessUnit, user.Roles = pick(rng, allBUs), []string{pick(rng, genRoles)}
		}
		if slices.Contains(genField, u) && rng.Intn(6) > 0 {
			t1.Members = append(t1.Members, u)
		}
		if !slices.Contains(genField, u) && rng.Intn(3) > 0 || slices.Contains(genOthers, u) {
			t2.Members = append(t2.Members, u)
		}
		org.Users = append(org.Users, user)
	}
	org.Teams = []engine.Team{t1, t2}
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: org})
	var recs []codec.Record
	for _, e := range genEntities {
		for i := 1; i <= genPools[e]; i++ {
			if rng.Intn(6) > 0 {
				recs = append(recs, genRecord(rng, e, genID(e, i), now, true))
			}
		}
	}
	w.apply(&engine.Command{Kind: engine.KindIngest, Now: now, Records: recs})
	b := engine.App{ID: appB, Name: "B", Entities: pick(rng, genApps)}
	profiles := []engine.Profile{
		{ID: pField, Name: "Field", Rules: genRules(rng, genEntities, days), Users: genField},
		{ID: pMgr, Name: "Managers", Rules: genRules(rng, genEntities, days), Users: genManagers},
		{ID: pTeam, Name: "TeamT2", Rules: genRules(rng, genEntities, days), Teams: []string{genT2}},
		{ID: pB, Name: "PB", App: appB, Rules: genRules(rng, b.Entities, days)},
	}
	for _, u := range genAll {
		if rng.Intn(2) == 0 {
			profiles[3].Users = append(profiles[3].Users, u)
		}
	}
	if rng.Intn(2) == 0 {
		profiles[3].Teams = []string{genT1}
	}
	w.apply(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Apps: []engine.App{b}, Profiles: profiles, Publish: true}})
	return w
}

// genRecord draws an upsert of one row: every attribute when whole, else
// a few (the rest keep their values); lookups point into their targets'
// pools (sometimes at ids with no row, or at the row itself), or are
// cleared.
func genRecord(rng *rand.Rand, entity, rowID string, clock int64, whole bool) codec.Record {
	rec := codec.Record{Entity: entity, ID: rowID, Attrs: map[string]any{}}
	if entity != "product" && (whole || rng.Intn(3) == 0) {
		rec.OwnerID = pick(rng, genOwners)
	}
	some := func() bool { return whole || rng.Intn(3) == 0 }
	if some() {
		rec.Attrs["name"] = string("ABC"[rng.Intn(3)]) + "-" + strconv.Itoa(rng.Intn(4))
	}
	if some() {
		rec.Attrs["amount"] = strconv.Itoa(rng.Intn(6) * 1000)
	}
	if some() {
		rec.Attrs["priority"] = int64(rng.Intn(4))
	}
	if some() {
		rec.Attrs["due"] = dueDate(rng, clock)
	}
	for _, l := range genLookups[entity] {
		if !some() {
			continue
		}
		switch rng.Intn(8) {
		case 0:
			rec.Attrs[l.attr] = nil
		case 1:
			rec.Attrs[l.attr] = id("4", 1+rng.Intn(3)) // no such row
		default:
			rec.Attrs[l.attr] = genRowID(rng, pick(rng, l.targets))
		}
	}
	if whole || rng.Intn(4) > 0 {
		rec.Attrs["modifiedon"] = clock - int64(rng.Intn(12))*day - rng.Int63n(day)
	}
	if len(rec.Attrs) == 0 {
		rec.Attrs = nil
	}
	return rec
}

// genOwners are the owners rows are drawn with.
var genOwners = append([]string{genT1, genT2}, genAll...)

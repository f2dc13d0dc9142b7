package engine

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// TestOrgMemoFollowsAdminChanges is a model test of the access cache and
// its orgMemo: through a seeded random run of admin changes (business
// units moved, users moved and given roles, teams' members and roles,
// roles' depths, profiles written, published and assigned) and row
// writes, every user's cached Access says what one resolved afresh from
// Badger, with no cache, says. Replay a failure with its printed seed.
func TestOrgMemoFollowsAdminChanges(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	e := openSecurity(t, DepthUser, DepthNone, true)
	users := []string{uU, uO, uP, uQ, uX}
	depths := []Depth{DepthNone, DepthUser, DepthBusinessUnit, DepthParentChild, DepthOrganization}
	subset := func(from []string) []string {
		var out []string
		for _, s := range from {
			if rng.Intn(2) == 0 {
				out = append(out, s)
			}
		}
		return out
	}
	profiles := []string{prof1, prof2}
	rows := 0
	for step := 0; step < 200; step++ {
		var cmd *Command
		switch rng.Intn(7) {
		case 0: // move G and S within the tree (C stays under R: no cycles)
			org := securityOrg(DepthUser, DepthNone, true)
			bus := org.BusinessUnits
			bus[2].Parent = []string{buR, buC, buS}[rng.Intn(3)]
			if bus[2].Parent != buS {
				bus[3].Parent = []string{buR, buC}[rng.Intn(2)]
			}
			cmd = &Command{Kind: KindPutOrg, Org: &Org{BusinessUnits: bus}}
		case 1: // a user moves and gets other roles
			u := securityOrg(DepthUser, DepthNone, true).Users[rng.Intn(len(users))]
			u.BusinessUnit = []string{buR, buC, buG, buS}[rng.Intn(4)]
			u.Roles = subset([]string{roleA, roleB})
			u.Enabled = rng.Intn(5) > 0
			cmd = &Command{Kind: KindPutOrg, Org: &Org{Users: []User{u}}}
		case 2: // the team's members and roles
			tm := securityOrg(DepthUser, DepthNone, true).Teams[0]
			tm.Members, tm.Roles = subset(users), subset([]string{roleA, roleB})
			cmd = &Command{Kind: KindPutOrg, Org: &Org{Teams: []Team{tm}}}
		case 3: // a role's depths
			r := securityOrg(DepthUser, DepthNone, true).Roles[rng.Intn(2)]
			r.Privileges = PrivilegeMap{"account": {Read: depths[rng.Intn(len(depths))], Write: depths[rng.Intn(len(depths))]}}
			cmd = &Command{Kind: KindPutOrg, Org: &Org{Roles: []Role{r}}}
		case 4: // a profile written (published or not) with members
			entity := []string{"account", "contact"}[rng.Intn(2)]
			p := Profile{ID: profiles[rng.Intn(2)], Name: fmt.Sprintf("P%d", step), Rules: []Rule{{Entity: entity, Rows: []string{RowsUser}}},
				Users: subset(users), Teams: subset([]string{teamT})}
			cmd = &Command{Kind: KindPutOrg, Org: &Org{Profiles: []Profile{p}, Publish: rng.Intn(2) == 0, Move: true}}
		case 5: // a profile published as it stands
			cmd = &Command{Kind: KindPublishProfile, Target: &Target{Kind: ObjectProfile, ID: profiles[rng.Intn(2)]}}
		default: // rows only
			rows++
			cmd = ingestCmd(1, codec.Record{Entity: "account", ID: fmt.Sprintf("d0000000-0000-4000-8000-%012d", rows), OwnerID: users[rng.Intn(len(users))], Attrs: map[string]any{"name": "r"}})
		}
		if _, err := e.Apply(e.Applied()+1, cmd); err != nil {
			t.Fatalf("seed %d step %d: apply %s: %v", seed, step, cmd.Kind, err)
		}
		// Every user, in a random order, twice: the second read is served
		// from the cache.
		for round := 0; round < 2; round++ {
			for _, i := range rng.Perm(len(users)) {
				got, err := e.Access(users[i], "")
				if err != nil {
					t.Fatalf("seed %d step %d: access of %s: %v", seed, step, users[i], err)
				}
				want := freshAccess(t, e, users[i])
				if g, w := accessSummary(got), accessSummary(want); g != w {
					t.Fatalf("seed %d step %d (%s): cached access of %s\n got  %s\n want %s", seed, step, cmd.Kind, users[i], g, w)
				}
			}
		}
	}
}

// freshAccess resolves userID's Access with no cache at all.
func freshAccess(t *testing.T, e *Engine, userID string) *Access {
	t.Helper()
	var a *Access
	err := e.db.View(func(txn *badger.Txn) error {
		var err error
		a, err = loadAccess(txnReader{txn: txn}, userID, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// accessSummary is what an Access decides, as text.
func accessSummary(a *Access) string {
	s := fmt.Sprintf("user %+v teams %v subtree %v", a.User, a.Teams, slices.Sorted(maps.Keys(a.Subtree)))
	for _, ent := range []string{"account", "contact"} {
		s += fmt.Sprintf(" %s r%d w%d", ent, a.Depth(ent, PrivRead).rank(), a.Depth(ent, PrivWrite).rank())
	}
	if p := a.Profile; p != nil {
		rules, _ := json.Marshal(p.Rules)
		published, _ := json.Marshal(p.PublishedRules)
		s += fmt.Sprintf(" profile %s %q published %d rules %s published rules %s", p.ID, p.Name, p.Published, rules, published)
	}
	return s
}

// TestOrgMemoUnderConcurrentAdminChanges: readers resolve Access while
// admin changes commit; once the changes stop, every user's Access is
// what an uncached resolve says (no reader left an older epoch's objects
// in the memo of a newer one). Run with the race detector.
func TestOrgMemoUnderConcurrentAdminChanges(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	e := openSecurity(t, DepthUser, DepthNone, true)
	users := []string{uU, uO, uP, uQ, uX}
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for r := 0; r < 3; r++ {
		go func(r int) {
			rng := rand.New(rand.NewSource(seed + int64(r)))
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				if _, err := e.Access(users[rng.Intn(len(users))], ""); err != nil {
					errs <- err
					return
				}
			}
		}(r)
	}
	rng := rand.New(rand.NewSource(seed))
	for step := 0; step < 100; step++ {
		org := securityOrg(DepthUser, DepthNone, true)
		u := org.Users[rng.Intn(len(org.Users))]
		u.BusinessUnit = []string{buR, buC, buG, buS}[rng.Intn(4)]
		tm := org.Teams[0]
		tm.Members = users[:rng.Intn(len(users)+1)]
		role := org.Roles[rng.Intn(2)]
		role.Privileges = PrivilegeMap{"account": {Read: []Depth{DepthNone, DepthUser, DepthBusinessUnit, DepthParentChild}[rng.Intn(4)]}}
		bus := org.BusinessUnits
		bus[2].Parent = []string{buR, buC, buS}[rng.Intn(3)]
		if _, err := e.Apply(e.Applied()+1, &Command{Kind: KindPutOrg, Org: &Org{BusinessUnits: bus, Users: []User{u}, Teams: []Team{tm}, Roles: []Role{role}}}); err != nil {
			t.Fatalf("seed %d step %d: %v", seed, step, err)
		}
	}
	close(stop)
	for r := 0; r < 3; r++ {
		if err := <-errs; err != nil {
			t.Fatalf("seed %d: reader: %v", seed, err)
		}
	}
	for _, u := range users {
		got, err := e.Access(u, "")
		if err != nil {
			t.Fatal(err)
		}
		if g, w := accessSummary(got), accessSummary(freshAccess(t, e, u)); g != w {
			t.Fatalf("seed %d: access of %s after the changes\n got  %s\n want %s", seed, u, g, w)
		}
	}
}

// TestAccessCacheEpochsOnlyMoveForward: a reader of an older epoch (its
// transaction began before the last admin change) gets no memo and
// caches nothing, so it cannot put the older organization's objects into
// the newer epoch's cache; a newer epoch starts a new memo.
func TestAccessCacheEpochsOnlyMoveForward(t *testing.T) {
	var c accessCache
	m6 := c.memo(6)
	if m6 == nil || c.memo(6) != m6 {
		t.Fatal("the current epoch's memo is not kept")
	}
	if c.memo(4) != nil {
		t.Fatal("an older epoch got a memo")
	}
	old := &Access{}
	c.put(4, accessKey{"u", ""}, old)
	if c.get(6, accessKey{"u", ""}) != nil || c.memo(6) != m6 {
		t.Fatal("an older epoch's put changed the cache")
	}
	cur := &Access{}
	c.put(6, accessKey{"u", ""}, cur)
	if c.get(6, accessKey{"u", ""}) != cur {
		t.Fatal("the current epoch's Access is not cached")
	}
	if m8 := c.memo(8); m8 == nil || m8 == m6 || c.get(8, accessKey{"u", ""}) != nil {
		t.Fatal("a newer epoch did not start over")
	}
}

package engine

import (
	"errors"
	"sort"
	"sync/atomic"

	"github.com/offsync/offsync/codec"
)

// Privilege names one of the seven privileges a role grants per entity.
type Privilege int

// The privileges.
const (
	PrivCreate Privilege = iota
	PrivRead
	PrivWrite
	PrivDelete
	PrivAssign
	// PrivAppend: set lookups on a row (checked on the row written).
	PrivAppend
	// PrivAppendTo: be looked up (checked on the lookup's target row).
	PrivAppendTo
)

// rank orders depths from none (0) to organization (4).
func (d Depth) rank() int {
	switch d {
	case DepthUser:
		return 1
	case DepthBusinessUnit:
		return 2
	case DepthParentChild:
		return 3
	case DepthOrganization:
		return 4
	}
	return 0
}

// get returns the depth p grants.
func (p Privileges) get(priv Privilege) Depth {
	switch priv {
	case PrivCreate:
		return p.Create
	case PrivRead:
		return p.Read
	case PrivWrite:
		return p.Write
	case PrivDelete:
		return p.Delete
	case PrivAssign:
		return p.Assign
	case PrivAppend:
		if p.Append == "" {
			return p.Write // roles stored before Append was checked
		}
		return p.Append
	case PrivAppendTo:
		if p.AppendTo == "" {
			return p.Read // roles stored before AppendTo existed
		}
		return p.AppendTo
	}
	return DepthNone
}

// Access is a user's resolved security context: the user's business unit
// and its subtree, teams, effective privileges and offline profile, as of
// one version.
type Access struct {
	User User
	// App is the id of the app the access was resolved for: Profile is
	// the user's profile in it.
	App string
	// Teams are the ids of the teams the user is a member of, sorted.
	Teams   []string
	teamSet map[string]bool
	// Subtree holds the user's business unit and every unit below it.
	Subtree map[string]bool
	roles   []Role
	// depths, when set, replaces the roles: the Read depths a cursor
	// remembers of an earlier access context.
	depths map[string]Depth
	// Profile is the user's offline profile in App, nil when there is
	// none.
	Profile *Profile
	admin   bool // every depth is organization (administrators' re-apply)
	// memo keeps what quiet pulls derive from a shared Access, for the
	// schema version it was derived under (quietpull.go).
	memo atomic.Pointer[accessMemo]
}

// accessMemo is what pulls derive from an Access and the schema: the
// context fingerprint and the view's partitions.
type accessMemo struct {
	schema uint64
	fp     uint64
	parts  map[string]entityParts
}

// Depth is the user's effective depth for priv on entity: the highest over
// the user's roles and the roles of the user's teams. A disabled user has
// no privileges.
func (a *Access) Depth(entity string, priv Privilege) Depth {
	if a.admin {
		return DepthOrganization
	}
	if !a.User.Enabled {
		return DepthNone
	}
	if a.depths != nil {
		if priv != PrivRead {
			return DepthNone
		}
		return a.depths[entity]
	}
	best := DepthNone
	for _, r := range a.roles {
		if d := r.Privileges[entity].get(priv); d.rank() > best.rank() {
			best = d
		}
	}
	return best
}

// InTeam reports whether the user is a member of team.
func (a *Access) InTeam(team string) bool { return a.teamSet[team] }

// Covers reports whether depth d reaches a row with this owner and owning
// business unit. For organization-owned entities any depth other than none
// reaches every row.
func (a *Access) Covers(d Depth, def *EntityDef, ownerID, owningBU string) bool {
	if d.rank() == 0 {
		return false
	}
	return ownerID == a.User.ID || a.teamSet[ownerID] || a.coversScope(d, def, owningBU)
}

// coversScope is Covers without its ownership clause (a row the user or
// one of their teams owns): what depth d reaches through the
// organization, the business unit and the subtree, the same for every
// user of the business unit.
func (a *Access) coversScope(d Depth, def *EntityDef, owningBU string) bool {
	switch {
	case d.rank() == 0:
		return false
	case def.Ownership == OwnedByOrganization || d == DepthOrganization:
		return true
	case d.rank() >= DepthBusinessUnit.rank() && owningBU == a.User.BusinessUnit:
		return true
	}
	return d.rank() >= DepthParentChild.rank() && a.Subtree[owningBU]
}

// Can reports whether the user holds priv on a row of def.
func (a *Access) Can(priv Privilege, def *EntityDef, row *codec.Row) bool {
	return a.Covers(a.Depth(def.Name, priv), def, row.OwnerID, row.OwningBusinessUnit)
}

// objectReader is what loading an Access needs: decoding one key and
// listing a prefix. Both the read path and Apply provide it.
type objectReader interface {
	getDecoded(key []byte, v any) error
	keysWithPrefix(prefix []byte) ([]string, error)
}

// loadAccess resolves userID's security context in app from r.
func loadAccess(r objectReader, userID, app string) (*Access, error) {
	a := &Access{App: appID(app), teamSet: map[string]bool{}}
	if err := r.getDecoded(secKey(kindUser, userID), &a.User); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, notFoundf("user %s not found", userID)
		}
		return nil, err
	}
	keys, err := r.keysWithPrefix(memberPrefix(userID))
	if err != nil {
		return nil, err
	}
	roleIDs := append([]string(nil), a.User.Roles...)
	for _, k := range keys {
		team := k[len(memberPrefix(userID)):]
		t, err := readTeam(r, team)
		if err != nil {
			return nil, err
		}
		a.Teams = append(a.Teams, team)
		a.teamSet[team] = true
		roleIDs = append(roleIDs, t.Roles...)
	}
	sort.Strings(roleIDs)
	for i, id := range roleIDs {
		if i > 0 && roleIDs[i-1] == id {
			continue
		}
		role, err := readRole(r, id)
		if err != nil {
			return nil, err
		}
		a.roles = append(a.roles, role)
	}
	if err := a.loadSubtree(r); err != nil {
		return nil, err
	}
	return a, a.loadProfile(r)
}

// loadSubtree collects the user's business unit and its descendants.
func (a *Access) loadSubtree(r objectReader) error {
	var err error
	if m := memoOf(r); m != nil {
		a.Subtree, err = m.subtree(r, a.User.BusinessUnit)
	} else {
		a.Subtree, err = readSubtree(r, a.User.BusinessUnit)
	}
	return err
}

// readSubtree returns business unit root and every unit below it.
func readSubtree(r objectReader, root string) (map[string]bool, error) {
	children, err := readChildren(r)
	if err != nil {
		return nil, err
	}
	return subtreeOf(children, root), nil
}

// readChildren reads every business unit and returns the children of
// each, by parent id.
func readChildren(r objectReader) (map[string][]string, error) {
	keys, err := r.keysWithPrefix(secPrefix(kindBusinessUnit))
	if err != nil {
		return nil, err
	}
	children := map[string][]string{}
	for _, k := range keys {
		var bu BusinessUnit
		if err := r.getDecoded([]byte(k), &bu); err != nil {
			return nil, err
		}
		children[bu.Parent] = append(children[bu.Parent], bu.ID)
	}
	return children, nil
}

// subtreeOf returns root and every unit below it in the tree children
// describes.
func subtreeOf(children map[string][]string, root string) map[string]bool {
	sub := map[string]bool{}
	stack := []string{root}
	for len(stack) > 0 {
		bu := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if sub[bu] {
			continue
		}
		sub[bu] = true
		stack = append(stack, children[bu]...)
	}
	return sub
}

// readRole and readTeam decode a role and a team, once per epoch when r
// has an orgMemo.
func readRole(r objectReader, id string) (Role, error) {
	return readOrgObject(r, kindRole, id, func(m *orgMemo) *map[string]Role { return &m.roles })
}

func readTeam(r objectReader, id string) (Team, error) {
	return readOrgObject(r, kindTeam, id, func(m *orgMemo) *map[string]Team { return &m.teams })
}

// readOrgObject decodes the organization object kind/id, through the
// memo map that cache picks when r has an orgMemo.
func readOrgObject[V any](r objectReader, kind, id string, cache func(*orgMemo) *map[string]V) (V, error) {
	load := func() (V, error) {
		var v V
		err := r.getDecoded(secKey(kind, id), &v)
		return v, err
	}
	if m := memoOf(r); m != nil {
		return memoized(&m.mu, cache(m), id, load)
	}
	return load()
}

// loadProfile finds the user's profile in the app: the one the user is a
// direct member of, else the first (by id) profile of one of the user's
// teams.
func (a *Access) loadProfile(r objectReader) error {
	var pid string
	err := r.getDecoded(userProfileKey(a.User.ID, a.App), &pid)
	if errors.Is(err, ErrNotFound) {
		for _, t := range a.Teams {
			var tp string
			if err := r.getDecoded(teamProfileKey(t, a.App), &tp); err == nil && (pid == "" || tp < pid) {
				pid = tp
			} else if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		if pid == "" {
			return nil
		}
	} else if err != nil {
		return err
	}
	if tr, ok := r.(txnReader); ok && tr.profiles != nil {
		load := func() (*Profile, error) { return tr.profiles.load(tr.txn, pid) }
		var err error
		if m := tr.org; m != nil {
			a.Profile, err = memoized(&m.mu, &m.profiles, pid, load)
		} else {
			a.Profile, err = load()
		}
		return err
	}
	var p Profile
	if err := r.getDecoded(profileKey(pid), &p); err != nil {
		return err
	}
	// The member lists say nothing about this user's view, and can be
	// long: an Access (cached per user, held by event streams) drops them.
	p.Users, p.Teams = nil, nil
	a.Profile = &p
	return nil
}

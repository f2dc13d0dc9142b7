package engine

import (
	"sync"
)

// What users of an organization share when their Access is resolved: the
// roles and teams they hold, the business-unit tree below their unit and
// their profile. Resolving these read and decoded every business unit and
// the whole stored profile (member lists included) for each user: most
// of the engine's time in a new user's first load from a cached group
// (150 of 180 ms of samples over 960 such loads, docs/benchmarks.md),
// though within one organization epoch (accesscache.go) none of them
// can change. An
// orgMemo keeps them decoded for the epoch; only the user's own record,
// memberships and profile assignment are still read per user.

// orgMemo holds decoded organization objects of one epoch. Everything it
// returns is shared and must not be modified. The zero value is ready.
type orgMemo struct {
	mu       sync.Mutex
	roles    map[string]Role
	teams    map[string]Team
	children map[string][]string        // the business-unit tree, by parent; nil until read
	subtrees map[string]map[string]bool // by business unit
	profiles map[string]*Profile        // member lists dropped
}

// memoCap bounds each of an orgMemo's maps: past it, new objects are read
// and decoded but not kept (an organization of tens of thousands of teams
// must not grow the memo without bound within one epoch).
const memoCap = 4096

// role returns role id as r reads it, decoded once per epoch.
func (m *orgMemo) role(r objectReader, id string) (Role, error) {
	m.mu.Lock()
	v, ok := m.roles[id]
	m.mu.Unlock()
	if ok {
		return v, nil
	}
	if err := r.getDecoded(secKey(kindRole, id), &v); err != nil {
		return Role{}, err
	}
	m.mu.Lock()
	m.roles = keep(m.roles, id, v)
	m.mu.Unlock()
	return v, nil
}

// team returns team id as r reads it, decoded once per epoch.
func (m *orgMemo) team(r objectReader, id string) (Team, error) {
	m.mu.Lock()
	v, ok := m.teams[id]
	m.mu.Unlock()
	if ok {
		return v, nil
	}
	if err := r.getDecoded(secKey(kindTeam, id), &v); err != nil {
		return Team{}, err
	}
	m.mu.Lock()
	m.teams = keep(m.teams, id, v)
	m.mu.Unlock()
	return v, nil
}

// subtree returns business unit bu and every unit below it, as r reads
// the tree: the tree is read once per epoch, each unit's subtree
// computed once.
func (m *orgMemo) subtree(r objectReader, bu string) (map[string]bool, error) {
	m.mu.Lock()
	v, ok := m.subtrees[bu]
	children := m.children
	m.mu.Unlock()
	if ok {
		return v, nil
	}
	if children == nil {
		var err error
		if children, err = readChildren(r); err != nil {
			return nil, err
		}
	}
	v = subtreeOf(children, bu)
	m.mu.Lock()
	m.children = children
	m.subtrees = keep(m.subtrees, bu, v)
	m.mu.Unlock()
	return v, nil
}

// profile returns profile id, member lists dropped, read by load once per
// epoch.
func (m *orgMemo) profile(id string, load func() (*Profile, error)) (*Profile, error) {
	m.mu.Lock()
	v, ok := m.profiles[id]
	m.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.profiles = keep(m.profiles, id, v)
	m.mu.Unlock()
	return v, nil
}

// keep adds k to m (made when nil) unless m is full.
func keep[V any](m map[string]V, k string, v V) map[string]V {
	if m == nil {
		m = map[string]V{}
	}
	if len(m) < memoCap {
		m[k] = v
	}
	return m
}

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

// memoOf returns r's orgMemo, nil when r has none.
func memoOf(r objectReader) *orgMemo {
	if tr, ok := r.(txnReader); ok {
		return tr.org
	}
	return nil
}

// memoized returns (*cache)[k], loading and keeping it (unless the
// cache holds memoCap entries already) when absent; mu guards cache.
func memoized[V any](mu *sync.Mutex, cache *map[string]V, k string, load func() (V, error)) (V, error) {
	mu.Lock()
	v, ok := (*cache)[k]
	mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	mu.Lock()
	if *cache == nil {
		*cache = map[string]V{}
	}
	if len(*cache) < memoCap {
		(*cache)[k] = v
	}
	mu.Unlock()
	return v, nil
}

// subtree returns business unit bu and every unit below it, as r reads
// the tree: the tree is read once per epoch, each unit's subtree
// computed once.
func (m *orgMemo) subtree(r objectReader, bu string) (map[string]bool, error) {
	return memoized(&m.mu, &m.subtrees, bu, func() (map[string]bool, error) {
		m.mu.Lock()
		children := m.children
		m.mu.Unlock()
		if children == nil {
			var err error
			if children, err = readChildren(r); err != nil {
				return nil, err
			}
			m.mu.Lock()
			m.children = children
			m.mu.Unlock()
		}
		return subtreeOf(children, bu), nil
	})
}

package engine

import (
	"hash/fnv"
	"slices"
)

// cursorContext records the access context of the view being sent.
func (ps *pullState) cursorContext() *CursorContext {
	a := ps.acc
	c := &CursorContext{User: hashString(a.User.ID), BU: a.User.BusinessUnit, Subtree: hashSubtree(a.Subtree),
		Teams: a.Teams, Enabled: a.User.Enabled, Profile: a.Profile.ID, Publish: a.Profile.Published, Schema: ps.sch.Version}
	for _, r := range ps.rules {
		c.Entities = append(c.Entities, r.Entity)
		c.Depths = append(c.Depths, a.Depth(r.Entity, PrivRead))
	}
	return c
}

// oldContext rebuilds the view builder of the access context a cursor
// remembers, or returns nil when it cannot (another user's cursor, a
// metadata publish, a changed business-unit tree, rules no longer known):
// then the device reloads.
func (ps *pullState) oldContext(cur *Cursor) *viewBuilder {
	w := cur.Was
	a := ps.acc
	if w == nil || w.User != hashString(a.User.ID) || w.Schema != ps.sch.Version || len(w.Entities) != len(w.Depths) {
		return nil
	}
	var rules []Rule
	if err := getDecoded(ps.txn, ruleHistoryKey(w.Profile, w.Publish), &rules); err != nil {
		return nil
	}
	old := &Access{User: a.User, Teams: w.Teams, teamSet: map[string]bool{}, depths: map[string]Depth{}}
	old.User.BusinessUnit, old.User.Enabled = w.BU, w.Enabled
	for _, t := range w.Teams {
		old.teamSet[t] = true
	}
	for i, e := range w.Entities {
		old.depths[e] = w.Depths[i]
	}
	old.Subtree = map[string]bool{}
	if err := old.loadSubtree(txnReader{ps.txn}); err != nil || hashSubtree(old.Subtree) != w.Subtree {
		return nil // the tree changed: the old subtree is not known
	}
	vb := &viewBuilder{txn: ps.txn, acc: old, rules: rules, sch: ps.sch, now: cur.Time}
	if err := vb.prepare(); err != nil {
		return nil
	}
	return vb
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func hashSubtree(sub map[string]bool) uint64 {
	ids := make([]string, 0, len(sub))
	for id := range sub {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	h := fnv.New64a()
	for _, id := range ids {
		h.Write([]byte(id))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

package engine

import (
	"hash/fnv"
	"slices"

	"github.com/offsync/offsync/codec"
)

// cursorContext records the access context of the view being sent.
func (ps *pullState) cursorContext() *CursorContext {
	a := ps.acc
	c := &CursorContext{User: hashString(a.User.ID), BU: guidBytes(a.User.BusinessUnit), Subtree: hashSubtree(a.Subtree),
		Enabled: a.User.Enabled, Profile: guidBytes(a.Profile.ID), Publish: a.Profile.Published, Schema: ps.sch.Version}
	for _, t := range a.Teams {
		c.Teams = append(c.Teams, guidBytes(t))
	}
	for _, r := range ps.rules {
		c.Depths = append(c.Depths, uint8(a.Depth(r.Entity, PrivRead).rank()))
	}
	return c
}

// depthOfRank inverts Depth.rank.
var depthOfRank = [...]Depth{DepthNone, DepthUser, DepthBusinessUnit, DepthParentChild, DepthOrganization}

func guidBytes(s string) []byte {
	b, _ := codec.GUIDBytes(s)
	return b
}

func guidString(b []byte) string {
	s, _ := codec.GUIDString(b)
	return s
}

// oldContext rebuilds the view builder of the access context a cursor
// remembers, or returns nil when it cannot (another user's cursor, a
// metadata publish, a changed business-unit tree, rules no longer known,
// a context the registry does not hold): then the device reloads. A
// cursor decoded from the wire carries no Was, only its fingerprint: the
// context is then the one registered under it (contextstore.go). The
// fingerprint comes from a cursor the server authenticated for this user
// and app, and the context must still name this user.
func (ps *pullState) oldContext(cur *Cursor) *viewBuilder {
	w := cur.Was
	if w == nil {
		w = registeredContext(ps.txn, cur.Context)
	}
	a := ps.acc
	if w == nil || w.User != hashString(a.User.ID) || w.Schema != ps.sch.Version {
		return nil
	}
	var rules []Rule
	if err := getDecoded(ps.txn, ruleHistoryKey(guidString(w.Profile), w.Publish), &rules); err != nil || len(rules) != len(w.Depths) {
		return nil
	}
	old := &Access{User: a.User, teamSet: map[string]bool{}, depths: map[string]Depth{}}
	old.User.BusinessUnit, old.User.Enabled = guidString(w.BU), w.Enabled
	for _, t := range w.Teams {
		id := guidString(t)
		old.Teams = append(old.Teams, id)
		old.teamSet[id] = true
	}
	for i, r := range rules {
		if int(w.Depths[i]) >= len(depthOfRank) {
			return nil
		}
		old.depths[r.Entity] = depthOfRank[w.Depths[i]]
	}
	if err := old.loadSubtree(txnReader{txn: ps.txn}); err != nil || hashSubtree(old.Subtree) != w.Subtree {
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

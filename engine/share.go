package engine

import (
	"fmt"
	"strings"

	"github.com/offsync/offsync/codec"
)

// RuleCache lets users share the rows one profile rule selects when their
// view of that rule is the same: users of one profile in one business unit
// share its business-unit rules, every user shares organization-wide
// rules. Keys say everything the rows depend on, so a hit is always
// right; the implementation only bounds memory (the server's is an LRU).
type RuleCache interface {
	Get(key string) ([]codec.Row, bool)
	Put(key string, rows []codec.Row)
}

// shareKey returns the key under which a rule's rows can be shared, or ""
// when they depend on who the user is (user or team rows, user-depth
// reads, filters using the current user or today()).
//
// The rows of a rule depend on: the rule; the rows of its entity (the
// last version that wrote them); the organization and profiles (the last
// admin change); the user's Read depth; and, by depth and rows choice, the
// user's business unit (and so its subtree) and teams. They also depend on
// the time through the window: rows shared from an earlier time may have
// aged out since, which the pull's cutoff removes on the device.
func (vb *viewBuilder) shareKey(r *Rule) string {
	if vb.cache == nil || vb.shared == "" {
		return ""
	}
	// A load asks for each rule's key several times (its group's
	// parameters and partitions, and which rules it shares): named once.
	if k, ok := vb.shareKeys[r]; ok {
		return k
	}
	if vb.shareKeys == nil {
		vb.shareKeys = map[*Rule]string{}
	}
	k := vb.nameShare(r)
	vb.shareKeys[r] = k
	return k
}

// nameShare is shareKey, computed.
func (vb *viewBuilder) nameShare(r *Rule) string {
	depth := vb.acc.Depth(r.Entity, PrivRead)
	if r.Has(RowsUser) || r.Has(RowsTeam) || depth == DepthUser {
		return ""
	}
	if f := vb.filters[r.Entity]; f != nil && f.UsesContext() {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%q|%v|%d|%v|%s", vb.shared, r.Entity, r.Filter, r.Rows, r.Window(), r.Columns, depth)
	if r.Has(RowsBusinessUnit) || depth == DepthBusinessUnit || depth == DepthParentChild {
		b.WriteString("|bu=" + vb.acc.User.BusinessUnit)
	}
	if (r.Has(RowsAll) || r.Has(RowsOrganization)) && depth != DepthOrganization {
		// Depth below organization also reaches the rows of the user's
		// teams, wherever those teams are.
		b.WriteString("|teams=" + strings.Join(vb.acc.Teams, ","))
	}
	return b.String()
}

// cachedRule looks key up.
func (vb *viewBuilder) cachedRule(key string) ([]codec.Row, bool) {
	if key == "" {
		return nil, false
	}
	return vb.cache.Get(key)
}

// shareState is the part of share keys that says which state the rows come
// from: the version the notes start from, the schema version, the last
// admin change and the last write of each profile entity, as seen by this
// process (a restart empties caches).
// It also returns the version all of that was noted at: a pull shares
// only when its read transaction is at exactly that version, so no commit
// can slip between the key and the rows.
func (e *Engine) shareState(rules []Rule) (string, uint64) {
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	var b strings.Builder
	// n.since moves when the process opens the database or restores a
	// snapshot (a follower installing one): the notes knew nothing of
	// the writes it brought, so the keys from before must not match.
	fmt.Fprintf(&b, "f%d|s%d|o%d", n.since, e.Schema().Version, n.head(orgEntity))
	for _, r := range rules {
		fmt.Fprintf(&b, "|%s=%d", r.Entity, n.head(r.Entity))
	}
	return b.String(), n.version
}

// Rows a shared rule's rows look up. A user who shares a rule's rows also
// reads the rows they look up (the candidates of related rules): those
// are kept beside the rule's rows, under its key and targetsKey, as they
// were read (before the related rule's filter, window and the user's Read
// privilege, which each user applies), so that the next user of the key
// reads them from memory instead of Badger. The key's state covers every
// profile entity, so they are the current rows whenever the key is.

// targetsKey is the key of the rows of entity that a shared rule's rows
// look up.
func targetsKey(key, entity string) string { return key + "\x00targets\x00" + entity }

// targetEntities lists the entities rule r's relationships can target.
func (vb *viewBuilder) targetEntities(r *Rule) []string {
	var out []string
	def := vb.sch.Entity(r.Entity)
	if def == nil {
		return nil
	}
	for _, rel := range r.Relationships {
		if a := def.Attribute(rel); a != nil {
			out = appendScopes(out, a.Targets...)
		}
	}
	return out
}

// sharedTargets loads into vb.prefetch the targets kept for rule r under
// key.
func (vb *viewBuilder) sharedTargets(r *Rule, key string) {
	for _, te := range vb.targetEntities(r) {
		rows, ok := vb.cache.Get(targetsKey(key, te))
		if !ok {
			continue
		}
		if vb.prefetch == nil {
			vb.prefetch = map[string]codec.Row{}
		}
		for _, row := range rows {
			vb.prefetch[te+"/"+row.ID] = row
		}
	}
}

// collectTargets starts collecting the targets of rule r's rows, to keep
// them under key once the view is built.
func (vb *viewBuilder) collectTargets(r *Rule, key string) {
	if vb.collect == nil {
		vb.collect = map[*Rule]*targetSet{}
	}
	vb.collect[r] = &targetSet{key: key, entities: vb.targetEntities(r), seen: map[string]bool{}, rows: map[string][]codec.Row{}}
}

// targetSet is the targets collected for one shared rule, by entity.
type targetSet struct {
	key      string
	entities []string
	seen     map[string]bool
	rows     map[string][]codec.Row
}

// keepTargets stores the collected targets: for every entity the rule
// can look up, so that a user of the key finds them all (none looked up
// is a list too).
func (vb *viewBuilder) keepTargets() {
	for _, ts := range vb.collect {
		for _, te := range ts.entities {
			vb.cache.Put(targetsKey(ts.key, te), ts.rows[te])
		}
	}
	vb.collect = nil
}

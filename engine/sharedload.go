package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/offsync/offsync/codec"
)

// A first load splits into a shared part and the user's own part. The
// shared part (a SharedGroup) is every row that a user's view holds
// because of the profile's shared rules (those whose rows do not depend
// on who the user is: see shareKey) and the related rows those rows look
// up, as far as they do not depend on who the user is either. Every user
// with the same group parameters (the rules, and the parts of the access
// context the shared rules and related rules read: Read depths, business
// unit, subtree, teams where a shared rule reads them) holds the same
// shared part at the same state, so it is computed once, kept in a
// GroupCache, and the server serves it as immutable, pre-compressed pages
// that are byte-identical for all of them.
//
// Related rows are decided in the group without the Read privilege's
// ownership clause (a row the user or one of their teams owns): a row
// that only that clause could let in is kept aside (pending), and each
// user takes those their own ownership covers. The user's own part is
// then computed as before, skipping rows the group holds.

// GroupCache keeps the shared parts of first loads by key (parameters and
// state: equal keys, equal rows). The implementation only bounds memory.
type GroupCache interface {
	Get(key string) (*SharedGroup, bool)
	Put(key string, g *SharedGroup)
}

// SharedGroup is the shared part of a first load at one state. It is
// never modified once built, and may be read by many loads at once.
type SharedGroup struct {
	// Key names the parameters and the state (GroupCache's key).
	Key string
	// Params names the parameters only: a user whose current parameters
	// are equal may read the group's pages (server/pages.go).
	Params string
	// Entities holds the rows by rule, projected to the rule's columns,
	// ordered by id; they carry no removals, cutoffs or due times.
	Entities []EntityDelta
	ids      map[string]map[string]struct{}
	pending  []ViewRow
	// Attached is what a GroupCache keeps with the group (the server:
	// its encoded pages); the engine never reads it.
	Attached any
	// until is the last time (unix ms) at which no windowed row of the
	// group has aged out (0: none is windowed): past it, the group is
	// computed again.
	until int64
}

// Slim returns the group without its rows: what a load needs to build
// the user's own part (which rows the group holds, the pending rows),
// for a cache that keeps the rows in another form (Attached).
func (g *SharedGroup) Slim() *SharedGroup {
	s := *g
	s.Entities = make([]EntityDelta, len(g.Entities))
	for i, e := range g.Entities {
		s.Entities[i] = EntityDelta{Entity: e.Entity}
	}
	return &s
}

// Rows counts the group's rows.
func (g *SharedGroup) Rows() int {
	n := 0
	for _, e := range g.Entities {
		n += len(e.Upserts)
	}
	return n
}

// Size estimates the memory the group holds, for caches' bounds.
func (g *SharedGroup) Size() int64 {
	n := int64(len(g.Key)+len(g.Params)) + 256
	for i := range g.pending {
		n += rowHeapBytes(&g.pending[i].Row)
	}
	for _, e := range g.Entities {
		for i := range e.Upserts {
			n += rowHeapBytes(&e.Upserts[i])
		}
		n += int64(len(g.ids[e.Entity])) * idBytes
	}
	return n
}

// idBytes is about what an id in a group's set holds.
const idBytes = 96

// GroupParams returns the parameters of the user's first-load group in
// app ("" when nothing is shared): a user may read the pages of a group
// whose Params are equal.
func (e *Engine) GroupParams(userID, app string) (string, error) {
	acc, err := e.Access(userID, app)
	if err != nil {
		return "", fmt.Errorf("read group parameters: %w", err)
	}
	if acc.Profile == nil || acc.Profile.Published == 0 {
		return "", ErrNoProfile
	}
	vb := &viewBuilder{acc: acc, rules: acc.Profile.PublishedRules, sch: e.Schema(), cache: noRules{}, shared: "-"}
	if err := vb.prepare(); err != nil {
		return "", err
	}
	return vb.groupParams(), nil
}

// noRules is a RuleCache that keeps nothing (for GroupParams, which
// only names keys).
type noRules struct{}

// Get finds nothing.
func (noRules) Get(string) ([]codec.Row, bool) { return nil, false }

// Put keeps nothing.
func (noRules) Put(string, []codec.Row) {}

// has reports whether the group holds entity's row id.
func (g *SharedGroup) has(entity, id string) bool {
	_, ok := g.ids[entity][id]
	return ok
}

// groupParams names what the group's rows depend on besides the state,
// or "" when the profile has no shared rule, or a related rule's filter
// reads the user (then the whole load is the user's own).
func (vb *viewBuilder) groupParams() string {
	var b strings.Builder
	fmt.Fprintf(&b, "g1|s%d", vb.sch.Version)
	shared, subtree := false, false
	for i := range vb.rules {
		r := &vb.rules[i]
		fmt.Fprintf(&b, "\x00%s|%v|%v", r.Entity, r.Rows, r.Relationships)
		if vb.sch.Entity(r.Entity) == nil {
			continue
		}
		depth := vb.acc.Depth(r.Entity, PrivRead)
		switch {
		case r.Has(RowsRelated):
			if vb.filters[r.Entity].UsesContext() {
				return ""
			}
			fmt.Fprintf(&b, "|R|%q|%d|%v|%s", r.Filter, r.Window(), r.Columns, depth)
			if depth.rank() >= DepthBusinessUnit.rank() {
				b.WriteString("|bu=" + vb.acc.User.BusinessUnit)
			}
			subtree = subtree || depth == DepthParentChild
		default:
			k := vb.shareKey(r)
			if k == "" {
				b.WriteString("|U")
				continue
			}
			shared = true
			b.WriteString("|S" + strings.TrimPrefix(k, vb.shared))
			subtree = subtree || depth == DepthParentChild
		}
	}
	if !shared {
		return ""
	}
	if subtree {
		b.WriteString("|sub=" + strings.Join(slices.Sorted(maps.Keys(vb.acc.Subtree)), ","))
	}
	return b.String()
}

// buildGrouped is build for a first load that may share its group: the
// group (from the cache, or computed and kept), then the user's own part
// into vb.rows. It returns the group, or nil when nothing is shared (the
// whole view is then in vb.rows).
func (vb *viewBuilder) buildGrouped() (*SharedGroup, error) {
	if err := vb.prepare(); err != nil {
		return nil, err
	}
	params := vb.groupParams()
	if params == "" {
		return nil, vb.buildRules(vb.allRules)
	}
	key := params + "\x00" + vb.shared
	if vb.groupState != nil {
		state := vb.groupState(vb.groupPartitions())
		if state == "" {
			// A commit came between the notes and this read: share
			// nothing rather than name rows by a state they are not of.
			return nil, vb.buildRules(vb.allRules)
		}
		key = params + "\x00" + state
	}
	g, ok := vb.groups.Get(key)
	if !ok || (g.until != 0 && vb.now > g.until) {
		var err error
		if g, err = vb.buildGroup(key, params); err != nil {
			return nil, err
		}
		vb.groups.Put(key, g)
		if kept, ok := vb.groups.Get(key); ok {
			g = kept // as the cache keeps it (with what it attached)
		}
	}
	vb.group = g
	if err := vb.buildRules(vb.ownRules); err != nil {
		return nil, err
	}
	return g, nil
}

// groupPartitions is what the group's rows are read from: the
// partitions of its shared rules, and of the related rules as looked up
// by those.
func (vb *viewBuilder) groupPartitions() map[string]entityParts {
	rules := make([]Rule, 0, len(vb.rules))
	for i := range vb.rules {
		if r := &vb.rules[i]; r.Has(RowsRelated) || vb.sharedRules(r) {
			rules = append(rules, *r)
		}
	}
	return viewPartitions(vb.sch, vb.acc, rules)
}

// groupState names the state a group read at version comes from, by the
// heads of its partitions (parts): the version the notes start from, the
// schema version, the last admin change and the last write of each
// partition (of each entity it reads whole). Users whose groups read
// partitions nobody wrote since keep sharing it while the rest of the
// organization changes. It is "" when the notes are not at version (a
// commit came in between), and the entities' last writes when the
// partition logs do not cover the process's notes.
func (e *Engine) groupState(parts map[string]entityParts, version uint64) string {
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.version != version {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "f%d|s%d|o%d", n.since, e.Schema().Version, n.head(orgEntity))
	// The heads know every write since the notes start when the logs
	// take every write from the one after (a new database's first write
	// starts them).
	from := e.partsFrom.Load()
	covered := from != 0 && from <= n.since+1
	for _, ent := range slices.Sorted(maps.Keys(parts)) {
		p := parts[ent]
		if !covered || p.whole {
			fmt.Fprintf(&b, "|%s=%d", ent, n.head(ent))
			continue
		}
		for _, sc := range p.scopes {
			fmt.Fprintf(&b, "|%s/%s=%d", ent, sc, n.head(partitionHead(ent, sc)))
		}
	}
	return b.String()
}

// allRules selects every rule that is not related.
func (vb *viewBuilder) allRules(r *Rule) bool { return !r.Has(RowsRelated) }

// sharedRules selects the rules whose rows are shared.
func (vb *viewBuilder) sharedRules(r *Rule) bool { return !r.Has(RowsRelated) && vb.shareKey(r) != "" }

// ownRules selects the rules whose rows are the user's own.
func (vb *viewBuilder) ownRules(r *Rule) bool { return !r.Has(RowsRelated) && vb.shareKey(r) == "" }

// buildGroup computes the group: the shared rules' rows and the related
// rows they reach, decided without the ownership clause.
func (vb *viewBuilder) buildGroup(key, params string) (*SharedGroup, error) {
	vb.grouping = true
	err := vb.buildRules(vb.sharedRules)
	vb.grouping = false
	if err != nil {
		return nil, err
	}
	g := &SharedGroup{Key: key, Params: params, ids: map[string]map[string]struct{}{}, pending: vb.pending}
	vb.pending = nil
	for i := range vb.rules {
		r := &vb.rules[i]
		rows := vb.rows[r.Entity]
		d := EntityDelta{Entity: r.Entity, Upserts: make([]codec.Row, 0, len(rows))}
		ids := make(map[string]struct{}, len(rows))
		for _, id := range slices.Sorted(maps.Keys(rows)) {
			row := rows[id]
			ids[id] = struct{}{}
			g.noteWindow(r, &row)
			d.Upserts = append(d.Upserts, Project(r, row))
		}
		g.ids[r.Entity] = ids
		g.Entities = append(g.Entities, d)
		vb.rows[r.Entity] = map[string]codec.Row{}
	}
	for _, p := range g.pending {
		g.noteWindow(p.Rule, &p.Row)
	}
	return g, nil
}

// noteWindow moves g.until to before row ages out of r's window.
func (g *SharedGroup) noteWindow(r *Rule, row *codec.Row) {
	w := r.Window()
	if w <= 0 {
		return
	}
	if at := row.ModifiedOn + int64(w)*dayMillis; g.until == 0 || at < g.until {
		g.until = at
	}
}

// takePending adds to the user's own part the group's pending rows that
// the user's ownership covers, and returns them to follow.
func (vb *viewBuilder) takePending() []ViewRow {
	var out []ViewRow
	for _, p := range vb.group.pending {
		def := vb.sch.Entity(p.Rule.Entity)
		if def == nil || vb.hasRow(p.Rule.Entity, p.Row.ID) || !vb.acc.Can(PrivRead, def, &p.Row) {
			continue
		}
		vb.rows[p.Rule.Entity][p.Row.ID] = p.Row
		out = append(out, p)
	}
	return out
}

// hasRow reports whether the view being built holds entity's row id,
// in the user's own part or in the group.
func (vb *viewBuilder) hasRow(entity, id string) bool {
	if _, ok := vb.rows[entity][id]; ok {
		return true
	}
	return vb.group != nil && vb.group.has(entity, id)
}

// keepsInGroup is keeps for a related row of the group: the filter and
// window as for everyone, and the Read privilege without its ownership
// clause. A row only that clause could let in is noted as pending.
func (vb *viewBuilder) keepsInGroup(r *Rule, def *EntityDef, row *codec.Row) bool {
	d := vb.acc.Depth(def.Name, PrivRead)
	if d.rank() == 0 || !vb.passes(r, row) {
		return false
	}
	if vb.acc.coversScope(d, def, row.OwningBusinessUnit) {
		return true
	}
	if !vb.pendingSeen[r.Entity+"/"+row.ID] {
		if vb.pendingSeen == nil {
			vb.pendingSeen = map[string]bool{}
		}
		vb.pendingSeen[r.Entity+"/"+row.ID] = true
		vb.pending = append(vb.pending, ViewRow{Rule: r, Row: *row})
	}
	return false
}

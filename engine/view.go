package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/filter"
)

// ErrNoProfile means the user is in no offline profile, or the profile was
// never published.
var ErrNoProfile = errors.New("no published offline profile")

const dayMillis = int64(24 * 60 * 60 * 1000)

// ViewRow is one row of an offline view with the rule that carries it.
type ViewRow struct {
	Rule *Rule
	Row  codec.Row
}

// View computes the user's offline view at the current version and time
// now (unix milliseconds), in one read transaction, and calls fn for each
// row, entity by entity in rule order and by id within an entity. Rows are
// whole: use Project for the rule's columns. It uses the owner,
// business-unit and reference indexes, so a user's view costs about the
// rows it carries, not the whole table (except for rules over all rows).
// app is the app's id (empty: the default app).
func (e *Engine) View(userID, app string, now int64, fn func(ViewRow) error) (*Access, error) {
	return e.view(userID, app, nil, now, fn)
}

// ViewOf computes the view the user would have under rules (for example
// a profile's draft, to estimate it before it goes live), whatever the
// user's own profile is.
func (e *Engine) ViewOf(userID string, rules []Rule, now int64, fn func(ViewRow) error) (*Access, error) {
	return e.view(userID, DefaultAppID, rules, now, fn)
}

func (e *Engine) view(userID, app string, rules []Rule, now int64, fn func(ViewRow) error) (*Access, error) {
	var acc *Access
	epoch, ok := e.orgEpoch()
	err := e.readTxn(func(txn *badger.Txn) error {
		var err error
		acc, err = e.accessIn(txn, userID, app, epoch, ok)
		if err != nil {
			return err
		}
		if rules == nil {
			if acc.Profile == nil || acc.Profile.Published == 0 {
				return ErrNoProfile
			}
			rules = acc.Profile.PublishedRules
		}
		vb := &viewBuilder{txn: txn, acc: acc, rules: rules, sch: e.Schema(), now: now, rows: map[string]map[string]codec.Row{}}
		if err := vb.build(); err != nil {
			return err
		}
		return vb.emit(fn)
	})
	if err != nil {
		return acc, fmt.Errorf("compute view: %w", err)
	}
	return acc, nil
}

// Project returns row with only the rule's columns (all when it lists
// none); system attributes are always carried.
func Project(r *Rule, row codec.Row) codec.Row {
	if len(r.Columns) == 0 || row.Attrs == nil {
		return row
	}
	attrs := make(map[string]any, len(r.Columns))
	for _, c := range r.Columns {
		if v, ok := row.Attrs[c]; ok {
			attrs[c] = v
		}
	}
	if len(attrs) == 0 {
		attrs = nil
	}
	row.Attrs = attrs
	return row
}

// viewBuilder evaluates one view.
type viewBuilder struct {
	txn     *badger.Txn
	acc     *Access
	rules   []Rule
	sch     *Schema
	now     int64
	filters map[string]*filter.Expr
	rows    map[string]map[string]codec.Row
	cache   RuleCache // nil: share nothing
	shared  string    // the part of share keys that covers the state (see shareKey)
	// prefetch holds rows that shared rules' rows look up, by id, and
	// collect the targets being gathered for shared rules (share.go).
	prefetch map[string]codec.Row
	collect  map[*Rule]*targetSet
	// groups, when set, shares first loads' groups (sharedload.go);
	// group is the one this load reads, grouping is set while one is
	// computed, and pending gathers its rows only ownership could let in.
	groups      GroupCache
	groupState  func(map[string]entityParts) string // names a group's state; nil: vb.shared does
	group       *SharedGroup
	grouping    bool
	pending     []ViewRow
	pendingSeen map[string]bool
	shareKeys   map[*Rule]string // shareKey's, by rule
	// rowsAt, when set, is the engine whose current-row cache
	// (imagecache.go) emitRow reads and fills, for a transaction at
	// version at: a first load then reads a row decoded by a delta or a
	// load before instead of Badger, when the tail shows it unwritten.
	// Not while a group is computed: the group's rows are kept by the
	// group and rule caches already, and a group reads many rows once
	// per state, which would push out the rows deltas and users' own
	// parts read again.
	rowsAt *Engine
	at     uint64
}

// rule returns the rule for entity, or nil.
func (vb *viewBuilder) rule(entity string) *Rule {
	for i := range vb.rules {
		if vb.rules[i].Entity == entity {
			return &vb.rules[i]
		}
	}
	return nil
}

// prepare compiles the rules' filters and readies the row sets.
func (vb *viewBuilder) prepare() error {
	vb.filters = map[string]*filter.Expr{}
	vb.rows = map[string]map[string]codec.Row{}
	for i := range vb.rules {
		r := &vb.rules[i]
		def := vb.sch.Entity(r.Entity)
		if def == nil {
			continue // the entity was removed from the schema since the publish
		}
		vb.rows[r.Entity] = map[string]codec.Row{}
		if r.Filter != "" {
			f, err := compileFilter(def, r.Filter)
			if err != nil {
				return fmt.Errorf("compile filter of %s: %w", r.Entity, err)
			}
			vb.filters[r.Entity] = f
		}
	}
	return nil
}

// build computes the whole view into vb.rows.
func (vb *viewBuilder) build() error {
	if err := vb.prepare(); err != nil {
		return err
	}
	return vb.buildRules(vb.allRules)
}

// buildRules adds the rows of the rules sel selects (never related ones),
// the group's pending rows the user's ownership covers when a group is
// read, and the related rows all of those reach.
func (vb *viewBuilder) buildRules(sel func(*Rule) bool) error {
	var added []ViewRow
	for i := range vb.rules {
		r := &vb.rules[i]
		def := vb.sch.Entity(r.Entity)
		if def == nil || !sel(r) {
			continue
		}
		key := vb.shareKey(r)
		if rows, ok := vb.cachedRule(key); ok {
			vb.sharedTargets(r, key)
			for _, row := range rows {
				if w := r.Window(); w > 0 && row.ModifiedOn < vb.now-int64(w)*dayMillis {
					continue // shared from an earlier time: aged out since
				}
				vb.rows[r.Entity][row.ID] = row
				added = append(added, ViewRow{Rule: r, Row: row})
			}
			continue
		}
		var kept []codec.Row
		err := vb.candidates(r, func(row codec.Row) error {
			if vb.keeps(r, def, &row) {
				vb.rows[r.Entity][row.ID] = row
				added = append(added, ViewRow{Rule: r, Row: row})
				kept = append(kept, row)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if key != "" {
			vb.cache.Put(key, kept)
			if len(r.Relationships) > 0 {
				vb.collectTargets(r, key)
			}
		}
	}
	if vb.group != nil {
		added = append(added, vb.takePending()...)
	}
	if err := vb.related(added); err != nil {
		return err
	}
	vb.keepTargets()
	return nil
}

// candidates calls fn with the live rows a rule's rows choice selects.
func (vb *viewBuilder) candidates(r *Rule, fn func(codec.Row) error) error {
	if r.Has(RowsAll) || r.Has(RowsOrganization) {
		return vb.scan(rowPrefix(r.Entity), func(id string) error { return vb.emitRow(r.Entity, id, fn) })
	}
	seen := map[string]bool{}
	once := func(id string) error {
		if seen[id] {
			return nil
		}
		seen[id] = true
		return vb.emitRow(r.Entity, id, fn)
	}
	if r.Has(RowsUser) {
		if err := vb.scan(ownerPrefix(r.Entity, vb.acc.User.BusinessUnit, vb.acc.User.ID), once); err != nil {
			return err
		}
	}
	if r.Has(RowsTeam) {
		for _, t := range vb.acc.Teams {
			bu, err := ownerBusinessUnitIn(vb.txn, t)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := vb.scan(ownerPrefix(r.Entity, bu, t), once); err != nil {
				return err
			}
		}
	}
	if r.Has(RowsBusinessUnit) {
		// Keys under a business unit are {owner}/{id}.
		err := vb.scan(buPrefix(r.Entity, vb.acc.User.BusinessUnit), func(rest string) error {
			return once(rest[strings.LastIndexByte(rest, '/')+1:])
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// scan calls fn with the last key component of each key under prefix.
func (vb *viewBuilder) scan(prefix []byte, fn func(id string) error) error {
	it := vb.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if err := fn(string(it.Item().Key()[len(prefix):])); err != nil {
			return err
		}
	}
	return nil
}

// lookupRow is emitRow for a row that a row of rule src looks up: from
// the targets shared rules keep when there, and noted for src's shared
// rule when it is collecting them (share.go).
func (vb *viewBuilder) lookupRow(src *Rule, entity, id string, fn func(codec.Row) error) error {
	if row, ok := vb.prefetch[entity+"/"+id]; ok {
		return fn(row)
	}
	ts := vb.collect[src]
	if ts == nil {
		return vb.emitRow(entity, id, fn)
	}
	return vb.emitRow(entity, id, func(row codec.Row) error {
		if k := entity + "/" + id; !ts.seen[k] {
			ts.seen[k] = true
			ts.rows[entity] = append(ts.rows[entity], row)
		}
		return fn(row)
	})
}

func (vb *viewBuilder) emitRow(entity, id string, fn func(codec.Row) error) error {
	eng := vb.rowsAt
	if vb.grouping {
		eng = nil // read Badger alone (rowsAt)
	}
	row, err := eng.readCurrent(vb.txn, rowRef{entity, id}, vb.at)
	if err != nil || row == nil || row.Deleted {
		return err
	}
	return fn(*row) // maybe the cache's: nothing downstream modifies a row
}

// keeps applies the filter, the window and the Read privilege.
func (vb *viewBuilder) keeps(r *Rule, def *EntityDef, row *codec.Row) bool {
	return vb.acc.Can(PrivRead, def, row) && vb.passes(r, row)
}

// passes applies the rule's window and filter (not the Read privilege).
func (vb *viewBuilder) passes(r *Rule, row *codec.Row) bool {
	if w := r.Window(); w > 0 && row.ModifiedOn < vb.now-int64(w)*dayMillis {
		return false
	}
	if f := vb.filters[r.Entity]; f != nil {
		return f.Eval(func(name string) any { return RowValue(row, name) }, vb.acc.filterContext(vb.now))
	}
	return true
}

// keepsRelated is keeps for a related row (keepsInGroup while a group is
// computed).
func (vb *viewBuilder) keepsRelated(r *Rule, def *EntityDef, row *codec.Row) bool {
	if vb.grouping {
		return vb.keepsInGroup(r, def, row)
	}
	return vb.keeps(r, def, row)
}

// related adds, breadth first, the rows of related rules that rows in the
// view look up through their rules' relationships.
func (vb *viewBuilder) related(queue []ViewRow) error {
	for len(queue) > 0 {
		src := queue[0]
		queue = queue[1:]
		def := vb.sch.Entity(src.Rule.Entity)
		for _, rel := range src.Rule.Relationships {
			attr := def.Attribute(rel)
			target, _ := src.Row.Attrs[rel].(string)
			if attr == nil || target == "" {
				continue
			}
			for _, te := range attr.Targets {
				tr := vb.rule(te)
				tdef := vb.sch.Entity(te)
				if tr == nil || tdef == nil || !tr.Has(RowsRelated) {
					continue
				}
				if vb.hasRow(te, target) {
					continue
				}
				err := vb.lookupRow(src.Rule, te, target, func(row codec.Row) error {
					if vb.keepsRelated(tr, tdef, &row) {
						vb.rows[te][row.ID] = row
						queue = append(queue, ViewRow{Rule: tr, Row: row})
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// emit calls fn entity by entity (rule order), by id within an entity.
func (vb *viewBuilder) emit(fn func(ViewRow) error) error {
	for i := range vb.rules {
		r := &vb.rules[i]
		rows := vb.rows[r.Entity]
		ids := make([]string, 0, len(rows))
		for id := range rows {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if err := fn(ViewRow{Rule: r, Row: rows[id]}); err != nil {
				return err
			}
		}
	}
	return nil
}

// filterContext is what the filter's current-user operators refer to.
func (a *Access) filterContext(now int64) filter.Context {
	return filter.Context{UserID: a.User.ID, TeamIDs: a.Teams, BusinessUnitID: a.User.BusinessUnit, Now: now}
}

// RowValue returns a row's attribute, system attributes included, as the
// filter language reads it (nil when absent).
func RowValue(row *codec.Row, name string) any {
	switch name {
	case AttrID:
		return row.ID
	case AttrOwnerID:
		if row.OwnerID == "" {
			return nil
		}
		return row.OwnerID
	case AttrOwningBusinessUnit:
		if row.OwningBusinessUnit == "" {
			return nil
		}
		return row.OwningBusinessUnit
	case AttrCreatedOn:
		return row.CreatedOn
	case AttrModifiedOn:
		return row.ModifiedOn
	case AttrVersion:
		return int64(row.Version)
	}
	return row.Attrs[name]
}

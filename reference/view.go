package reference

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/filter"
)

// ErrNoProfile means the user is in no offline profile.
var ErrNoProfile = errors.New("user has no offline profile")

// ErrNoUser means there is no such user.
var ErrNoUser = errors.New("no such user")

// View is an offline view: entity -> row id -> row (projected to the
// rule's columns).
type View map[string]map[string]codec.Row

// Count returns the number of rows in the view.
func (v View) Count() int {
	n := 0
	for _, rows := range v {
		n += len(rows)
	}
	return n
}

const day = int64(24 * 60 * 60 * 1000)

// Compute returns V(user, app, version of s, now), now in unix
// milliseconds: the view of the user's profile in app (an app's id; empty
// is the default app).
func Compute(s *State, userID, app string, now int64) (View, error) {
	var user *engine.User
	for i := range s.Users {
		if s.Users[i].ID == userID {
			user = &s.Users[i]
		}
	}
	if user == nil {
		return nil, ErrNoUser
	}
	var teams []engine.Team
	for _, t := range s.Teams {
		if slices.Contains(t.Members, userID) {
			teams = append(teams, t)
		}
	}
	profile := findProfile(s, userID, app, teams)
	if profile == nil {
		return nil, ErrNoProfile
	}
	view := View{}
	if !user.Enabled {
		return view, nil
	}
	u := &subject{s: s, user: user, teams: teams, now: now}
	rules := map[string]engine.Rule{}
	filters := map[string]*filter.Expr{}
	for _, r := range profile.PublishedRules {
		rules[r.Entity] = r
		view[r.Entity] = map[string]codec.Row{}
		def := s.Schema.Entity(r.Entity)
		if def == nil {
			return nil, fmt.Errorf("rule for unknown entity %s", r.Entity)
		}
		if r.Filter != "" {
			f, err := filter.Parse(r.Filter, kinds(def))
			if err != nil {
				return nil, fmt.Errorf("filter of %s: %w", r.Entity, err)
			}
			filters[r.Entity] = f
		}
	}
	// Step 1: the rows each non-related rule selects.
	for _, r := range profile.PublishedRules {
		if slices.Contains(r.Rows, engine.RowsRelated) {
			continue
		}
		for _, row := range s.Rows[r.Entity] {
			if !row.Deleted && u.matchesRows(r, row) && u.keeps(r, filters[r.Entity], row) {
				view[r.Entity][row.ID] = row
			}
		}
	}
	// Step 2: related rows, until nothing more is added.
	for added := true; added; {
		added = false
		for _, src := range profile.PublishedRules {
			def := s.Schema.Entity(src.Entity)
			for _, rel := range src.Relationships {
				attr := def.Attribute(rel)
				if attr == nil {
					continue
				}
				for _, row := range sortedRows(view[src.Entity]) {
					target, _ := row.Attrs[rel].(string)
					if target == "" {
						continue
					}
					for _, te := range attr.Targets {
						tr, ok := rules[te]
						if !ok || !slices.Contains(tr.Rows, engine.RowsRelated) {
							continue
						}
						if _, have := view[te][target]; have {
							continue
						}
						for _, cand := range s.Rows[te] {
							if cand.ID == target && !cand.Deleted && u.keeps(tr, filters[te], cand) {
								view[te][target] = cand
								added = true
							}
						}
					}
				}
			}
		}
	}
	// Step 3: columns.
	for entity, rows := range view {
		cols := rules[entity].Columns
		if len(cols) == 0 {
			continue
		}
		for id, row := range rows {
			p := row
			p.Attrs = map[string]any{}
			for _, c := range cols {
				if v, ok := row.Attrs[c]; ok {
					p.Attrs[c] = v
				}
			}
			if len(p.Attrs) == 0 {
				p.Attrs = nil
			}
			rows[id] = p
		}
	}
	return view, nil
}

// findProfile is the user's own profile in app, else the profile
// (smallest id) in app of one of the user's teams.
func findProfile(s *State, userID, app string, teams []engine.Team) *engine.Profile {
	inApp := func(p *engine.Profile) bool { return sameApp(p.App, app) }
	for i := range s.Profiles {
		if inApp(&s.Profiles[i]) && slices.Contains(s.Profiles[i].Users, userID) {
			return &s.Profiles[i]
		}
	}
	var best *engine.Profile
	for i := range s.Profiles {
		if !inApp(&s.Profiles[i]) {
			continue
		}
		for _, t := range teams {
			if slices.Contains(s.Profiles[i].Teams, t.ID) && (best == nil || s.Profiles[i].ID < best.ID) {
				best = &s.Profiles[i]
			}
		}
	}
	return best
}

func sortedRows(m map[string]codec.Row) []codec.Row {
	out := make([]codec.Row, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b codec.Row) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// kinds declares an entity's attributes (and the system ones) to the
// filter parser.
func kinds(def *engine.EntityDef) func(string) (filter.Kind, bool) {
	return func(name string) (filter.Kind, bool) {
		switch name {
		case "id", "ownerid", "owningbusinessunit":
			return filter.KindGUID, true
		case "createdon", "modifiedon":
			return filter.KindDateTime, true
		case "version":
			return filter.KindInt, true
		}
		a := def.Attribute(name)
		if a == nil {
			return 0, false
		}
		switch a.Type {
		case engine.TypeString:
			return filter.KindString, true
		case engine.TypeInt:
			return filter.KindInt, true
		case engine.TypeFloat:
			return filter.KindFloat, true
		case engine.TypeDecimal:
			return filter.KindDecimal, true
		case engine.TypeBool:
			return filter.KindBool, true
		case engine.TypeDateTime:
			return filter.KindDateTime, true
		case engine.TypeChoice:
			return filter.KindChoice, true
		}
		return filter.KindGUID, true
	}
}

// sameApp compares two app references, where empty is the default app.
func sameApp(a, b string) bool {
	if a == "" {
		a = engine.DefaultAppID
	}
	if b == "" {
		b = engine.DefaultAppID
	}
	return a == b
}

package reference

import (
	"slices"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/filter"
)

// subject is the user a view is computed for.
type subject struct {
	s     *State
	user  *engine.User
	teams []engine.Team
	now   int64
}

func (u *subject) ownsOrTeamOwns(owner string) bool {
	if owner == u.user.ID {
		return true
	}
	for _, t := range u.teams {
		if t.ID == owner {
			return true
		}
	}
	return false
}

// matchesRows applies a rule's rows choice.
func (u *subject) matchesRows(r engine.Rule, row codec.Row) bool {
	for _, c := range r.Rows {
		switch c {
		case engine.RowsAll, engine.RowsOrganization:
			return true
		case engine.RowsUser:
			if row.OwnerID == u.user.ID {
				return true
			}
		case engine.RowsTeam:
			if row.OwnerID != u.user.ID && u.ownsOrTeamOwns(row.OwnerID) {
				return true
			}
		case engine.RowsBusinessUnit:
			if row.OwningBusinessUnit == u.user.BusinessUnit {
				return true
			}
		}
	}
	return false
}

// keeps applies what every carried row must pass: the filter, the window
// and the Read privilege.
func (u *subject) keeps(r engine.Rule, f *filter.Expr, row codec.Row) bool {
	if f != nil && !f.Eval(func(name string) any { return value(row, name) }, u.context()) {
		return false
	}
	if w := r.Window(); w > 0 && row.ModifiedOn < u.now-int64(w)*day {
		return false
	}
	return u.canRead(r.Entity, row)
}

func (u *subject) context() filter.Context {
	c := filter.Context{UserID: u.user.ID, BusinessUnitID: u.user.BusinessUnit, Now: u.now}
	for _, t := range u.teams {
		c.TeamIDs = append(c.TeamIDs, t.ID)
	}
	return c
}

// readDepth is the highest Read depth over the user's and teams' roles.
func (u *subject) readDepth(entity string) engine.Depth {
	roleIDs := slices.Clone(u.user.Roles)
	for _, t := range u.teams {
		roleIDs = append(roleIDs, t.Roles...)
	}
	order := []engine.Depth{engine.DepthNone, engine.DepthUser, engine.DepthBusinessUnit, engine.DepthParentChild, engine.DepthOrganization}
	best := 0
	for _, role := range u.s.Roles {
		if !slices.Contains(roleIDs, role.ID) {
			continue
		}
		if i := slices.Index(order, role.Privileges[entity].Read); i > best {
			best = i
		}
	}
	return order[best]
}

// canRead applies the Read privilege's depth to a row.
func (u *subject) canRead(entity string, row codec.Row) bool {
	d := u.readDepth(entity)
	if d == engine.DepthNone {
		return false
	}
	if d == engine.DepthOrganization || u.s.Schema.Entity(entity).Ownership == engine.OwnedByOrganization {
		return true
	}
	if u.ownsOrTeamOwns(row.OwnerID) {
		return true
	}
	if d == engine.DepthUser {
		return false
	}
	if row.OwningBusinessUnit == u.user.BusinessUnit {
		return true
	}
	if d == engine.DepthBusinessUnit {
		return false
	}
	// Parent-child: the row's unit is the user's or lies below it.
	bu := row.OwningBusinessUnit
	for hops := 0; bu != "" && hops <= len(u.s.BusinessUnits); hops++ {
		if bu == u.user.BusinessUnit {
			return true
		}
		bu = u.parent(bu)
	}
	return false
}

func (u *subject) parent(bu string) string {
	for _, b := range u.s.BusinessUnits {
		if b.ID == bu {
			return b.Parent
		}
	}
	return ""
}

// value reads an attribute, system attributes included.
func value(row codec.Row, name string) any {
	switch name {
	case "id":
		return row.ID
	case "ownerid":
		return nilIfEmpty(row.OwnerID)
	case "owningbusinessunit":
		return nilIfEmpty(row.OwningBusinessUnit)
	case "createdon":
		return row.CreatedOn
	case "modifiedon":
		return row.ModifiedOn
	case "version":
		return int64(row.Version)
	}
	return row.Attrs[name]
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

package engine

import (
	"errors"
	"fmt"
	"slices"
)

// deleteObject deletes a business unit, team, user, role, profile or app.
// An object still in use (a unit with children, users or teams; a role
// held by someone; a user or team that owns rows; an app with profiles)
// is a conflict: reassign or disable first.
func (st *cmdState) deleteObject(t *Target) error {
	if t == nil {
		return invalidf("target: missing")
	}
	if err := canonID("target", &t.ID); err != nil {
		return err
	}
	var key []byte
	switch t.Kind {
	case ObjectBusinessUnit:
		key = secKey(kindBusinessUnit, t.ID)
	case ObjectTeam:
		key = secKey(kindTeam, t.ID)
	case ObjectUser:
		key = secKey(kindUser, t.ID)
	case ObjectRole:
		key = secKey(kindRole, t.ID)
	case ObjectProfile:
		key = profileKey(t.ID)
	case ObjectApp:
		if err := st.checkAppUnused(t.ID); err != nil {
			return err
		}
		key = secKey(kindApp, t.ID)
	default:
		return invalidf("target.kind: %q cannot be deleted", t.Kind)
	}
	if ok, err := st.exists(key); err != nil {
		return err
	} else if !ok {
		return notFoundf("%s %s not found", t.Kind, t.ID)
	}
	if err := st.checkUnused(t); err != nil {
		return err
	}
	switch t.Kind {
	case ObjectTeam:
		var team Team
		if err := st.getDecoded(key, &team); err != nil {
			return err
		}
		for _, u := range team.Members {
			st.del(memberKey(u, t.ID))
		}
		if err := st.dropMemberships(teamProfileKey, t.ID); err != nil {
			return err
		}
	case ObjectUser:
		if err := st.dropMemberships(userProfileKey, t.ID); err != nil {
			return err
		}
	case ObjectProfile:
		var p Profile
		if err := st.getDecoded(key, &p); err != nil {
			return err
		}
		for _, u := range p.Users {
			st.del(userProfileKey(u, p.App))
		}
		for _, tm := range p.Teams {
			st.del(teamProfileKey(tm, p.App))
		}
	}
	st.del(key)
	return nil
}

// checkUnused refuses to delete an object others still depend on.
func (st *cmdState) checkUnused(t *Target) error {
	inUse := func(why string) error {
		return &Error{Err: ErrConflict, Msg: fmt.Sprintf("%s %s is in use: %s", t.Kind, t.ID, why)}
	}
	switch t.Kind {
	case ObjectBusinessUnit:
		for _, kind := range []string{kindBusinessUnit, kindUser, kindTeam} {
			found, err := st.anyObject(kind, func(v any) bool {
				switch o := v.(type) {
				case *BusinessUnit:
					return o.Parent == t.ID
				case *User:
					return o.BusinessUnit == t.ID
				case *Team:
					return o.BusinessUnit == t.ID
				}
				return false
			})
			if err != nil {
				return err
			}
			if found {
				return inUse("it still has child units, users or teams")
			}
		}
	case ObjectRole:
		for _, kind := range []string{kindUser, kindTeam} {
			found, err := st.anyObject(kind, func(v any) bool {
				switch o := v.(type) {
				case *User:
					return slices.Contains(o.Roles, t.ID)
				case *Team:
					return slices.Contains(o.Roles, t.ID)
				}
				return false
			})
			if err != nil {
				return err
			}
			if found {
				return inUse("users or teams still hold it")
			}
		}
	case ObjectUser, ObjectTeam:
		sch := st.currentSchema()
		for _, e := range sch.Entities {
			_, keys, err := st.ownedKeys(e.Name, t.ID)
			if err != nil {
				return err
			}
			if len(keys) > 0 {
				return inUse(fmt.Sprintf("it owns %s rows; reassign them (or disable the user) first", e.Name))
			}
		}
	}
	return nil
}

// anyObject reports whether some stored object of kind matches.
func (st *cmdState) anyObject(kind string, match func(any) bool) (bool, error) {
	keys, err := st.keysWithPrefix(secPrefix(kind))
	if err != nil {
		return false, err
	}
	for _, k := range keys {
		var v any
		switch kind {
		case kindBusinessUnit:
			v = &BusinessUnit{}
		case kindUser:
			v = &User{}
		case kindTeam:
			v = &Team{}
		}
		if err := st.getDecoded([]byte(k), v); err != nil {
			return false, err
		}
		if match(v) {
			return true, nil
		}
	}
	return false, nil
}

// dropMemberships takes a user or team out of its profile in every app.
func (st *cmdState) dropMemberships(key func(id, app string) []byte, id string) error {
	apps, err := appsIn(st, st.currentSchema())
	if err != nil {
		return err
	}
	for _, a := range apps {
		if err := st.dropMembership(key(id, a.ID), id); err != nil {
			return err
		}
	}
	return nil
}

// dropMembership removes id from the profile recorded at key.
func (st *cmdState) dropMembership(key []byte, id string) error {
	var pid string
	if err := st.getDecoded(key, &pid); errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	var p Profile
	if err := st.getDecoded(profileKey(pid), &p); err != nil {
		return err
	}
	p.Users = slices.DeleteFunc(p.Users, func(u string) bool { return u == id })
	p.Teams = slices.DeleteFunc(p.Teams, func(u string) bool { return u == id })
	st.del(key)
	return st.setDecoded(profileKey(pid), &p)
}

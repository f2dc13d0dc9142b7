package engine

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// The organization object kinds, as stored under s/{kind}/{id}.
const (
	kindBusinessUnit = "bu"
	kindTeam         = "team"
	kindUser         = "user"
	kindRole         = "role"
)

// putOrg upserts every object of o, checking the references between them.
// Objects are written in slice order, so equal commands write equal bytes.
func (st *cmdState) putOrg(o *Org) error {
	if o == nil {
		return invalidf("org: missing")
	}
	for i := range o.BusinessUnits {
		bu := o.BusinessUnits[i]
		f := fmt.Sprintf("businessUnits[%d]", i)
		if err := canonID(f, &bu.ID); err != nil {
			return err
		}
		if bu.Name == "" {
			return invalidf("%s.name: required", f)
		}
		if bu.Parent == "" {
			other, err := st.anyObject(kindBusinessUnit, func(v any) bool {
				o := v.(*BusinessUnit)
				return o.Parent == "" && o.ID != bu.ID
			})
			if err != nil {
				return err
			}
			if other {
				return invalidf("%s.parent: required: the tree already has a root", f)
			}
		} else {
			if err := canonID(f+".parent", &bu.Parent); err != nil {
				return err
			}
			if err := st.mustExist(f+".parent", secKey(kindBusinessUnit, bu.Parent)); err != nil {
				return err
			}
			if err := st.checkNoCycle(f+".parent", bu.ID, bu.Parent); err != nil {
				return err
			}
		}
		if err := st.setDecoded(secKey(kindBusinessUnit, bu.ID), &bu); err != nil {
			return err
		}
	}
	for i := range o.Roles {
		r := o.Roles[i]
		f := fmt.Sprintf("roles[%d]", i)
		if err := canonID(f, &r.ID); err != nil {
			return err
		}
		if r.Name == "" {
			return invalidf("%s.name: required", f)
		}
		for _, ent := range sortedKeys(r.Privileges) {
			if err := validPrivileges(f+".privileges."+ent, st.currentSchema(), ent, r.Privileges[ent]); err != nil {
				return err
			}
		}
		if err := st.setDecoded(secKey(kindRole, r.ID), &r); err != nil {
			return err
		}
	}
	for i := range o.Users {
		u := o.Users[i]
		u.Roles = slices.Clone(u.Roles)
		f := fmt.Sprintf("users[%d]", i)
		if err := st.checkMember(f, &u.ID, &u.BusinessUnit, u.Name, u.Roles); err != nil {
			return err
		}
		var old User
		if err := st.getDecoded(secKey(kindUser, u.ID), &old); err == nil && old.BusinessUnit != u.BusinessUnit {
			if err := st.moveOwnedRows(u.ID, u.BusinessUnit); err != nil {
				return err
			}
		} else if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := st.setDecoded(secKey(kindUser, u.ID), &u); err != nil {
			return err
		}
	}
	for i := range o.Teams {
		t := o.Teams[i]
		t.Roles, t.Members = slices.Clone(t.Roles), slices.Clone(t.Members)
		f := fmt.Sprintf("teams[%d]", i)
		if err := st.checkMember(f, &t.ID, &t.BusinessUnit, t.Name, t.Roles); err != nil {
			return err
		}
		for j := range t.Members {
			mf := fmt.Sprintf("%s.members[%d]", f, j)
			if err := canonID(mf, &t.Members[j]); err != nil {
				return err
			}
			if err := st.mustExist(mf, secKey(kindUser, t.Members[j])); err != nil {
				return err
			}
		}
		slices.Sort(t.Members)
		t.Members = slices.Compact(t.Members)
		if err := st.indexMembers(&t); err != nil {
			return err
		}
		if err := st.setDecoded(secKey(kindTeam, t.ID), &t); err != nil {
			return err
		}
	}
	if err := st.putApps(o.Apps); err != nil {
		return err
	}
	return st.putProfiles(o.Profiles, o.Publish, o.Move)
}

// indexMembers keeps s/tm/{user}/{team} in step with a team's members,
// and moves the team's rows when its business unit changes.
func (st *cmdState) indexMembers(t *Team) error {
	var old Team
	if err := st.getDecoded(secKey(kindTeam, t.ID), &old); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if old.ID != "" && old.BusinessUnit != t.BusinessUnit {
		if err := st.moveOwnedRows(t.ID, t.BusinessUnit); err != nil {
			return err
		}
	}
	for _, u := range old.Members {
		st.del(memberKey(u, t.ID))
	}
	for _, u := range t.Members {
		st.set(memberKey(u, t.ID), nil)
	}
	return nil
}

// checkNoCycle refuses a parent that lies below the unit itself.
func (st *cmdState) checkNoCycle(f, id, parent string) error {
	for p := parent; p != ""; {
		if p == id {
			return invalidf("%s: %s lies below this unit; the tree would have a cycle", f, parent)
		}
		var bu BusinessUnit
		if err := st.getDecoded(secKey(kindBusinessUnit, p), &bu); err != nil {
			return err
		}
		p = bu.Parent
	}
	return nil
}

// checkMember validates what users and teams share: id, name, business
// unit and roles.
func (st *cmdState) checkMember(f string, id, bu *string, name string, roles []string) error {
	if err := canonID(f, id); err != nil {
		return err
	}
	if name == "" {
		return invalidf("%s.name: required", f)
	}
	if err := canonID(f+".businessUnit", bu); err != nil {
		return err
	}
	if err := st.mustExist(f+".businessUnit", secKey(kindBusinessUnit, *bu)); err != nil {
		return err
	}
	for j := range roles {
		rf := fmt.Sprintf("%s.roles[%d]", f, j)
		if err := canonID(rf, &roles[j]); err != nil {
			return err
		}
		if err := st.mustExist(rf, secKey(kindRole, roles[j])); err != nil {
			return err
		}
	}
	return nil
}

func (st *cmdState) mustExist(field string, key []byte) error {
	ok, err := st.exists(key)
	if err != nil {
		return err
	}
	if !ok {
		return invalidf("%s: does not exist", field)
	}
	return nil
}

func canonID(field string, id *string) error {
	if *id == "" {
		return invalidf("%s.id: missing", field)
	}
	g, ok := CanonicalGUID(*id)
	if !ok {
		return invalidf("%s: %q is not a GUID", field, *id)
	}
	*id = g
	return nil
}

func validPrivileges(f string, sch *Schema, entity string, p Privileges) error {
	def := sch.Entity(entity)
	if sch.Version > 0 && def == nil {
		return invalidf("%s: unknown entity %q", f, entity)
	}
	for _, d := range []struct {
		name string
		d    Depth
	}{{"create", p.Create}, {"read", p.Read}, {"write", p.Write}, {"delete", p.Delete}, {"assign", p.Assign}, {"append", p.Append}, {"appendTo", p.AppendTo}} {
		switch d.d {
		case "", DepthNone, DepthUser, DepthBusinessUnit, DepthParentChild, DepthOrganization:
		default:
			return invalidf("%s.%s: unknown depth %q", f, d.name, d.d)
		}
		if def != nil && def.Ownership == OwnedByOrganization && d.d.rank() > 0 && d.d != DepthOrganization {
			return invalidf("%s.%s: %s is organization-owned: the depth is none or organization", f, d.name, entity)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// listDecoded decodes every value under prefix, in key order.
func listDecoded[T any](e *Engine, prefix []byte) ([]T, error) {
	var out []T
	err := e.readTxn(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var v T
			if err := it.Item().Value(func(b []byte) error { return codec.Unmarshal(b, &v) }); err != nil {
				return fmt.Errorf("list %q: %w: %w", prefix, ErrCorrupt, err)
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// getObject decodes the object at key.
func getObject[T any](e *Engine, key []byte) (T, error) {
	var v T
	err := e.readTxn(func(txn *badger.Txn) error { return getDecoded(txn, key, &v) })
	if errors.Is(err, ErrNotFound) {
		return v, notFoundf("%s not found", key)
	}
	return v, err
}

// BusinessUnits lists the business units.
func (e *Engine) BusinessUnits() ([]BusinessUnit, error) {
	return listDecoded[BusinessUnit](e, secPrefix(kindBusinessUnit))
}

// Teams lists the teams.
func (e *Engine) Teams() ([]Team, error) { return listDecoded[Team](e, secPrefix(kindTeam)) }

// Users lists the users.
func (e *Engine) Users() ([]User, error) { return listDecoded[User](e, secPrefix(kindUser)) }

// Roles lists the security roles.
func (e *Engine) Roles() ([]Role, error) { return listDecoded[Role](e, secPrefix(kindRole)) }

// Profiles lists the offline profiles (of every app), each with its app's
// id.
func (e *Engine) Profiles() ([]Profile, error) {
	ps, err := listDecoded[Profile](e, []byte(prefixProfile))
	for i := range ps {
		ps[i].App = ps[i].AppID()
	}
	return ps, err
}

// User returns one user, or ErrNotFound.
func (e *Engine) User(id string) (User, error) { return getObject[User](e, secKey(kindUser, id)) }

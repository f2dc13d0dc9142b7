package engine

import (
	"errors"
	"fmt"
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
		if bu.Parent != "" {
			if err := canonID(f+".parent", &bu.Parent); err != nil {
				return err
			}
			if err := st.mustExist(f+".parent", secKey(kindBusinessUnit, bu.Parent)); err != nil {
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
			if err := validPrivileges(f+".privileges."+ent, r.Privileges[ent]); err != nil {
				return err
			}
		}
		if err := st.setDecoded(secKey(kindRole, r.ID), &r); err != nil {
			return err
		}
	}
	for i := range o.Users {
		u := o.Users[i]
		f := fmt.Sprintf("users[%d]", i)
		if err := st.checkMember(f, &u.ID, &u.BusinessUnit, u.Name, u.Roles); err != nil {
			return err
		}
		if err := st.setDecoded(secKey(kindUser, u.ID), &u); err != nil {
			return err
		}
	}
	for i := range o.Teams {
		t := o.Teams[i]
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
		if err := st.setDecoded(secKey(kindTeam, t.ID), &t); err != nil {
			return err
		}
	}
	return st.putProfiles(o.Profiles, o.Publish)
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

func validPrivileges(f string, p Privileges) error {
	for _, d := range []struct {
		name string
		d    Depth
	}{{"create", p.Create}, {"read", p.Read}, {"write", p.Write}, {"delete", p.Delete}, {"assign", p.Assign}, {"append", p.Append}} {
		switch d.d {
		case "", DepthNone, DepthUser, DepthBusinessUnit, DepthParentChild, DepthOrganization:
		default:
			return invalidf("%s.%s: unknown depth %q", f, d.name, d.d)
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
	err := e.db.View(func(txn *badger.Txn) error {
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
	err := e.db.View(func(txn *badger.Txn) error { return getDecoded(txn, key, &v) })
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

// Profiles lists the offline profiles.
func (e *Engine) Profiles() ([]Profile, error) {
	return listDecoded[Profile](e, []byte(prefixProfile))
}

// User returns one user, or ErrNotFound.
func (e *Engine) User(id string) (User, error) { return getObject[User](e, secKey(kindUser, id)) }

package engine

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// moveOwnedRows rewrites every row owned by owner (a user or team whose
// business unit changes) with its new owning business unit, at this
// command's version, so that deltas carry the change. modifiedon is kept:
// nobody edited the rows. The caller stores the owner's new business
// unit after this call: the rows are found under the old one.
func (st *cmdState) moveOwnedRows(owner, bu string) error {
	sch := st.currentSchema()
	for i := range sch.Entities {
		def := &sch.Entities[i]
		if def.Ownership != OwnedByUserOrTeam {
			continue
		}
		prefix, keys, err := st.ownedKeys(def.Name, owner)
		if err != nil {
			return err
		}
		for _, k := range keys {
			id := k[len(prefix):]
			cur, found, err := st.readRow(def.Name, id)
			if err != nil {
				return err
			}
			if !found || cur.Deleted {
				continue
			}
			row := cur.Clone()
			row.OwningBusinessUnit, row.Version = bu, st.version
			if err := st.writeRow(def, cur, true, row); err != nil {
				return err
			}
		}
	}
	return nil
}

// ownedKeys lists the owner-index keys of the rows of entity owned by
// owner (a user or team), under the business unit the owner has as this
// command sees it, and returns their prefix.
func (st *cmdState) ownedKeys(entity, owner string) ([]byte, []string, error) {
	bu, err := st.ownerBusinessUnit(owner)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, nil // no such owner: it owns nothing
	}
	if err != nil {
		return nil, nil, err
	}
	prefix := ownerPrefix(entity, bu, owner)
	keys, err := st.keysWithPrefix(prefix)
	return prefix, keys, err
}

// ownerBusinessUnitIn returns the business unit of a user or team as
// stored in txn.
func ownerBusinessUnitIn(txn *badger.Txn, id string) (string, error) {
	var u User
	err := getDecoded(txn, secKey(kindUser, id), &u)
	if err == nil {
		return u.BusinessUnit, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return "", err
	}
	var t Team
	if err := getDecoded(txn, secKey(kindTeam, id), &t); err != nil {
		return "", fmt.Errorf("read owner %s: %w", id, err)
	}
	return t.BusinessUnit, nil
}

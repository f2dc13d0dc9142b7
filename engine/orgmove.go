package engine

// moveOwnedRows rewrites every row owned by owner (a user or team whose
// business unit changes) with its new owning business unit, at this
// command's version, so that deltas carry the change. modifiedon is kept:
// nobody edited the rows.
func (st *cmdState) moveOwnedRows(owner, bu string) error {
	sch := st.currentSchema()
	for i := range sch.Entities {
		def := &sch.Entities[i]
		if def.Ownership != OwnedByUserOrTeam {
			continue
		}
		prefix := ownerPrefix(def.Name, owner)
		keys, err := st.keysWithPrefix(prefix)
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

package engine

import "fmt"

// putProfiles upserts offline profiles (publishing them when publish is
// set). A user may be a member of at most one profile.
func (st *cmdState) putProfiles(ps []Profile, publish bool) error {
	sch := st.currentSchema()
	member := map[string]string{} // user -> profile, within this command
	for i := range ps {
		p := ps[i]
		f := fmt.Sprintf("profiles[%d]", i)
		if err := canonID(f, &p.ID); err != nil {
			return err
		}
		if p.Name == "" {
			return invalidf("%s.name: required", f)
		}
		for j := range p.Rules {
			if err := checkRule(fmt.Sprintf("%s.rules[%d]", f, j), sch, &p.Rules[j]); err != nil {
				return err
			}
		}
		for j := range p.Users {
			uf := fmt.Sprintf("%s.users[%d]", f, j)
			if err := canonID(uf, &p.Users[j]); err != nil {
				return err
			}
			if err := st.mustExist(uf, secKey(kindUser, p.Users[j])); err != nil {
				return err
			}
			if other, ok := member[p.Users[j]]; ok && other != p.ID {
				return &Error{Err: ErrConflict, Msg: fmt.Sprintf("%s: user %s is already in profile %s", uf, p.Users[j], other)}
			}
			member[p.Users[j]] = p.ID
		}
		for j := range p.Teams {
			tf := fmt.Sprintf("%s.teams[%d]", f, j)
			if err := canonID(tf, &p.Teams[j]); err != nil {
				return err
			}
			if err := st.mustExist(tf, secKey(kindTeam, p.Teams[j])); err != nil {
				return err
			}
		}
		if publish {
			p.Published = st.version
		}
		if err := st.setDecoded(profileKey(p.ID), &p); err != nil {
			return err
		}
	}
	return nil
}

// checkRule fills a rule's defaults and checks it against the schema when
// one is published.
func checkRule(f string, sch *Schema, r *Rule) error {
	if r.ModifiedWithinDays == nil {
		d := DefaultModifiedWithinDays
		r.ModifiedWithinDays = &d
	}
	if *r.ModifiedWithinDays < 0 {
		return invalidf("%s.modifiedWithinDays: must not be negative", f)
	}
	if r.SyncIntervalMinutes == 0 {
		r.SyncIntervalMinutes = DefaultSyncIntervalMinutes
	}
	if r.SyncIntervalMinutes < MinSyncIntervalMinutes || r.SyncIntervalMinutes > MaxSyncIntervalMinutes {
		return invalidf("%s.syncIntervalMinutes: %d is outside %d..%d", f, r.SyncIntervalMinutes, MinSyncIntervalMinutes, MaxSyncIntervalMinutes)
	}
	if len(r.Rows) == 0 {
		return invalidf("%s.rows: required", f)
	}
	for _, rows := range r.Rows {
		switch rows {
		case RowsAll, RowsRelated:
			if len(r.Rows) > 1 {
				return invalidf("%s.rows: %q cannot be combined", f, rows)
			}
		case RowsOrganization, RowsUser, RowsTeam, RowsBusinessUnit:
		default:
			return invalidf("%s.rows: unknown choice %q", f, rows)
		}
	}
	if sch.Version == 0 {
		return nil
	}
	def := sch.Entity(r.Entity)
	if def == nil {
		return invalidf("%s.entity: unknown entity %q", f, r.Entity)
	}
	if !def.Offline {
		return invalidf("%s.entity: %s cannot be taken offline", f, r.Entity)
	}
	for _, c := range r.Columns {
		if def.Attribute(c) == nil && !isSystemAttr(c) {
			return invalidf("%s.columns: unknown attribute %q of %s", f, c, r.Entity)
		}
	}
	for _, rel := range r.Relationships {
		if a := def.Attribute(rel); a == nil || a.Type != TypeLookup {
			return invalidf("%s.relationships: %q is not a lookup of %s", f, rel, r.Entity)
		}
	}
	return nil
}

func isSystemAttr(name string) bool {
	for _, s := range SystemAttributes {
		if s == name {
			return true
		}
	}
	return false
}

package engine

import "slices"

// checkRule fills a rule's defaults and checks it on its own, against the
// schema when one is published. f names the rule in messages.
func checkRule(f string, sch *Schema, r *Rule) error {
	if r.ModifiedWithinDays == nil {
		d := DefaultModifiedWithinDays
		r.ModifiedWithinDays = &d
	}
	if *r.ModifiedWithinDays < 0 || *r.ModifiedWithinDays > 36500 {
		return invalidf("%s.modifiedWithinDays: %d is outside 0..36500", f, *r.ModifiedWithinDays)
	}
	if r.SyncIntervalMinutes == 0 {
		r.SyncIntervalMinutes = DefaultSyncIntervalMinutes
	}
	if r.SyncIntervalMinutes < MinSyncIntervalMinutes || r.SyncIntervalMinutes > MaxSyncIntervalMinutes {
		return invalidf("%s.syncIntervalMinutes: %d is outside %d..%d", f, r.SyncIntervalMinutes, MinSyncIntervalMinutes, MaxSyncIntervalMinutes)
	}
	if len(r.Rows) == 0 {
		return invalidf("%s.rows: required (all, related, or any of organization, user, team, businessunit)", f)
	}
	for _, rows := range r.Rows {
		switch rows {
		case RowsAll, RowsRelated:
			if len(r.Rows) > 1 {
				return invalidf("%s.rows: %q cannot be combined with other choices", f, rows)
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
		if def.Attribute(c) == nil && !slices.Contains(SystemAttributes, c) {
			return invalidf("%s.columns: unknown attribute %q of %s", f, c, r.Entity)
		}
	}
	for _, rel := range r.Relationships {
		if a := def.Attribute(rel); a == nil || a.Type != TypeLookup {
			return invalidf("%s.relationships: %q is not a lookup of %s", f, rel, r.Entity)
		}
	}
	if r.Filter != "" {
		if _, err := compileFilter(def, r.Filter); err != nil {
			return invalidf("%s.filter: %v", f, err)
		}
	}
	return nil
}

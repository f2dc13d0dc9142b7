package engine

// movedIn lists the entities of rules whose rows in acc's view may have
// changed after version since, by the heads notify keeps: for an entity
// the view reads in partitions, a write to one of them; for one it reads
// whole (or before the partition logs started at since), any write to
// the entity. The caller holds n.mu. It does not look at admin changes or
// at time (windows, today()).
func (n *notifier) movedIn(parts map[string]entityParts, rules []Rule, since uint64) []string {
	var out []string
	for i := range rules {
		entity := rules[i].Entity
		p, ok := parts[entity]
		moved := false
		switch {
		case parts != nil && !ok:
			// not in the schema: no rows
		case parts == nil || p.whole:
			moved = n.head(entity) > since
		case len(p.cells) == len(p.scopes):
			for _, c := range p.cells {
				moved = moved || *c > since
			}
		case len(p.heads) == len(p.scopes):
			for _, h := range p.heads {
				moved = moved || n.head(h) > since
			}
		default:
			for _, s := range p.scopes {
				moved = moved || n.head(partitionHead(entity, s)) > since
			}
		}
		if moved {
			out = append(out, entity)
		}
	}
	return out
}

// partsSince is viewPartitions when the partition logs cover every write
// after since, nil otherwise (the entities' heads then tell).
func (e *Engine) partsSince(acc *Access, rules []Rule, since uint64) map[string]entityParts {
	if from := e.partsFrom.Load(); from != 0 && since >= from {
		return viewPartitions(e.Schema(), acc, rules)
	}
	return nil
}

// ViewChanges lists the entities of acc's profile whose rows in acc's
// view may have changed after version since, as far as this process
// knows (writes before it opened the database count as after any version
// below it): event streams wake a device only for writes to its own
// partitions. Admin changes are OrgVersion's.
func (e *Engine) ViewChanges(acc *Access, since uint64) []string {
	if acc == nil || acc.Profile == nil {
		return nil
	}
	rules := acc.Profile.PublishedRules
	parts := e.partsSince(acc, rules, since)
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	if since < n.since {
		out := make([]string, 0, len(rules))
		for i := range rules {
			out = append(out, rules[i].Entity)
		}
		return out
	}
	return n.movedIn(parts, rules, since)
}

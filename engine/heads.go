package engine

// Head cells. The notifier keeps each head (an entity, a partition, or
// orgEntity) as a cell that lives as long as the process: the last
// version that wrote it. Views that quiet pulls check again and again
// resolve their heads' cells once (withCells), so a check reads the cells
// instead of hashing each head name.

// head returns the last version that wrote name's rows, 0 if none since
// the process started (the caller holds n.mu).
func (n *notifier) head(name string) uint64 {
	if c := n.entity[name]; c != nil {
		return *c
	}
	return 0
}

// cell returns name's cell, created at 0 if new (the caller holds n.mu).
func (n *notifier) cell(name string) *uint64 {
	c := n.entity[name]
	if c == nil {
		if n.entity == nil {
			n.entity = map[string]*uint64{}
		}
		c = new(uint64)
		n.entity[name] = c
	}
	return c
}

// withCells sets the cells of each entity's heads in parts (made by
// withHeads) and returns it; parts must not be shared yet.
func (n *notifier) withCells(parts map[string]entityParts) map[string]entityParts {
	n.mu.Lock()
	defer n.mu.Unlock()
	for entity, p := range parts {
		if len(p.heads) != len(p.scopes) {
			continue
		}
		p.cells = make([]*uint64, len(p.heads))
		for i, h := range p.heads {
			p.cells[i] = n.cell(h)
		}
		parts[entity] = p
	}
	return parts
}

// unwrittenScopes returns a bit for each of p's scopes (the first 64)
// whose partition the notifier shows unwritten in (v0, v1]: its cell at or
// below v0, while the notifier knows every write from v0 to v1. A delta
// skips their logs without looking their tails up by name.
func (e *Engine) unwrittenScopes(p entityParts, v0, v1 uint64) uint64 {
	if len(p.cells) != len(p.scopes) {
		return 0
	}
	n := &e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.covers(v0, v1) {
		return 0
	}
	var bits uint64
	for i, c := range p.cells {
		if i < 64 && *c <= v0 {
			bits |= 1 << i
		}
	}
	return bits
}

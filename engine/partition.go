package engine

import (
	"encoding/binary"
	"slices"
)

// Partitions. The rows a published profile carries fall into partitions
// that many users share: the rows owned by one user or team, or owned by
// one business unit, of one entity (the scope is that owner's or unit's
// id), or the whole entity. Each partition has its own change log,
//
//	pl/{entity}/{scope}/{version:be64}  -> the rows the command at version wrote there, each
//	                                       with the version of its previous image (partitionlog.go)
//
// written with the rows, one entry per partition and command: under the
// scopes of the row's owner and owning business unit before and after the
// write, and under the related scopes "{source}:{scope}" of the rows that
// look the row up (the entity, owner and business unit of each, counted
// per target in the reference summary xs/{targetId}), so that the targets
// a partition's rows look up have a log of their own. A user's view reads the partitions its access
// context and rules select (viewPartitions): a delta reads only their logs
// since the cursor, and a pull whose partitions did not move since the
// cursor is answered from the heads kept in memory (notify), with no read.
//
// a/partitions holds the version from which the logs are complete: new
// databases from their first command, older ones from the
// KindStartPartitions command that builds the reference summaries.
const (
	prefixPartition  = "pl/"
	prefixRefSummary = "xs/"
	keyPartitions    = "a/partitions"
	// maxViewScopes caps the scopes one rule reads; beyond it the rule
	// reads its entity's whole change log.
	maxViewScopes = 64
)

func partitionPrefix(entity, scope string) []byte {
	return []byte(prefixPartition + entity + "/" + scope + "/")
}

// partitionKey is the key of a partition's entry for the command at
// version (partitionlog.go).
func partitionKey(entity, scope string, version uint64) []byte {
	k := make([]byte, 0, len(prefixPartition)+len(entity)+len(scope)+2+8)
	k = append(append(append(append(append(k, prefixPartition...), entity...), '/'), scope...), '/')
	return binary.BigEndian.AppendUint64(k, version)
}

// partitionSeek is the first key of a partition's log above version after.
func partitionSeek(entity, scope string, after uint64) []byte {
	return binary.BigEndian.AppendUint64(partitionPrefix(entity, scope), after+1)
}

func refSummaryKey(target string) []byte {
	return []byte(prefixRefSummary + target)
}

// partitionHead is the name under which notify records a partition's last
// version. Entity names hold no "/", so it never equals an entity's.
func partitionHead(entity, scope string) string {
	return entity + "/" + scope
}

// entityParts is what a view reads of one entity: the partitions of some
// scopes, or the whole entity.
type entityParts struct {
	whole  bool
	scopes []string
	// heads, when set, are the partitionHead names of scopes, and cells
	// their cells in the notifier (kept for the views that quiet pulls
	// check again and again: no hashing of head names).
	heads []string
	cells []*uint64
}

// withHeads returns parts with each entity's head names set.
func withHeads(parts map[string]entityParts) map[string]entityParts {
	for entity, p := range parts {
		p.heads = make([]string, len(p.scopes))
		for i, s := range p.scopes {
			p.heads[i] = partitionHead(entity, s)
		}
		parts[entity] = p
	}
	return parts
}

// viewPartitions maps each entity of rules to the partitions that hold
// every row the rules can select for acc (a superset: a delta decides
// each candidate exactly). A rule's rows choice and the user's Read depth
// bound the owners and business units its rows can have; related rows
// are read in the partitions of the rules that look them up, or whole
// when one of those is itself related or whole.
func viewPartitions(sch *Schema, acc *Access, rules []Rule) map[string]entityParts {
	out := make(map[string]entityParts, len(rules))
	for i := range rules {
		r := &rules[i]
		def := sch.Entity(r.Entity)
		if def == nil || r.Has(RowsRelated) {
			continue
		}
		out[r.Entity] = ruleParts(acc, def, r)
	}
	for i := range rules {
		t := &rules[i]
		if sch.Entity(t.Entity) == nil || !t.Has(RowsRelated) {
			continue
		}
		p := entityParts{}
		for j := range rules {
			s := &rules[j]
			sdef := sch.Entity(s.Entity)
			if sdef == nil || !looksUp(sdef, s, t.Entity) {
				continue
			}
			sp := out[s.Entity]
			if s.Has(RowsRelated) || sp.whole {
				p = entityParts{whole: true}
				break
			}
			for _, sc := range sp.scopes {
				p.scopes = appendScopes(p.scopes, relatedScope(s.Entity, sc))
			}
		}
		if len(p.scopes) > maxViewScopes {
			p = entityParts{whole: true}
		}
		out[t.Entity] = p
	}
	return out
}

// looksUp reports whether rule s (of entity def) carries a relationship
// that can target entity.
func looksUp(def *EntityDef, s *Rule, entity string) bool {
	for _, rel := range s.Relationships {
		if a := def.Attribute(rel); a != nil && slices.Contains(a.Targets, entity) {
			return true
		}
	}
	return false
}

// ruleParts is the partitions a rule of rows (not related) reads.
func ruleParts(acc *Access, def *EntityDef, r *Rule) entityParts {
	d := acc.Depth(def.Name, PrivRead)
	if d.rank() == 0 {
		return entityParts{}
	}
	var scopes []string
	if !r.Has(RowsAll) && !r.Has(RowsOrganization) {
		if r.Has(RowsUser) {
			scopes = appendScopes(scopes, acc.User.ID)
		}
		if r.Has(RowsTeam) {
			scopes = appendScopes(scopes, acc.Teams...)
		}
		if r.Has(RowsBusinessUnit) {
			scopes = appendScopes(scopes, acc.User.BusinessUnit)
		}
		return entityParts{scopes: scopes}
	}
	if def.Ownership == OwnedByOrganization || d == DepthOrganization {
		return entityParts{whole: true}
	}
	scopes = appendScopes(scopes, acc.User.ID)
	scopes = appendScopes(scopes, acc.Teams...)
	if d.rank() >= DepthBusinessUnit.rank() {
		scopes = appendScopes(scopes, acc.User.BusinessUnit)
	}
	if d.rank() >= DepthParentChild.rank() {
		for bu := range acc.Subtree {
			scopes = appendScopes(scopes, bu)
		}
	}
	if len(scopes) > maxViewScopes {
		return entityParts{whole: true}
	}
	slices.Sort(scopes)
	return entityParts{scopes: scopes}
}

// appendScopes adds the non-empty scopes not yet in list.
func appendScopes(list []string, scopes ...string) []string {
	for _, s := range scopes {
		if s != "" && !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}

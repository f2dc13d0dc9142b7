package reference

import (
	"math/rand"
	"slices"
	"strings"

	"github.com/offsync/offsync/engine"
)

// genRules draws a profile's rules over entities (an app's). A third are
// the chain task -> opportunity -> account -> contact, related rules all
// the way down and back up (contact.parentaccountid closes the cycle
// account -> contact -> account); a third are the cycle alone, rooted at
// an account or a contact rule; the rest draw each entity's rule, and
// each rule's relationships, at random. Every rule, related ones
// included, may get a filter, a window and a column subset.
func genRules(rng *rand.Rand, entities []string, days bool) []engine.Rule {
	const absent, root, related = 0, 1, 2
	mode := map[string]int{}
	rels := map[string][]string{}
	some := func(e string, always ...string) {
		rels[e] = append(rels[e], always...)
		for _, l := range genLookups[e] {
			if !slices.Contains(rels[e], l.attr) && rng.Intn(2) == 0 {
				rels[e] = append(rels[e], l.attr)
			}
		}
	}
	switch rng.Intn(3) {
	case 0:
		mode["task"], mode["opportunity"], mode["account"], mode["contact"] = root, related, related, related
		if rng.Intn(2) == 0 {
			mode["product"] = related
		}
		some("task", "regardingid")
		some("opportunity", "accountid")
		some("account", "primarycontactid")
		some("contact", "parentaccountid")
	case 1:
		mode["account"], mode["contact"] = related, related
		mode[pick(rng, []string{"account", "contact"})] = root
		some("account", "primarycontactid")
		some("contact", "parentaccountid")
		for _, e := range []string{"opportunity", "task"} {
			if rng.Intn(3) == 0 {
				mode[e] = root
				some(e)
			}
		}
	default:
		for _, e := range genEntities {
			mode[e] = rng.Intn(3)
			some(e)
		}
	}
	var rules []engine.Rule
	for _, e := range genEntities {
		if mode[e] == absent || !slices.Contains(entities, e) {
			continue
		}
		r := engine.Rule{Entity: e, Rows: []string{engine.RowsRelated}, Relationships: rels[e]}
		if mode[e] == root {
			r.Rows = pick(rng, choices)
		}
		decorate(rng, &r, days)
		rules = append(rules, r)
	}
	if len(rules) == 0 {
		r := engine.Rule{Entity: pick(rng, entities), Rows: pick(rng, choices)}
		decorate(rng, &r, days)
		rules = append(rules, r)
	}
	return rootUnreachable(rng, rules)
}

// rootUnreachable gives a related rule that no relationship of the
// profile reaches a rows choice of its own (the engine refuses it).
func rootUnreachable(rng *rand.Rand, rules []engine.Rule) []engine.Rule {
	for i := range rules {
		if !slices.Contains(rules[i].Rows, engine.RowsRelated) {
			continue
		}
		reached := false
		for _, r := range rules {
			for _, rel := range r.Relationships {
				for _, l := range genLookups[r.Entity] {
					if l.attr == rel && slices.Contains(l.targets, rules[i].Entity) {
						reached = true
					}
				}
			}
		}
		if !reached {
			rules[i].Rows = pick(rng, choices)
		}
	}
	return rules
}

// decorate draws a rule's filter, window and columns.
func decorate(rng *rand.Rand, r *engine.Rule, days bool) {
	if days && rng.Intn(4) > 0 {
		r.Filter = strings.ReplaceAll(pick(rng, timeFilters), "revenue", "amount")
	} else if rng.Intn(2) == 0 {
		r.Filter = pick(rng, genFilters(r.Entity))
	}
	r.ModifiedWithinDays = genWindow(rng)
	r.Columns = genColumns(rng, r.Entity)
}

// genWindow draws a window: none (0), a few days, or the default (nil).
func genWindow(rng *rand.Rand) *int {
	if rng.Intn(5) == 0 {
		return nil
	}
	w := pick(rng, []int{0, 0, 3, 5, 10})
	return &w
}

// genColumns draws no column list (all attributes) half the time, else a
// few of the entity's attributes, lookups included or not, sometimes a
// system attribute.
func genColumns(rng *rand.Rand, entity string) []string {
	if rng.Intn(2) == 0 {
		return nil
	}
	all := []string{"name", "amount", "priority", "due", "modifiedon"}
	for _, l := range genLookups[entity] {
		all = append(all, l.attr)
	}
	var cols []string
	for _, c := range all {
		if rng.Intn(2) == 0 {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		cols = []string{pick(rng, all)}
	}
	return cols
}

// genFilters lists filters valid on entity: on its attributes, its
// owner, the current user, and whether its lookups are set.
func genFilters(entity string) []string {
	out := []string{"name beginswith 'A'", "amount >= 3000", "ownerid = @me", "owningbusinessunit = @mybusinessunit",
		"not (name contains 'B') or amount < 2000", "priority in (1, 2)", "ownerid = @me or ownerid in @myteams", "due is null"}
	for _, l := range genLookups[entity] {
		out = append(out, l.attr+" is not null", "not ("+l.attr+" is null) and priority <> 3")
	}
	return out
}

// genRepublish redraws one of a profile's published rules in place: its
// columns (most often), its filter and window, or its rows choice; rules
// reached through relationships keep them.
func genRepublish(rng *rand.Rand, rules []engine.Rule, days bool) []engine.Rule {
	rules = slices.Clone(rules)
	i := rng.Intn(len(rules))
	r := rules[i]
	switch rng.Intn(4) {
	case 0, 1:
		r.Columns = genColumns(rng, r.Entity)
	case 2:
		cols := r.Columns
		decorate(rng, &r, days)
		r.Columns = cols
	default:
		if !slices.Contains(r.Rows, engine.RowsRelated) {
			r.Rows = pick(rng, choices)
		}
	}
	rules[i] = r
	return rules
}

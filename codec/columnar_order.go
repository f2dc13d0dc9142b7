package codec

import "sort"

// The order of upserts. A device applies an entity's upserts in any
// order, so an answer may send them in the order that codes smallest.
// Random GUIDs do not compress, but a GUID sent twice costs a few bytes
// the second time, and a run of GUIDs sent twice in the same order costs
// a few bytes in all: zstd codes it as one match. A first load's
// contacts are mostly the accounts' primary contacts, and each points
// back at its account: sending them in the order the accounts name them
// makes their ids one run of the accounts' primarycontactid column, and
// their parentcustomerid column runs of the accounts' ids (CRM-N's page
// 19,193 -> 18,956 B, CRM-noisy's 38,483 -> 38,329; docs/benchmarks.md).

// OrderByReference reorders the upserts (Rows) of each entity but the
// first: the rows whose id a GUID value of an earlier entity's rows
// holds (a lookup, or an id) come first, in the order those values first
// appear (entity by entity, column by column, row by row), and the
// others after them in their order. The first entity's rows, patches and
// everything else stay as they are; the result depends only on ents.
func OrderByReference(ents []EntityChanges) {
	seen := map[string]int{} // GUID -> the position it first appeared at
	note := func(v any) {
		if b, ok := v.([]byte); ok && len(b) == 16 {
			if _, ok := seen[string(b)]; !ok {
				seen[string(b)] = len(seen)
			}
		}
	}
	for ei := range ents {
		rows := ents[ei].Rows
		if ei > 0 && len(seen) > 0 {
			rank := func(r []any) int {
				if b, ok := r[0].([]byte); ok {
					if p, ok := seen[string(b)]; ok {
						return p
					}
				}
				return len(seen)
			}
			sort.SliceStable(rows, func(i, j int) bool { return rank(rows[i]) < rank(rows[j]) })
		}
		for c := systemColumns; len(rows) > 0 && c < len(rows[0]); c++ {
			for _, r := range rows {
				if c < len(r) {
					note(r[c])
				}
			}
		}
		for _, r := range rows {
			if len(r) > 0 {
				note(r[0])
			}
		}
	}
}

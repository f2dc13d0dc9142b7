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

// OrderByReference reorders the upserts (Rows) of each entity: the rows
// whose id a GUID value of an earlier entity's rows holds (a lookup, or
// an id) come first, in the order those values first appear (entity by
// entity, column by column, row by row); the others after them, grouped
// by their repetitive text columns (groupColumns), else in their order.
// Patches and everything else stay as they are; the result depends only
// on ents.
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
		groups := groupColumns(rows)
		rank := func(r []any) int {
			if b, ok := r[0].([]byte); ok {
				if p, ok := seen[string(b)]; ok {
					return p
				}
			}
			return len(seen)
		}
		sort.SliceStable(rows, func(i, j int) bool {
			if ri, rj := rank(rows[i]), rank(rows[j]); ri != rj || ri < len(seen) {
				return ri < rj
			}
			return groupLess(rows[i], rows[j], groups)
		})
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

// maxGroupShare is the largest share of distinct values a string column
// may have and still order rows (groupColumns).
const maxGroupShare = 0.25

// groupColumns returns the attribute columns of rows that hold strings
// (and nulls) only, with at most maxGroupShare of them distinct, fewest
// distinct first: rows of the same city, state and country then come
// together, and the columns that repeat run (CRM-N's page 18,343 ->
// 18,252 B; the outside fixture's 202,238 -> 200,118 B).
func groupColumns(rows [][]any) []int {
	if len(rows) < 2 {
		return nil
	}
	type col struct{ c, k int }
	var cols []col
	for c := systemColumns; c < len(rows[0]); c++ {
		if !stringsOnly(rows, c) {
			continue
		}
		distinct := map[any]bool{}
		for _, r := range rows {
			distinct[r[c]] = true
		}
		if float64(len(distinct)) <= maxGroupShare*float64(len(rows)) {
			cols = append(cols, col{c, len(distinct)})
		}
	}
	sort.SliceStable(cols, func(i, j int) bool { return cols[i].k < cols[j].k })
	out := make([]int, len(cols))
	for i, x := range cols {
		out[i] = x.c
	}
	return out
}

// groupLess orders rows by the strings of columns, a null first.
func groupLess(a, b []any, columns []int) bool {
	for _, c := range columns {
		x, _ := a[c].(string)
		y, _ := b[c].(string)
		if (a[c] == nil) != (b[c] == nil) {
			return a[c] == nil
		}
		if x != y {
			return x < y
		}
	}
	return false
}

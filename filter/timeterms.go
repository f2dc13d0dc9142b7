package filter

// TimeTerm is one comparison of an attribute with today(): whether a row
// passes it can change with the passage of days alone, for rows whose
// attribute lies between the two days' today(Days).
type TimeTerm struct {
	// Attr is the attribute compared, lowercased.
	Attr string
	// Days is the today() offset: today(Days).
	Days int64
}

// TimeTerms lists the filter's comparisons with today(), in source order,
// wherever they stand (under not, in or, in an in-list). A filter without
// any (nil included) gives nil: its result never changes with time alone.
func (e *Expr) TimeTerms() []TimeTerm {
	if e == nil || e.root == nil {
		return nil
	}
	var out []TimeTerm
	var walk func(n node)
	walk = func(n node) {
		switch n := n.(type) {
		case *andNode:
			for _, t := range n.terms {
				walk(t)
			}
		case *orNode:
			for _, t := range n.terms {
				walk(t)
			}
		case *notNode:
			walk(n.x)
		case *condNode:
			if n.val.kind == oToday {
				out = append(out, TimeTerm{Attr: n.attr, Days: n.val.t})
			}
			for _, o := range n.list {
				if o.kind == oToday {
					out = append(out, TimeTerm{Attr: n.attr, Days: o.t})
				}
			}
		}
	}
	walk(e.root)
	return out
}

// TodayMillis returns today(days) at the instant now (unix milliseconds):
// UTC midnight of now's day plus days days, as filters evaluate it.
func TodayMillis(now, days int64) int64 { return todayMillis(now, days) }

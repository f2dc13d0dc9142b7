// Package reference computes a user's offline view V(u, v, t) from scratch,
// in the simplest way that is obviously correct: it loads the whole state,
// then follows product.md's definition step by step with plain loops. It
// shares no code with the incremental (delta) path; it is the oracle that
// the sync tests compare devices against, and never runs on a hot path.
//
// The definition, for user u at the state's version and time t:
//  1. For each rule R of u's published profile whose rows are not
//     "related": the rows of R.entity that are not deleted, match R.rows
//     for u, match R.filter, were modified within R's window before t, and
//     that u may Read.
//  2. For each rule whose rows are "related": add the rows that rows
//     already in the view reference through the lookups listed in the
//     relationships of their rules, when they also match the rule's filter
//     and window and u may Read them; repeat until nothing is added.
//  3. Carry only each rule's columns (all when none are listed), plus the
//     system attributes.
//
// A user with no profile has no view (ErrNoProfile); a disabled user has an
// empty one.
package reference

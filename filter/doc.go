// Package filter implements the filter language of offline profile rules:
// an expression over an entity's attributes that decides which rows a
// user's device carries. The full guide, with examples and the semantics of
// every operator, is docs/filter.md.
//
// Parse checks a filter against the entity's attributes once; Eval then
// tests rows without parsing or allocating:
//
//	e, err := filter.Parse(`statecode = 0 and ownerid in @meorteams`, kinds)
//	...
//	if e.Eval(row, filter.Context{UserID: uid, TeamIDs: teams, Now: now}) { ... }
//
// # Grammar
//
//	filter     = or EOF .
//	or         = and { "or" and } .
//	and        = unary { "and" unary } .
//	unary      = "not" unary | "(" or ")" | condition .
//	condition  = attribute ( compare value
//	                       | [ "not" ] "in" ( "(" literal { "," literal } ")" | teams )
//	                       | [ "not" ] ( "beginswith" | "endswith" | "contains" ) literal
//	                       | "is" [ "not" ] "null" ) .
//	compare    = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=" .
//	value      = literal | "@me" | "@mybusinessunit" .
//	teams      = "@myteams" | "@meorteams" .
//	literal    = string | number | "true" | "false" | today .
//	today      = "today" "(" [ [ "+" ] number ] ")" .
//	attribute  = letter { letter | digit } .   (letter includes "_"; ASCII only)
//	string     = "'" { character | "''" } "'" .
//	number     = [ "-" ] digit { digit } [ "." digit { digit } ] .
//
// Keywords are case-insensitive; and, or, not, in, is, null, true and false
// are reserved. Precedence is not, then and, then or. Attribute names are
// compared lowercased.
//
// # Semantics in brief
//
// Literals are converted to the attribute's Kind at Parse time: dates
// ('2026-01-31' is UTC midnight, or RFC 3339) to unix milliseconds, GUIDs
// validated and lowercased, numbers kept exact for decimals. Integer, float
// and decimal values compare numerically, decimals exactly. String
// comparisons, including beginswith, endswith and contains, ignore case.
// Only "is null" matches a null: every other comparison with a null is
// false, including != and not in; "not X" is the plain negation of X.
//
// Errors are *Error values with a 1-based character position, wrapping
// ErrSyntax, ErrType or ErrUnknownAttribute.
package filter

package filter

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Expr is a parsed, type-checked filter. It is immutable and safe for
// concurrent use. A nil *Expr is the absent filter: it matches every row.
type Expr struct {
	root    node
	attrs   []string
	usesCtx bool
}

// Context is what the current-user operators and today() refer to.
type Context struct {
	// UserID is the current user's id, for @me and @meorteams.
	UserID string
	// TeamIDs are the ids of the user's teams, for @myteams and @meorteams.
	TeamIDs []string
	// BusinessUnitID is the user's business unit, for @mybusinessunit.
	BusinessUnitID string
	// Now is the evaluation time in unix milliseconds; today() is UTC
	// midnight of its day.
	Now int64
}

// Parse parses src and checks it against the attributes, as reported by
// attr: an attribute's kind and whether it exists. attr is called with
// lowercased names. Unknown attributes and type mismatches are errors with
// their position; every error is an *Error wrapping ErrSyntax, ErrType or
// ErrUnknownAttribute.
func Parse(src string, attr func(name string) (Kind, bool)) (*Expr, error) {
	if !utf8.ValidString(src) {
		off := 0
		for off < len(src) {
			r, n := utf8.DecodeRuneInString(src[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		return nil, errorAt(src, off, ErrSyntax, "filter is not valid UTF-8")
	}
	syn, err := parse(src)
	if err != nil {
		return nil, err
	}
	c := &checker{src: src, attr: attr, attrs: map[string]bool{}}
	root, err := c.node(syn)
	if err != nil {
		return nil, err
	}
	e := &Expr{root: root, usesCtx: c.usesCtx}
	for a := range c.attrs {
		e.attrs = append(e.attrs, a)
	}
	sort.Strings(e.attrs)
	return e, nil
}

// Eval reports whether a row matches. get returns an attribute's value
// (called with lowercased names): nil for null or absent, or the Go type
// of the attribute's Kind. A comparison with a null matches nothing (only
// "is null" does), including != and the not forms; "not X" is the plain
// negation of X, so not (a = 1) matches rows where a is null. A nil get
// reads every attribute as null.
func (e *Expr) Eval(get func(name string) any, ctx Context) bool {
	if e == nil || e.root == nil {
		return true
	}
	return eval(e.root, get, &ctx)
}

// Attributes lists the attributes the filter reads, lowercased, sorted and
// deduplicated. The caller may modify the returned slice.
func (e *Expr) Attributes() []string {
	if e == nil || len(e.attrs) == 0 {
		return nil
	}
	return append([]string(nil), e.attrs...)
}

// UsesContext reports whether Eval depends on its Context: the filter uses
// a current-user operand (@me, @myteams, @meorteams, @mybusinessunit) or
// today().
func (e *Expr) UsesContext() bool { return e != nil && e.usesCtx }

// String returns the filter in canonical form: lowercase keywords and
// attribute names, != for <>, normalized numbers, GUIDs and dates, single
// spaces and only the parentheses precedence needs. It parses back to an
// equivalent Expr with the same String. A nil *Expr returns "".
func (e *Expr) String() string {
	if e == nil || e.root == nil {
		return ""
	}
	var b strings.Builder
	e.root.write(&b)
	return b.String()
}

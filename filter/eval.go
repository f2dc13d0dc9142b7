package filter

// Evaluation walks the typed tree with a type switch rather than interface
// methods, so that the *Context stays on the caller's stack: Eval does not
// allocate.

func eval(n node, get func(string) any, ctx *Context) bool {
	switch n := n.(type) {
	case *condNode:
		return n.eval(get, ctx)
	case *andNode:
		for _, t := range n.terms {
			if !eval(t, get, ctx) {
				return false
			}
		}
		return true
	case *orNode:
		for _, t := range n.terms {
			if eval(t, get, ctx) {
				return true
			}
		}
		return false
	case *notNode:
		return !eval(n.x, get, ctx)
	}
	return false
}

// eval applies the condition to the row's value. Only "is null" matches a
// null; a value of the wrong Go type, a NaN or a malformed decimal matches
// nothing either. Otherwise a negated operator is the negation of its base.
func (n *condNode) eval(get func(string) any, ctx *Context) bool {
	var v any
	if get != nil {
		v = get(n.attr)
	}
	if n.op == opNull {
		return (v == nil) != n.neg
	}
	if v == nil {
		return false
	}
	var hit, ok bool
	switch n.op {
	case opEq, opLt, opLe, opGt, opGe:
		var c int
		c, ok = n.val.compare(v, ctx)
		hit = holds(n.op, c)
	case opIn:
		if n.list == nil {
			hit, ok = n.val.inSet(v, ctx)
			break
		}
		for i := range n.list {
			var c int
			if c, ok = n.list[i].compare(v, ctx); !ok || c == 0 {
				hit = ok
				break
			}
		}
	default:
		var s string
		if s, ok = v.(string); ok {
			hit = textMatch(n.op, s, n.val.s)
		}
	}
	return ok && hit != n.neg
}

func holds(o op, c int) bool {
	switch o {
	case opEq:
		return c == 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	case opGe:
		return c >= 0
	}
	return false
}

func textMatch(o op, s, lit string) bool {
	switch o {
	case opBegins:
		return hasPrefixFold(s, lit)
	case opEnds:
		return hasSuffixFold(s, lit)
	}
	return containsFold(s, lit)
}

// compare compares a row's value with the operand: the sign of value minus
// operand, or for guid, bool and current-user operands 0 if equal and 1 if
// not. ok is false if the value does not have the operand's type.
func (o *operand) compare(v any, ctx *Context) (c int, ok bool) {
	switch o.kind {
	case oNumber:
		return o.n.compare(v)
	case oString:
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		return compareFold(s, o.s), true
	case oTime, oToday:
		t, ok := v.(int64)
		if !ok {
			return 0, false
		}
		if o.kind == oToday {
			return cmpInt(t, todayMillis(ctx.Now, o.t)), true
		}
		return cmpInt(t, o.t), true
	case oBool:
		b, ok := v.(bool)
		return unequal(ok && b == o.b), ok
	case oGUID:
		s, ok := v.(string)
		return unequal(ok && sameID(s, o.s)), ok
	case oUser:
		s, ok := v.(string)
		return unequal(ok && sameID(s, ctx.UserID)), ok
	case oBusinessUnit:
		s, ok := v.(string)
		return unequal(ok && sameID(s, ctx.BusinessUnitID)), ok
	}
	return 0, false
}

func unequal(eq bool) int {
	if eq {
		return 0
	}
	return 1
}

// inSet reports whether v is one of the current user's teams (or, for
// @meorteams, the user).
func (o *operand) inSet(v any, ctx *Context) (hit, ok bool) {
	s, ok := v.(string)
	if !ok {
		return false, false
	}
	if o.kind == oUserOrTeams && sameID(s, ctx.UserID) {
		return true, true
	}
	for _, t := range ctx.TeamIDs {
		if sameID(s, t) {
			return true, true
		}
	}
	return false, true
}

// sameID compares two ids ignoring ASCII case; an empty id matches nothing.
func sameID(a, b string) bool {
	if len(a) != len(b) || b == "" {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] && upperASCII(a[i]) != upperASCII(b[i]) {
			return false
		}
	}
	return true
}

package filter

import (
	"math"
	"strconv"
)

// decimalDigits bounds the integer digits of a decimal literal, as
// Dataverse's decimal type does.
const decimalDigits = 28

// checker turns the syntax tree into typed nodes, resolving attributes
// through the caller's function and converting literals to their
// attribute's kind.
type checker struct {
	src     string
	attr    func(name string) (Kind, bool)
	attrs   map[string]bool
	usesCtx bool
}

func (c *checker) errorf(off int, sentinel error, format string, args ...any) error {
	return errorAt(c.src, off, sentinel, format, args...)
}

func (c *checker) node(s synNode) (node, error) {
	switch s := s.(type) {
	case *synLogic:
		terms := make([]node, len(s.terms))
		for i, t := range s.terms {
			n, err := c.node(t)
			if err != nil {
				return nil, err
			}
			terms[i] = n
		}
		if s.or {
			return &orNode{terms: terms}, nil
		}
		return &andNode{terms: terms}, nil
	case *synNot:
		x, err := c.node(s.x)
		if err != nil {
			return nil, err
		}
		return &notNode{x: x}, nil
	case *synCond:
		return c.cond(s)
	}
	return nil, c.errorf(0, ErrSyntax, "internal error: unknown syntax node %T", s)
}

func (c *checker) cond(s *synCond) (node, error) {
	var kind Kind
	ok := false
	if c.attr != nil {
		kind, ok = c.attr(s.attr)
	}
	if !ok {
		return nil, c.errorf(s.attrPos, ErrUnknownAttribute, "unknown attribute %q", s.attr)
	}
	if !kind.valid() {
		return nil, c.errorf(s.attrPos, ErrType, "attribute %q has unsupported kind %s", s.attr, kind)
	}
	c.attrs[s.attr] = true
	n := &condNode{attr: s.attr, op: s.op, neg: s.neg}
	switch {
	case s.op == opNull:
		return n, nil
	case s.op.text() && kind != KindString:
		return nil, c.errorf(s.opPos, ErrType, "%s applies only to string attributes, and %q is %s", s.op.name(false), s.attr, kind)
	case s.op.ordering() && !kind.ordered():
		return nil, c.errorf(s.opPos, ErrType, "operator %s does not apply to %s attribute %q", s.op.name(false), kind, s.attr)
	}
	if s.list {
		if err := c.mixed(s.vals); err != nil {
			return nil, err
		}
		n.list = make([]operand, len(s.vals))
		for i, v := range s.vals {
			o, err := c.operand(kind, s, v)
			if err != nil {
				return nil, err
			}
			n.list[i] = o
		}
		return n, nil
	}
	o, err := c.operand(kind, s, s.vals[0])
	if err != nil {
		return nil, err
	}
	n.val = o
	return n, nil
}

// mixed refuses a list whose literals are of different types.
func (c *checker) mixed(vals []synValue) error {
	first := ""
	for _, v := range vals {
		t := v.kind.typeName()
		if t == "" {
			continue
		}
		if first == "" {
			first = t
		} else if t != first {
			return c.errorf(v.pos, ErrType, "list mixes %s and %s", first, t)
		}
	}
	return nil
}

// typeName is the type of a plain literal, or "" for today() and @ operands.
func (k valKind) typeName() string {
	switch k {
	case vString:
		return "string"
	case vNumber:
		return "number"
	case vTrue, vFalse:
		return "bool"
	}
	return ""
}

// operand converts v to an operand for an attribute of kind.
func (c *checker) operand(kind Kind, s *synCond, v synValue) (operand, error) {
	if v.kind == vUser {
		return c.userOperand(kind, s, v)
	}
	if v.kind == vToday && kind == KindDateTime {
		c.usesCtx = true
		return operand{kind: oToday, t: v.days}, nil
	}
	mismatch := func() (operand, error) {
		return operand{}, c.errorf(v.pos, ErrType, "cannot compare %s attribute %q with %s", kind, s.attr, c.describe(v))
	}
	switch kind {
	case KindString:
		if v.kind == vString {
			return operand{kind: oString, s: v.text}, nil
		}
	case KindInt, KindFloat, KindDecimal, KindChoice:
		if v.kind == vNumber {
			return c.number(kind, s, v)
		}
	case KindBool:
		if v.kind == vTrue || v.kind == vFalse {
			return operand{kind: oBool, b: v.kind == vTrue}, nil
		}
	case KindDateTime:
		if v.kind == vString {
			ms, ok := parseDateTime(v.text)
			if !ok {
				return operand{}, c.errorf(v.pos, ErrType, "invalid date %s: use YYYY-MM-DD or RFC 3339, such as '2026-01-31T08:00:00Z'", clip(c.src[v.pos:v.end]))
			}
			return operand{kind: oTime, t: ms}, nil
		}
	case KindGUID:
		if v.kind == vString {
			g, ok := parseGUID(v.text)
			if !ok {
				return operand{}, c.errorf(v.pos, ErrType, "invalid GUID %s for attribute %q", clip(c.src[v.pos:v.end]), s.attr)
			}
			return operand{kind: oGUID, s: g}, nil
		}
	}
	return mismatch()
}

// number converts a number literal for a numeric or choice attribute.
func (c *checker) number(kind Kind, s *synCond, v synValue) (operand, error) {
	n := newNumLit(v.text)
	bad := false
	switch kind {
	case KindChoice:
		if !n.isInt {
			return operand{}, c.errorf(v.pos, ErrType, "choice attribute %q needs a whole number, found number %s", s.attr, clip(v.text))
		}
		bad = !n.inInt64()
	case KindInt:
		bad = !n.inInt64()
	case KindFloat:
		bad = math.IsInf(n.f, 0)
	case KindDecimal:
		bad = len(n.d.ip) > decimalDigits
	}
	if bad {
		return operand{}, c.errorf(v.pos, ErrType, "number %s is out of range for %s attribute %q", clip(v.text), kind, s.attr)
	}
	return operand{kind: oNumber, n: n}, nil
}

// userOperand converts @me, @mybusinessunit, @myteams or @meorteams.
func (c *checker) userOperand(kind Kind, s *synCond, v synValue) (operand, error) {
	c.usesCtx = true
	var o operand
	set := false
	switch v.text {
	case atMe:
		o.kind = oUser
	case atBusinessUnit:
		o.kind = oBusinessUnit
	case atTeams:
		o.kind, set = oTeams, true
	default:
		o.kind, set = oUserOrTeams, true
	}
	switch {
	case set && s.op != opIn:
		return o, c.errorf(v.pos, ErrType, "@%s needs in or not in", v.text)
	case !set && s.op != opEq:
		return o, c.errorf(v.pos, ErrType, "@%s needs = or !=", v.text)
	case kind != KindGUID:
		return o, c.errorf(v.pos, ErrType, "@%s applies only to guid attributes, and %q is %s", v.text, s.attr, kind)
	}
	return o, nil
}

// describe names an operand as written, for error messages.
func (c *checker) describe(v synValue) string {
	switch v.kind {
	case vString:
		return "string " + clip(c.src[v.pos:v.end])
	case vNumber:
		return "number " + clip(v.text)
	case vTrue:
		return "true"
	case vFalse:
		return "false"
	case vToday:
		if v.days == 0 {
			return "today()"
		}
		return "today(" + strconv.FormatInt(v.days, 10) + ")"
	}
	return "@" + v.text
}

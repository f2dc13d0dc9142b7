package filter

import (
	"strconv"
	"strings"
)

// The typed tree is what Eval walks: attribute names resolved, literals
// converted to their attribute's kind. Each node prints itself in canonical
// form.

// node is *andNode, *orNode, *notNode or *condNode.
type node interface {
	// write appends the node's canonical source to b.
	write(b *strings.Builder)
	// prec is the node's binding strength: or 1, and 2, not 3, condition 4.
	prec() int
}

type andNode struct{ terms []node }

type orNode struct{ terms []node }

type notNode struct{ x node }

// condNode is one condition on an attribute.
type condNode struct {
	attr string
	op   op
	neg  bool
	val  operand   // the operand, unless list is set
	list []operand // in (...) elements
}

// operandKind is the kind of a condition's converted operand.
type operandKind uint8

const (
	oString       operandKind = iota + 1 // s
	oNumber                              // n
	oBool                                // b
	oTime                                // t: unix milliseconds
	oToday                               // t: days after today
	oGUID                                // s: lowercase hyphenated
	oUser                                // @me
	oBusinessUnit                        // @mybusinessunit
	oTeams                               // @myteams
	oUserOrTeams                         // @meorteams
)

// operand is a converted literal or current-user operand.
type operand struct {
	kind operandKind
	s    string
	b    bool
	t    int64
	n    numLit
}

func (*andNode) prec() int  { return 2 }
func (*orNode) prec() int   { return 1 }
func (*notNode) prec() int  { return 3 }
func (*condNode) prec() int { return 4 }

func (n *andNode) write(b *strings.Builder) { writeChain(b, n.terms, " and ", 2) }
func (n *orNode) write(b *strings.Builder)  { writeChain(b, n.terms, " or ", 1) }

func (n *notNode) write(b *strings.Builder) {
	b.WriteString("not ")
	writeChild(b, n.x, 3)
}

func writeChain(b *strings.Builder, terms []node, sep string, prec int) {
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		writeChild(b, t, prec)
	}
}

// writeChild writes n, in parentheses if it binds more loosely than prec.
func writeChild(b *strings.Builder, n node, prec int) {
	if n.prec() < prec {
		b.WriteByte('(')
		n.write(b)
		b.WriteByte(')')
		return
	}
	n.write(b)
}

func (n *condNode) write(b *strings.Builder) {
	b.WriteString(n.attr)
	b.WriteByte(' ')
	b.WriteString(n.op.name(n.neg))
	switch {
	case n.op == opNull:
	case n.list != nil:
		b.WriteString(" (")
		for i := range n.list {
			if i > 0 {
				b.WriteString(", ")
			}
			n.list[i].write(b)
		}
		b.WriteByte(')')
	default:
		b.WriteByte(' ')
		n.val.write(b)
	}
}

func (o *operand) write(b *strings.Builder) {
	switch o.kind {
	case oString, oGUID:
		b.WriteString(quote(o.s))
	case oNumber:
		b.WriteString(o.n.d.String())
	case oBool:
		b.WriteString(strconv.FormatBool(o.b))
	case oTime:
		b.WriteString(quote(formatDateTime(o.t)))
	case oToday:
		b.WriteString("today(")
		if o.t > 0 {
			b.WriteByte('+')
		}
		if o.t != 0 {
			b.WriteString(strconv.FormatInt(o.t, 10))
		}
		b.WriteByte(')')
	case oUser:
		b.WriteString("@" + atMe)
	case oBusinessUnit:
		b.WriteString("@" + atBusinessUnit)
	case oTeams:
		b.WriteString("@" + atTeams)
	case oUserOrTeams:
		b.WriteString("@" + atMeOrTeams)
	}
}

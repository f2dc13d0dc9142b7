package filter

// op is a condition's operator. Negated forms (!=, not in, not beginswith,
// is not null, ...) are the base operator with a neg flag.
type op uint8

const (
	opEq op = iota + 1
	opLt
	opLe
	opGt
	opGe
	opIn
	opBegins
	opEnds
	opContains
	opNull
)

// name returns the canonical spelling of op, negated if neg.
func (o op) name(neg bool) string {
	switch o {
	case opEq:
		if neg {
			return "!="
		}
		return "="
	case opLt:
		return "<"
	case opLe:
		return "<="
	case opGt:
		return ">"
	case opGe:
		return ">="
	case opIn:
		return notPrefix(neg) + "in"
	case opBegins:
		return notPrefix(neg) + "beginswith"
	case opEnds:
		return notPrefix(neg) + "endswith"
	case opContains:
		return notPrefix(neg) + "contains"
	case opNull:
		if neg {
			return "is not null"
		}
		return "is null"
	}
	return "?"
}

func notPrefix(neg bool) string {
	if neg {
		return "not "
	}
	return ""
}

// ordering reports whether o is <, <=, > or >=.
func (o op) ordering() bool { return o >= opLt && o <= opGe }

// text reports whether o is beginswith, endswith or contains.
func (o op) text() bool { return o >= opBegins && o <= opContains }

// The syntax tree is what the parser builds: untyped, with byte offsets for
// error messages. The checker turns it into typed nodes.

// synNode is a node of the syntax tree: *synLogic, *synNot or *synCond.
type synNode interface{ isSyn() }

// synLogic is a flattened chain of and (or, if or is set).
type synLogic struct {
	or    bool
	terms []synNode
}

// synNot is a logical not.
type synNot struct{ x synNode }

// synCond is one condition on an attribute.
type synCond struct {
	attr    string // lowercased
	attrPos int
	op      op
	neg     bool
	opPos   int
	vals    []synValue // one operand, or the elements of an in list
	list    bool       // vals is an in (...) list
}

// valKind is the kind of a literal or special operand in the source.
type valKind uint8

const (
	vString valKind = iota + 1
	vNumber
	vTrue
	vFalse
	vToday // today(days)
	vUser  // @name
)

// synValue is an operand as written.
type synValue struct {
	kind valKind
	pos  int
	end  int
	text string // string content, number text, or @ name
	days int64  // today() offset
}

func (*synLogic) isSyn() {}
func (*synNot) isSyn()   {}
func (*synCond) isSyn()  {}

// The @ operands.
const (
	atMe           = "me"
	atTeams        = "myteams"
	atMeOrTeams    = "meorteams"
	atBusinessUnit = "mybusinessunit"
)

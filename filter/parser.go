package filter

import "strconv"

// MaxDepth is how deeply parentheses and nots may nest.
const MaxDepth = 100

// MaxTodayDays bounds the day offset of today(N).
const MaxTodayDays = 100_000

// reserved words cannot name attributes. beginswith, endswith, contains and
// today are keywords only where an operator or a value is expected.
var reserved = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "is": true,
	"null": true, "true": true, "false": true,
}

// parser is a recursive-descent parser over the lexer's tokens.
type parser struct {
	lx    lexer
	tok   token
	depth int
}

// parse parses src into a syntax tree.
func parse(src string) (synNode, error) {
	p := &parser{lx: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, p.errorf(p.tok.pos, "empty filter")
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errorf(p.tok.pos, `expected "and", "or" or end of input, found %s`, p.found())
	}
	return n, nil
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) errorf(off int, format string, args ...any) error {
	return errorAt(p.lx.src, off, ErrSyntax, format, args...)
}

func (p *parser) found() string { return p.tok.describe(p.lx.src) }

// keyword reports whether the current token is the keyword kw.
func (p *parser) keyword(kw string) bool { return p.tok.kind == tIdent && p.tok.text == kw }

func (p *parser) expect(k tokKind, what string) error {
	if p.tok.kind != k {
		return p.errorf(p.tok.pos, "expected %s, found %s", what, p.found())
	}
	return p.advance()
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errorf(p.tok.pos, "nesting deeper than %d", MaxDepth)
	}
	return nil
}

// or = and { "or" and } .
func (p *parser) or() (synNode, error) { return p.chain(true) }

// and = unary { "and" unary } .
func (p *parser) and() (synNode, error) { return p.chain(false) }

// chain parses an or-chain (or) or an and-chain, flattening nested chains
// of the same kind that came from parentheses.
func (p *parser) chain(or bool) (synNode, error) {
	kw, sub := "and", p.unary
	if or {
		kw, sub = "or", p.and
	}
	first, err := sub()
	if err != nil {
		return nil, err
	}
	if !p.keyword(kw) {
		return first, nil
	}
	l := &synLogic{or: or}
	l.add(first)
	for p.keyword(kw) {
		if err := p.advance(); err != nil {
			return nil, err
		}
		n, err := sub()
		if err != nil {
			return nil, err
		}
		l.add(n)
	}
	return l, nil
}

// add appends n, splicing in a chain of the same kind.
func (l *synLogic) add(n synNode) {
	if m, ok := n.(*synLogic); ok && m.or == l.or {
		l.terms = append(l.terms, m.terms...)
		return
	}
	l.terms = append(l.terms, n)
}

// unary = "not" unary | "(" or ")" | condition .
func (p *parser) unary() (synNode, error) {
	switch {
	case p.keyword("not"):
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		p.depth--
		return &synNot{x: x}, nil
	case p.tok.kind == tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tRParen, `")"`); err != nil {
			return nil, err
		}
		p.depth--
		return x, nil
	case p.tok.kind == tIdent && !reserved[p.tok.text]:
		return p.condition()
	}
	return nil, p.errorf(p.tok.pos, `expected attribute name, "not" or "(", found %s`, p.found())
}

// condition parses an attribute and what follows it.
func (p *parser) condition() (synNode, error) {
	c := &synCond{attr: p.tok.text, attrPos: p.tok.pos}
	if err := p.advance(); err != nil {
		return nil, err
	}
	c.opPos = p.tok.pos
	switch p.tok.kind {
	case tEq, tNe, tLt, tLe, tGt, tGe:
		c.op, c.neg = compareOps[p.tok.kind].op, compareOps[p.tok.kind].neg
		if err := p.advance(); err != nil {
			return nil, err
		}
		v, err := p.value(false)
		if err != nil {
			return nil, err
		}
		c.vals = []synValue{v}
		return c, nil
	case tIdent:
	default:
		return nil, p.errorf(p.tok.pos, "expected an operator after %q, found %s", c.attr, p.found())
	}
	if p.keyword("is") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		c.op = opNull
		if p.keyword("not") {
			c.neg = true
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if !p.keyword("null") {
			return nil, p.errorf(p.tok.pos, `expected "null", found %s`, p.found())
		}
		return c, p.advance()
	}
	if p.keyword("not") {
		c.neg = true
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tIdent || (p.tok.text != "in" && textOps[p.tok.text] == 0) {
			return nil, p.errorf(p.tok.pos, `expected "in", "beginswith", "endswith" or "contains" after "not", found %s`, p.found())
		}
	}
	if p.keyword("in") {
		c.op = opIn
		if err := p.advance(); err != nil {
			return nil, err
		}
		return c, p.inOperand(c)
	}
	if o := textOps[p.tok.text]; o != 0 {
		c.op = o
		if err := p.advance(); err != nil {
			return nil, err
		}
		v, err := p.value(true)
		if err != nil {
			return nil, err
		}
		c.vals = []synValue{v}
		return c, nil
	}
	return nil, p.errorf(p.tok.pos, "expected an operator after %q, found %s", c.attr, p.found())
}

var compareOps = map[tokKind]struct {
	op  op
	neg bool
}{
	tEq: {opEq, false}, tNe: {opEq, true},
	tLt: {opLt, false}, tLe: {opLe, false}, tGt: {opGt, false}, tGe: {opGe, false},
}

var textOps = map[string]op{"beginswith": opBegins, "endswith": opEnds, "contains": opContains}

// inOperand parses "(" value { "," value } ")" or an @ team set.
func (p *parser) inOperand(c *synCond) error {
	if p.tok.kind == tAt {
		v, err := p.value(false)
		if err != nil {
			return err
		}
		c.vals = []synValue{v}
		return nil
	}
	if p.tok.kind != tLParen {
		return p.errorf(p.tok.pos, `expected "(", @myteams or @meorteams after "in", found %s`, p.found())
	}
	c.list = true
	if err := p.advance(); err != nil {
		return err
	}
	for {
		v, err := p.value(true)
		if err != nil {
			return err
		}
		c.vals = append(c.vals, v)
		if p.tok.kind != tComma {
			break
		}
		if err := p.advance(); err != nil {
			return err
		}
	}
	return p.expect(tRParen, `"," or ")"`)
}

// value parses a literal, today(...), or (unless literalOnly) an @ operand.
func (p *parser) value(literalOnly bool) (synValue, error) {
	t := p.tok
	v := synValue{pos: t.pos, end: t.end, text: t.text}
	switch {
	case t.kind == tString:
		v.kind = vString
	case t.kind == tNumber:
		v.kind = vNumber
	case t.kind == tAt && !literalOnly:
		switch t.text {
		case atMe, atTeams, atMeOrTeams, atBusinessUnit:
		default:
			return v, p.errorf(t.pos, "unknown operand @%s; use @me, @myteams, @meorteams or @mybusinessunit", clip(t.text))
		}
		v.kind = vUser
	case p.keyword("true"):
		v.kind = vTrue
	case p.keyword("false"):
		v.kind = vFalse
	case p.keyword("null"):
		return v, p.errorf(t.pos, `null is not a value; use "is null" or "is not null"`)
	case p.keyword("today"):
		return p.today()
	default:
		return v, p.errorf(t.pos, "expected a value, found %s", p.found())
	}
	return v, p.advance()
}

// today parses today "(" [ ["+"] number ] ")" .
func (p *parser) today() (synValue, error) {
	v := synValue{kind: vToday, pos: p.tok.pos}
	if err := p.advance(); err != nil {
		return v, err
	}
	if err := p.expect(tLParen, `"(" after today`); err != nil {
		return v, err
	}
	plus := p.tok.kind == tPlus
	if plus {
		if err := p.advance(); err != nil {
			return v, err
		}
		if p.tok.kind != tNumber || p.tok.text[0] == '-' {
			return v, p.errorf(p.tok.pos, `expected a number of days after "+", found %s`, p.found())
		}
	}
	if p.tok.kind == tNumber {
		n, err := strconv.ParseInt(p.tok.text, 10, 64)
		if err != nil && !isRangeErr(err) {
			return v, p.errorf(p.tok.pos, "today() takes a whole number of days, found %s", p.found())
		}
		if err != nil || n > MaxTodayDays || n < -MaxTodayDays {
			return v, p.errorf(p.tok.pos, "day offset %s is out of range (at most %d days)", clip(p.tok.text), MaxTodayDays)
		}
		v.days = n
		if err := p.advance(); err != nil {
			return v, err
		}
	}
	v.end = p.tok.end
	return v, p.expect(tRParen, `")"`)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

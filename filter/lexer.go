package filter

import (
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // identifier or keyword; text is lowercased
	tString         // 'quoted'; text is the unescaped content
	tNumber         // -?digits(.digits)?; text as written
	tAt             // @name; text is the lowercased name
	tLParen
	tRParen
	tComma
	tPlus
	tEq // =
	tNe // != or <>
	tLt
	tLe
	tGt
	tGe
)

// token is one lexical token; pos and end are byte offsets into the source.
type token struct {
	kind tokKind
	pos  int
	end  int
	text string
}

// lexer splits a filter into tokens on demand.
type lexer struct {
	src string
	off int
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// next returns the next token, or an ErrSyntax error.
func (l *lexer) next() (token, error) {
	for l.off < len(l.src) {
		switch l.src[l.off] {
		case ' ', '\t', '\n', '\r':
			l.off++
			continue
		}
		break
	}
	start := l.off
	if start >= len(l.src) {
		return token{kind: tEOF, pos: start, end: start}, nil
	}
	c := l.src[start]
	single := func(k tokKind, n int) (token, error) {
		l.off += n
		return token{kind: k, pos: start, end: l.off, text: l.src[start:l.off]}, nil
	}
	peek := byte(0)
	if start+1 < len(l.src) {
		peek = l.src[start+1]
	}
	switch {
	case c == '(':
		return single(tLParen, 1)
	case c == ')':
		return single(tRParen, 1)
	case c == ',':
		return single(tComma, 1)
	case c == '+':
		return single(tPlus, 1)
	case c == '=':
		return single(tEq, 1)
	case c == '!' && peek == '=':
		return single(tNe, 2)
	case c == '<' && peek == '>':
		return single(tNe, 2)
	case c == '<' && peek == '=':
		return single(tLe, 2)
	case c == '<':
		return single(tLt, 1)
	case c == '>' && peek == '=':
		return single(tGe, 2)
	case c == '>':
		return single(tGt, 1)
	case c == '\'':
		return l.str()
	case isDigit(c) || (c == '-' && isDigit(peek)):
		return l.number()
	case isIdentStart(c):
		l.off = l.ident(start)
		return token{kind: tIdent, pos: start, end: l.off, text: strings.ToLower(l.src[start:l.off])}, nil
	case c == '@' && isIdentStart(peek):
		l.off = l.ident(start + 1)
		return token{kind: tAt, pos: start, end: l.off, text: strings.ToLower(l.src[start+1 : l.off])}, nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	return token{}, errorAt(l.src, start, ErrSyntax, "unexpected character %q", r)
}

// ident returns the end of the identifier starting at off.
func (l *lexer) ident(off int) int {
	for off < len(l.src) && isIdentChar(l.src[off]) {
		off++
	}
	return off
}

// str lexes a single-quoted string, in which a doubled quote stands for
// one quote.
func (l *lexer) str() (token, error) {
	start := l.off
	var b strings.Builder
	i := start + 1
	for {
		j := strings.IndexByte(l.src[i:], '\'')
		if j < 0 {
			return token{}, errorAt(l.src, start, ErrSyntax, "unterminated string")
		}
		b.WriteString(l.src[i : i+j])
		i += j + 1
		if i < len(l.src) && l.src[i] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		break
	}
	l.off = i
	return token{kind: tString, pos: start, end: i, text: b.String()}, nil
}

// number lexes -?digits(.digits)? and rejects a number run into letters,
// a dot or an exponent.
func (l *lexer) number() (token, error) {
	start := l.off
	i := start
	if l.src[i] == '-' {
		i++
	}
	for i < len(l.src) && isDigit(l.src[i]) {
		i++
	}
	if i < len(l.src) && l.src[i] == '.' {
		i++
		if i >= len(l.src) || !isDigit(l.src[i]) {
			return token{}, errorAt(l.src, start, ErrSyntax, "malformed number %q: digits must follow the decimal point", l.src[start:i])
		}
		for i < len(l.src) && isDigit(l.src[i]) {
			i++
		}
	}
	if i < len(l.src) && (isIdentChar(l.src[i]) || l.src[i] == '.') {
		j := i
		for j < len(l.src) && (isIdentChar(l.src[j]) || l.src[j] == '.') {
			j++
		}
		return token{}, errorAt(l.src, start, ErrSyntax, "malformed number %q", l.src[start:j])
	}
	l.off = i
	return token{kind: tNumber, pos: start, end: i, text: l.src[start:i]}, nil
}

// describe names a token for error messages.
func (t token) describe(src string) string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tString:
		return "string " + clip(src[t.pos:t.end])
	case tNumber:
		return "number " + clip(t.text)
	case tAt:
		return "@" + t.text
	}
	return `"` + clip(src[t.pos:t.end]) + `"`
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "..."
		}
		n++
	}
	return s
}

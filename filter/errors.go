package filter

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Sentinel errors. Every error Parse returns is an *Error wrapping one of
// these; test with errors.Is.
var (
	// ErrSyntax means the source is not a well-formed filter: empty input,
	// an unexpected or unknown token, an unterminated string, a malformed
	// number, a missing parenthesis, trailing text, a bad today() offset,
	// nesting deeper than MaxDepth, or invalid UTF-8.
	ErrSyntax = errors.New("syntax error")
	// ErrType means an operand does not fit its attribute: the wrong kind of
	// value, an operator the attribute's kind does not support, an invalid
	// date or GUID, or a number out of range.
	ErrType = errors.New("type mismatch")
	// ErrUnknownAttribute means the filter names an attribute the caller did
	// not declare.
	ErrUnknownAttribute = errors.New("unknown attribute")
)

// Error is a parse or check error at a position in the source.
type Error struct {
	// Pos is the 1-based character (not byte) offset of the offending
	// token; one past the last character for errors at the end of input.
	Pos int
	// Err is the sentinel: ErrSyntax, ErrType or ErrUnknownAttribute.
	Err error
	// Msg describes the problem, without the position.
	Msg string
}

// Error returns the message with its position, such as
// `filter: position 14: unknown attribute "revnue"`.
func (e *Error) Error() string {
	return fmt.Sprintf("filter: position %d: %s", e.Pos, e.Msg)
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// errorAt returns an *Error at byte offset off of src.
func errorAt(src string, off int, sentinel error, format string, args ...any) error {
	if off < 0 {
		off = 0
	}
	if off > len(src) {
		off = len(src)
	}
	return &Error{
		Pos: utf8.RuneCountInString(src[:off]) + 1,
		Err: sentinel,
		Msg: fmt.Sprintf(format, args...),
	}
}

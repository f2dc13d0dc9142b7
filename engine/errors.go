package engine

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by the engine wrap one of these; test
// with errors.Is.
var (
	// ErrInvalid means a command or its input is semantically invalid.
	ErrInvalid = errors.New("invalid")
	// ErrNotFound means a row or object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a command conflicts with the current state.
	ErrConflict = errors.New("conflict")
	// ErrClosed means the engine was closed.
	ErrClosed = errors.New("engine closed")
	// ErrCorrupt means stored bytes could not be decoded.
	ErrCorrupt = errors.New("corrupt data")
)

// Error is a user-facing error: a message that names the bad field, and the
// sentinel it wraps. Its text never contains data the caller did not send.
type Error struct {
	Err error
	Msg string
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

func invalidf(format string, args ...any) error {
	return &Error{Err: ErrInvalid, Msg: fmt.Sprintf(format, args...)}
}

func notFoundf(format string, args ...any) error {
	return &Error{Err: ErrNotFound, Msg: fmt.Sprintf(format, args...)}
}

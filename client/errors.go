package client

import (
	"errors"
	"fmt"
	"net"
	"net/http"
)

// Sentinel errors. An *APIError matches the one of its code (or, for an
// unknown code, of its status) with errors.Is.
var (
	// ErrConfig means a client was given an unusable server URL or token.
	ErrConfig = errors.New("invalid client configuration")
	// ErrResponse means a 2xx answer could not be decoded.
	ErrResponse = errors.New("malformed response")
	// ErrUnreachable means no connection to the server could be made:
	// nothing listens at its address, or its host is unknown or
	// unreachable. See IsUnreachable.
	ErrUnreachable = errors.New("server not reachable")
	// ErrOtherApp means a device store that synced for one app was asked
	// to sync for another (DeviceConfig.App).
	ErrOtherApp = errors.New("store synced for another app")

	// ErrBadRequest is code bad_request (400): the body was not understood.
	ErrBadRequest = errors.New("bad request")
	// ErrInvalid is code invalid (400): the request was understood but is
	// semantically wrong.
	ErrInvalid = errors.New("invalid")
	// ErrUnauthorized is code unauthorized (401): missing or wrong token.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden is code forbidden (403): the token may not do this,
	// such as a device token of one app syncing for another.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound is code not_found (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict is code conflict (409): the request conflicts with the
	// current state (for example a user already in another profile).
	ErrConflict = errors.New("conflict")
	// ErrTooLarge is code too_large (413).
	ErrTooLarge = errors.New("too large")
	// ErrUnavailable is code unavailable (503): the node cannot serve the
	// request now; retrying later may succeed.
	ErrUnavailable = errors.New("unavailable")
)

// The error codes of the server's {code, message} bodies.
const (
	CodeBadRequest       = "bad_request"
	CodeInvalid          = "invalid"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeConflict         = "conflict"
	CodeTooLarge         = "too_large"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
)

var codeErrs = map[string]error{
	CodeBadRequest:   ErrBadRequest,
	CodeInvalid:      ErrInvalid,
	CodeUnauthorized: ErrUnauthorized,
	CodeForbidden:    ErrForbidden,
	CodeNotFound:     ErrNotFound,
	CodeConflict:     ErrConflict,
	CodeTooLarge:     ErrTooLarge,
	CodeUnavailable:  ErrUnavailable,
}

var statusCodes = map[int]string{
	http.StatusBadRequest:            CodeBadRequest,
	http.StatusUnauthorized:          CodeUnauthorized,
	http.StatusForbidden:             CodeForbidden,
	http.StatusNotFound:              CodeNotFound,
	http.StatusConflict:              CodeConflict,
	http.StatusRequestEntityTooLarge: CodeTooLarge,
	http.StatusUnsupportedMediaType:  CodeUnsupportedMedia,
	http.StatusServiceUnavailable:    CodeUnavailable,
	http.StatusInternalServerError:   CodeInternal,
}

// APIError is a non-2xx answer: the status and the server's {code,
// message}. When the body is not such an object (a proxy's error page, for
// instance), Code is derived from the status and Message is the start of
// the body, or the status text.
type APIError struct {
	Status  int
	Code    string
	Message string
}

// Error returns "code: message", the form the CLI prints.
func (e *APIError) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the sentinel of the error's code, or of its status when
// the code is unknown, or nil.
func (e *APIError) Unwrap() error {
	if err, ok := codeErrs[e.Code]; ok {
		return err
	}
	return codeErrs[statusCodes[e.Status]]
}

// IsUnreachable says whether err (from any call of this package) means the
// server could not be connected to: it wraps ErrUnreachable, or a failed
// dial or name lookup.
func IsUnreachable(err error) bool {
	if errors.Is(err, ErrUnreachable) {
		return true
	}
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.As(err, &op) && op.Op == "dial"
}

// sendError wraps the transport failure err of a request to server as
// "verb: err", adding ErrUnreachable when no connection could be made.
func sendError(verb, server string, err error) error {
	if IsUnreachable(err) {
		return fmt.Errorf("%s: %w at %s: %w", verb, ErrUnreachable, server, err)
	}
	return fmt.Errorf("%s: %w", verb, err)
}

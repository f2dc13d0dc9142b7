package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// Sentinel errors.
var (
	// ErrUnauthorized means the admin token is missing or wrong.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrBadRequest means the request could not be understood.
	ErrBadRequest = errors.New("bad request")
	// ErrBusy means the request gave up waiting for its turn.
	ErrBusy = errors.New("busy")
)

// The error codes in {code, message} bodies.
const (
	CodeBadRequest       = "bad_request"
	CodeInvalid          = "invalid"
	CodeUnauthorized     = "unauthorized"
	CodeNotFound         = "not_found"
	CodeConflict         = "conflict"
	CodeTooLarge         = "too_large"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeUnavailable      = "unavailable"
	CodeStale            = "stale"
	CodeInternal         = "internal"
	// CodeInsufficientStorage (507): the node's disk is short of space;
	// the write was refused and nothing was written.
	CodeInsufficientStorage = "insufficient_storage"
	// CodePageGone (410): a shared page that is not (or no longer) part
	// of the caller's first load; the device loads its view again.
	CodePageGone = "page_gone"
)

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ErrorBody{Code: code, Message: msg})
}

// writeErr maps an error to its status and code. Engine errors carry
// user-facing messages; anything unexpected is logged and reported without
// detail.
func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var ee *engine.Error
	switch {
	case errors.Is(err, codec.ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, err.Error())
	case errors.Is(err, codec.ErrUnsupportedEncoding):
		writeError(w, http.StatusUnsupportedMediaType, CodeUnsupportedMedia, err.Error())
	case errors.Is(err, codec.ErrMalformed), errors.Is(err, ErrBadRequest):
		writeError(w, http.StatusBadRequest, CodeBadRequest, err.Error())
	case errors.Is(err, ErrUnauthorized):
		writeError(w, http.StatusUnauthorized, CodeUnauthorized, "a valid admin token is required")
	case errors.As(err, &ee) && errors.Is(err, engine.ErrInvalid):
		writeError(w, http.StatusBadRequest, CodeInvalid, ee.Msg)
	case errors.As(err, &ee) && errors.Is(err, engine.ErrConflict):
		writeError(w, http.StatusConflict, CodeConflict, ee.Msg)
	case errors.As(err, &ee) && errors.Is(err, engine.ErrNotFound):
		writeError(w, http.StatusNotFound, CodeNotFound, ee.Msg)
	case errors.Is(err, engine.ErrNotFound):
		writeError(w, http.StatusNotFound, CodeNotFound, "not found")
	case errors.Is(err, ErrBusy):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "this node is busy; retry")
	case errors.Is(err, replication.ErrStale):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, CodeStale, "this node is too far behind the cluster to answer reads; retry or ask another node")
	case errors.Is(err, replication.ErrInsufficientStorage):
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusInsufficientStorage, CodeInsufficientStorage, "the server is short of disk space: writes are refused (nothing was written) until space is freed; reads go on")
	case errors.Is(err, replication.ErrTimeout):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "the write was not committed in time (no quorum?): it may still be applied; retrying it is safe, as writes are idempotent by id")
	case errors.Is(err, replication.ErrNotLeader), errors.Is(err, replication.ErrClosed), errors.Is(err, engine.ErrClosed):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "this node cannot accept the request now; retry")
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "request_id", r.Header.Get(RequestIDHeader), "err", err)
		writeError(w, http.StatusInternalServerError, CodeInternal, "internal error")
	}
}

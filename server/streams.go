package server

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/offsync/offsync/engine"
)

// CodeTooManyStreams (429) means the device token already holds
// Config.MaxStreamsPerToken event streams on this node.
const CodeTooManyStreams = "too_many_streams"

// errStreamRevoked ends a stream whose token was revoked, or whose user
// was disabled or deleted.
var errStreamRevoked = errors.New("device token revoked or user disabled")

// streamCounter counts the open event streams of each device token on
// this node. Its zero value is ready to use; it is safe for concurrent
// use.
type streamCounter struct {
	mu   sync.Mutex
	open map[string]int // by token id
	// wires are the streams taken over from net/http, which the server
	// ends itself when it shuts down.
	wires map[*connWire]struct{}
}

// track adds a taken-over stream, until untrack.
func (c *streamCounter) track(w *connWire) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wires == nil {
		c.wires = map[*connWire]struct{}{}
	}
	c.wires[w] = struct{}{}
}

// untrack removes a stream that track added.
func (c *streamCounter) untrack(w *connWire) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.wires, w)
}

// endStreams ends every event stream taken over from net/http (see
// openEventWire): http.Server's Shutdown no longer sees them.
func (s *Server) endStreams() {
	s.streams.mu.Lock()
	ws := make([]*connWire, 0, len(s.streams.wires))
	for w := range s.streams.wires {
		ws = append(ws, w)
	}
	s.streams.mu.Unlock()
	for _, w := range ws {
		w.end()
	}
}

// acquire takes one of max stream slots of token, false when all are
// taken. Every true must be followed by one release.
func (c *streamCounter) acquire(token string, max int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[token] >= max {
		return false
	}
	if c.open == nil {
		c.open = map[string]int{}
	}
	c.open[token]++
	return true
}

// release gives back a slot that acquire took.
func (c *streamCounter) release(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[token]--; c.open[token] <= 0 {
		delete(c.open, token)
	}
}

// streamAccess re-validates what an open stream stands on: the token
// (by its secret) is live and still the one the stream opened with, its
// user exists and is enabled, and the user still has a published
// profile. It returns errStreamRevoked or engine.ErrNoProfile (wrapped)
// when the stream must end, other errors when the node cannot tell.
func (s *Server) streamAccess(secret, tokenID, app string) (*engine.Access, error) {
	dt, err := s.r.Authenticate(secret)
	if errors.Is(err, engine.ErrNotFound) || err == nil && dt.ID != tokenID {
		return nil, fmt.Errorf("check stream: %w", errStreamRevoked)
	} else if err != nil {
		return nil, fmt.Errorf("check stream: %w", err)
	}
	acc, err := s.r.Access(dt.UserID, app)
	switch {
	case errors.Is(err, engine.ErrNotFound):
		return nil, fmt.Errorf("check stream: %w", errStreamRevoked)
	case err != nil:
		return nil, fmt.Errorf("check stream: %w", err)
	case !acc.User.Enabled:
		return nil, fmt.Errorf("check stream: %w", errStreamRevoked)
	case acc.Profile == nil || acc.Profile.Published == 0:
		return nil, fmt.Errorf("check stream: %w", engine.ErrNoProfile)
	}
	return acc, nil
}

// streamDenial is the status and body that refuse a stream (or its final
// "revoked" event) for an error of streamAccess; ok is false for errors
// that are not about the device's rights.
func streamDenial(err error) (status int, body ErrorBody, ok bool) {
	switch {
	case errors.Is(err, errStreamRevoked):
		return http.StatusUnauthorized, ErrorBody{Code: CodeUnauthorized, Message: "this device token was revoked, or its user disabled: sign in again"}, true
	case errors.Is(err, engine.ErrNoProfile):
		return http.StatusForbidden, ErrorBody{Code: CodeNoProfile, Message: "this user has no published offline profile: ask an administrator to add the user to one"}, true
	}
	return 0, ErrorBody{}, false
}

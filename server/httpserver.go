package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Defaults for HTTPLimits.
const (
	// DefaultReadHeaderTimeout bounds how long a client may take to send
	// a request's headers (including the TLS handshake).
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadBodyTimeout bounds how long a client may take to send a
	// request's body, from the moment its handler starts: 16 MiB at
	// about 2 Mbit/s.
	DefaultReadBodyTimeout = 60 * time.Second
	// DefaultResponseTimeout bounds how long a response may take to
	// write, from the moment its handler starts (event streams excepted).
	DefaultResponseTimeout = 2 * time.Minute
	// DefaultIdleTimeout bounds how long a kept-alive connection may wait
	// for its next request.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultMaxHeaderBytes caps a request's headers (the cursor in a
	// GET pull is at most 1,024 characters).
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultMaxConnections caps the connections open at once, event
	// streams (one per connected device) included.
	DefaultMaxConnections = 10_000
)

// eventsPath is the route of the long-lived event stream, which gets no
// response deadline.
const eventsPath = "/v1/sync/events"

// HTTPLimits bound what a client's connection may hold. A slow or idle
// client is cut off at these bounds, authenticated or not.
//
// There is deliberately no http.Server ReadTimeout or WriteTimeout: both
// would end event streams, and a ReadTimeout also cancels a request's
// context when it passes after the body was read. Instead each request's
// body gets a read deadline (cleared when the body has been read), and its
// response a write deadline, except on the event stream.
type HTTPLimits struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadBodyTimeout bounds reading a request's body; past it the
	// request gets 400 bad_request and the connection is closed.
	ReadBodyTimeout time.Duration
	// ResponseTimeout bounds writing a response, except on the event
	// stream.
	ResponseTimeout time.Duration
	// IdleTimeout bounds how long a kept-alive connection waits for its
	// next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps a request's headers.
	MaxHeaderBytes int
	// MaxConnections caps the connections open at once (see
	// LimitListener); more wait to be accepted.
	MaxConnections int
}

// DefaultHTTPLimits returns HTTPLimits with every default set.
func DefaultHTTPLimits() HTTPLimits {
	return HTTPLimits{
		ReadHeaderTimeout: DefaultReadHeaderTimeout, ReadBodyTimeout: DefaultReadBodyTimeout,
		ResponseTimeout: DefaultResponseTimeout, IdleTimeout: DefaultIdleTimeout,
		MaxHeaderBytes: DefaultMaxHeaderBytes, MaxConnections: DefaultMaxConnections,
	}
}

// validate checks the limits; its messages name the bad field.
func (c HTTPLimits) validate() error {
	switch {
	case c.ReadHeaderTimeout <= 0:
		return fmt.Errorf("server config: ReadHeaderTimeout: must be positive")
	case c.ReadBodyTimeout <= 0:
		return fmt.Errorf("server config: ReadBodyTimeout: must be positive")
	case c.ResponseTimeout <= 0:
		return fmt.Errorf("server config: ResponseTimeout: must be positive")
	case c.IdleTimeout <= 0:
		return fmt.Errorf("server config: IdleTimeout: must be positive")
	case c.MaxHeaderBytes < 4096:
		return fmt.Errorf("server config: MaxHeaderBytes: must be at least 4096")
	case c.MaxConnections < 1:
		return fmt.Errorf("server config: MaxConnections: must be positive")
	}
	return nil
}

// HTTPServer returns an http.Server for s.Handler() with the HTTPLimits
// applied. Serve it on a listener wrapped by [Server.LimitListener].
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.withDeadlines(s.Handler()),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// withDeadlines sets each request's body read deadline and response write
// deadline before h runs.
func (s *Server) withDeadlines(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		now := time.Now()
		// A write deadline outlives its request on a kept-alive
		// connection, so the event stream clears it.
		wd := now.Add(s.cfg.ResponseTimeout)
		if r.URL.Path == eventsPath {
			wd = time.Time{}
		}
		_ = rc.SetWriteDeadline(wd)
		if r.Body != nil && r.Body != http.NoBody {
			_ = rc.SetReadDeadline(now.Add(s.cfg.ReadBodyTimeout))
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody clears the connection's read deadline once the body has
// been read to its end: net/http then reads on in the background to see
// the client leave, and a deadline passing there would cancel the
// request's context.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

// Read reads from the body, clearing the deadline at its end.
func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

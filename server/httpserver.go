package server

import (
	"fmt"
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
	// whole request: 16 MiB at about 2 Mbit/s.
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
// There is deliberately no http.Server WriteTimeout: it would end event
// streams. Each response gets a write deadline when its handler starts
// instead, except on the event stream. ReadBodyTimeout is the
// http.Server's ReadTimeout: net/http clears it once a request's body has
// been read (or at once for a request without one), so it does not end
// event streams or cancel a slow handler.
type HTTPLimits struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadBodyTimeout bounds reading a whole request, headers and body;
	// past it a handler reading the body gets 400 bad_request and the
	// connection is closed.
	ReadBodyTimeout time.Duration
	// ResponseTimeout bounds writing a response, from the moment its
	// handler starts, except on the event stream.
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
	return s.httpServer(s.Handler())
}

// httpServer is HTTPServer for any handler.
func (s *Server) httpServer(h http.Handler) *http.Server {
	hs := &http.Server{
		Handler:           s.withResponseDeadline(h),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadBodyTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(s.endStreams) // net/http no longer tracks them
	return hs
}

// withResponseDeadline sets each response's write deadline before h runs.
// A write deadline outlives its request on a kept-alive connection, so
// the event stream clears it rather than leaving it be.
func (s *Server) withResponseDeadline(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deadline := time.Now().Add(s.cfg.ResponseTimeout)
		if r.URL.Path == eventsPath {
			deadline = time.Time{}
		}
		_ = http.NewResponseController(w).SetWriteDeadline(deadline)
		h.ServeHTTP(w, r)
	})
}

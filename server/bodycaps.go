package server

import (
	"fmt"
	"net/http"
	"runtime"
)

// Defaults for BodyCaps.
const (
	// DefaultMaxPushDecodedBytes caps a push body after decompression:
	// 1,000 mutations of 8 KiB each on average.
	DefaultMaxPushDecodedBytes = 8 << 20
	// DefaultMaxPullDecodedBytes caps a pull body after decompression: it
	// holds a cursor and a version.
	DefaultMaxPullDecodedBytes = 64 << 10
	// DefaultMaxAdminDecodedBytes caps an admin JSON body (a schema, an
	// org upload, a token request, a cluster join) after decompression.
	DefaultMaxAdminDecodedBytes = 4 << 20
)

// DefaultMaxConcurrentDecodes is MaxConcurrentDecodes's default: two per
// core.
var DefaultMaxConcurrentDecodes = 2 * runtime.GOMAXPROCS(0)

// BodyCaps bound the decoded size of request bodies by route: a push or a
// pull has no reason to be as large as an ingest batch, and every byte a
// body may decode to is memory a hostile client can make the server
// spend. Ingest batches and commands forwarded between nodes keep
// Config.MaxDecodedBytes. A body over its route's cap gets 413 too_large
// before it is decoded; a compressed body is also capped as sent at the
// smaller of its route's cap and Config.MaxBodyBytes.
type BodyCaps struct {
	// MaxPushDecodedBytes caps POST /v1/sync/push bodies.
	MaxPushDecodedBytes int64
	// MaxPullDecodedBytes caps POST /v1/sync/pull bodies.
	MaxPullDecodedBytes int64
	// MaxAdminDecodedBytes caps the admin routes' JSON bodies and cluster
	// joins.
	MaxAdminDecodedBytes int64
	// MaxConcurrentDecodes bounds the compressed bodies decompressed at
	// once, all routes together; the others wait for a slot (or their
	// request's end). Each may hold its route's decoded cap, so this
	// bounds what compression bombs sent at once cost.
	MaxConcurrentDecodes int
}

// DefaultBodyCaps returns BodyCaps with every default set.
func DefaultBodyCaps() BodyCaps {
	return BodyCaps{
		MaxPushDecodedBytes:  DefaultMaxPushDecodedBytes,
		MaxPullDecodedBytes:  DefaultMaxPullDecodedBytes,
		MaxAdminDecodedBytes: DefaultMaxAdminDecodedBytes,
		MaxConcurrentDecodes: DefaultMaxConcurrentDecodes,
	}
}

// validate checks the caps; its messages name the bad field.
func (c BodyCaps) validate() error {
	switch {
	case c.MaxPushDecodedBytes <= 0:
		return fmt.Errorf("server config: MaxPushDecodedBytes: must be positive")
	case c.MaxPullDecodedBytes <= 0:
		return fmt.Errorf("server config: MaxPullDecodedBytes: must be positive")
	case c.MaxAdminDecodedBytes <= 0:
		return fmt.Errorf("server config: MaxAdminDecodedBytes: must be positive")
	case c.MaxConcurrentDecodes < 1:
		return fmt.Errorf("server config: MaxConcurrentDecodes: must be positive")
	}
	return nil
}

// limitsValid checks the embedded BodyCaps and HTTPLimits.
func (c Config) limitsValid() error {
	if err := c.BodyCaps.validate(); err != nil {
		return err
	}
	return c.HTTPLimits.validate()
}

// decodedCap returns the decoded-size cap of r's route (r.Pattern, as the
// mux matched it).
func (s *Server) decodedCap(r *http.Request) int64 {
	switch r.Pattern {
	case "POST /v1/records", "POST /v1/cluster/propose":
		return s.cfg.MaxDecodedBytes
	case "POST /v1/sync/push":
		return s.cfg.MaxPushDecodedBytes
	case "POST /v1/sync/pull":
		return s.cfg.MaxPullDecodedBytes
	}
	return s.cfg.MaxAdminDecodedBytes
}

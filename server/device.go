package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// Device API error codes, in addition to the common ones.
const (
	// CodeNoProfile means the user has no published offline profile.
	CodeNoProfile = "no_profile"
	// CodeRetry means the node is behind the version asked for.
	CodeRetry = "retry"
)

// deviceUser authenticates a device's bearer token and returns its user
// and the app it syncs for.
func (s *Server) deviceUser(w http.ResponseWriter, r *http.Request) (user, app string, ok bool) {
	dt, ok := s.deviceToken(w, r)
	if !ok {
		return "", "", false
	}
	app, ok = s.deviceApp(w, r, dt)
	return dt.UserID, app, ok
}

// deviceToken authenticates a device's bearer token.
func (s *Server) deviceToken(w http.ResponseWriter, r *http.Request) (engine.DeviceToken, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !strings.HasPrefix(tok, TokenPrefix) || len(tok) > 128 {
		writeError(w, http.StatusUnauthorized, CodeUnauthorized, "a valid device token is required")
		return engine.DeviceToken{}, false
	}
	dt, err := s.r.Authenticate(tok)
	if err != nil {
		writeError(w, http.StatusUnauthorized, CodeUnauthorized, "a valid device token is required")
		return engine.DeviceToken{}, false
	}
	s.setMembers(w)
	return dt, true
}

// deviceAccess authenticates a device and resolves its user's access in
// the app it syncs for, answering 403 no_profile when the user has no
// published profile there.
func (s *Server) deviceAccess(w http.ResponseWriter, r *http.Request) (string, *engine.Access, bool) {
	user, app, ok := s.deviceUser(w, r)
	if !ok {
		return "", nil, false
	}
	acc, err := s.r.Access(user, app)
	if err != nil {
		s.deviceErr(w, r, err)
		return "", nil, false
	}
	if acc.Profile == nil || acc.Profile.Published == 0 {
		s.deviceErr(w, r, engine.ErrNoProfile)
		return "", nil, false
	}
	return user, acc, true
}

// waitVersion waits briefly (2 s) until this node has applied min.
func (s *Server) waitVersion(r *http.Request, min uint64) bool {
	if s.r.Applied() >= min {
		return true // nearly always: no timer, no context
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	return s.awaitVersion(ctx, min) == nil
}

// awaitVersion waits until this node has applied v, or ctx ends.
func (s *Server) awaitVersion(ctx context.Context, v uint64) error {
	for {
		changed := s.r.Changed() // taken before the check: no commit slips between
		if s.r.Applied() >= v {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for version %d: %w", v, replication.ErrTimeout)
		case <-changed:
		}
	}
}

// writeDevice encodes v as msgpack (or JSON when the request's Accept asks
// for it) and compresses it as Accept-Encoding allows: zstd by default.
func (s *Server) writeDevice(w http.ResponseWriter, r *http.Request, v, debug any) {
	accept := r.Header.Get("Accept")
	var body []byte
	var err error
	ct := "application/msgpack"
	if strings.Contains(accept, "application/json") {
		ct = "application/json"
		body, err = jsonBytes(debug)
	} else {
		body, err = codec.MarshalCompact(v)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.writeBody(w, r, ct, body, codec.CutsOf(v))
}

// writeBody writes an encoded device answer of content type ct,
// compressed as Accept-Encoding allows (zstd by default) at its block
// cuts.
func (s *Server) writeBody(w http.ResponseWriter, r *http.Request, ct string, body []byte, cuts []int) {
	// Devices get zstd unless they say otherwise; JSON (asked for by
	// people, with curl) is compressed only when Accept-Encoding asks.
	enc := codec.Zstd
	if ae := r.Header.Get("Accept-Encoding"); ae != "" {
		enc = codec.Negotiate(ae)
	} else if ct == "application/json" {
		enc = codec.Identity
	}
	// Below 128 bytes (a no-change answer) compression cannot win enough
	// to pay for itself: such answers go as they are.
	if enc != codec.Identity && len(body) >= minCompressed {
		packed, err := codec.CompressCuts(enc, nil, body, cuts)
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		// An answer compression does not shrink (a no-change pull) goes
		// as it is: identity is always acceptable.
		if len(packed) < len(body) {
			body = packed
			w.Header().Set("Content-Encoding", enc.String())
		}
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Vary", "Accept, Accept-Encoding")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// minCompressed is the smallest device answer writeDevice compresses.
const minCompressed = 128

// deviceErr maps engine errors on the device path; messages never name
// rows outside the user's view.
func (s *Server) deviceErr(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, engine.ErrNoProfile) {
		writeError(w, http.StatusForbidden, CodeNoProfile, "this user has no published offline profile: ask an administrator to add the user to one")
		return
	}
	s.writeErr(w, r, err)
}

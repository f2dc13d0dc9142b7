package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// Cursor sealing. A device's cursor is opaque and authenticated: its
// payload (a msgpack wireCursor) is followed by a MAC, HMAC-SHA256 under
// the cluster's cursor key (engine.CursorKey, created once through the
// replicated log, so every node checks every node's cursors) over the
// user's id, the app and the payload, cut to cursorMACLen bytes. Nothing a device
// sends is trusted about its own access: a cursor whose MAC does not match
// (edited, forged, another user's, or another app's) is treated as no cursor at all, so
// its answer is a reload of the caller's own view.
const (
	cursorMACLen = 16
	// maxCursorLen caps a cursor as sent (base64).
	maxCursorLen = 1024
	// cursorDomain separates cursor MACs from any other use of the key.
	cursorDomain = "offsync cursor v1\x00"
)

// wireCursor is what a device's cursor holds: the engine's cursor, and
// while a first load is paged, the snapshot and the next page.
type wireCursor struct {
	C    *engine.Cursor `msgpack:"c,omitempty"`
	Snap string         `msgpack:"s,omitempty"`
	Page int            `msgpack:"p,omitempty"`
}

// cursorMAC is the MAC of payload for user and app under key.
func cursorMAC(key []byte, user, app string, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(cursorDomain))
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(app))
	m.Write([]byte{0})
	m.Write(payload)
	return m.Sum(nil)[:cursorMACLen]
}

// sealCursor encodes c for user's device of app and appends its MAC
// under key.
func sealCursor(key []byte, user, app string, c wireCursor) (string, error) {
	b, err := codec.MarshalCompact(&c)
	if err != nil {
		return "", fmt.Errorf("encode cursor: %w", err)
	}
	b = append(b, cursorMAC(key, user, app, b)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// openCursor checks and decodes a cursor user sent. A cursor that is not
// even shaped like one (too long, not base64, shorter than a MAC) is a
// 400. One whose MAC does not match under key (or that arrives before the
// cluster has a key) gives authentic false and the zero cursor: the caller
// then answers as to a device without a cursor.
func openCursor(key []byte, user, app, s string) (c wireCursor, authentic bool, err error) {
	if s == "" {
		return c, true, nil
	}
	bad := fmt.Errorf("decode cursor: not a cursor this server issued: %w", ErrBadRequest)
	if len(s) > maxCursorLen {
		return c, false, bad
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) <= cursorMACLen {
		return c, false, bad
	}
	payload, mac := b[:len(b)-cursorMACLen], b[len(b)-cursorMACLen:]
	if key == nil || !hmac.Equal(mac, cursorMAC(key, user, app, payload)) {
		return wireCursor{}, false, nil
	}
	if codec.Unmarshal(payload, &c) != nil || c.Page < 0 {
		return wireCursor{}, false, bad // only a leaked key gets here
	}
	return c, true, nil
}

// cursorKey returns the cluster's cursor key, creating it through the
// replicated log the first time any node needs one (nodes that race both
// propose; the first committed key wins).
func (s *Server) cursorKey(ctx context.Context) ([]byte, error) {
	if k := s.r.CursorKey(); k != nil {
		return k, nil
	}
	key := make([]byte, engine.CursorKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("create cursor key: %w", err)
	}
	res, err := s.propose(ctx, &engine.Command{Kind: engine.KindSetCursorKey, CursorKey: key})
	if err != nil {
		return nil, fmt.Errorf("create cursor key: %w", err)
	}
	if err := s.awaitVersion(ctx, res.Version); err != nil {
		return nil, fmt.Errorf("create cursor key: %w", err)
	}
	if k := s.r.CursorKey(); k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("create cursor key: not applied yet: %w", ErrBusy)
}

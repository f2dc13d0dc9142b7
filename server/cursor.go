package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"sync"

	"github.com/offsync/offsync/engine"
)

// Cursor sealing. A device's cursor is opaque and authenticated: a small
// binary payload followed by a MAC, HMAC-SHA256 under the cluster's
// cursor key (engine.CursorKey, created once through the replicated log,
// so every node checks every node's cursors) over the user's id, the app
// and the payload, cut to cursorMACLen bytes; base64url without padding
// on the wire, or as bytes in the answers of a device that holds the
// answer dictionary (cb, docs/protocol.md). Nothing a device sends is trusted about its own access: a
// cursor whose MAC does not match (edited, forged, another user's,
// another app's, or of an older format: the MAC's domain names the
// format) is treated as no cursor at all, so its answer is a reload of
// the caller's own view.
//
// The payload (all integers uvarint):
//
//	delta cursor: head = version<<1 | 0, time, fingerprint (8 bytes, big-endian)
//	paged load:   head = page<<1 | 1, snapshot id (snapIDLen bytes)
//
// time is seconds<<1 when the cursor's time (unix ms) is a whole second,
// as the server's pull times are, else milliseconds<<1 | 1. The access
// context the fingerprint names is not on the wire: the pull finds it in
// the replicated context registry (engine/contextstore.go). A delta cursor
// is 31 to 32 characters (23 to 24 bytes) up to version 2^27, a paged
// one 29.
//
// The MAC is 8 bytes (64 bits): a forger must guess it, and each guess
// costs a request to a node; 2^-64 a guess. Cutting it from 16 bytes
// saved 11 characters a cursor, about 3% of a small delta answer
// (docs/benchmarks.md). Cursors of the format before, with a 16-byte
// MAC under cursorDomainV2, are still accepted: devices keep their
// cursors across the upgrade.
const (
	cursorMACLen = 8
	// maxCursorLen caps a cursor as sent (base64). It stays well above
	// what this format needs, so that a cursor of the earlier, longer
	// format (up to about 240 characters) reloads instead of being a
	// 400.
	maxCursorLen = 1024
	// cursorDomain separates cursor MACs from any other use of the key,
	// and names the format: cursors of another format fail the MAC.
	cursorDomain = "offsync cursor v3\x00"
	// cursorDomainV2 and cursorMACLenV2 are the domain and MAC length of
	// the format before (the same payload).
	cursorDomainV2 = "offsync cursor v2\x00"
	cursorMACLenV2 = 16
	// snapIDLen is the length in bytes of a paged load's snapshot id.
	snapIDLen = 12
)

// wireCursor is what a device's cursor holds: the engine's cursor, or
// while a first load is paged, the snapshot and the next page.
type wireCursor struct {
	C    *engine.Cursor
	Snap string // hex, snapIDLen bytes
	Page int
}

// errCursorShape is a payload that is not a cursor of this format.
var errCursorShape = errors.New("not a cursor")

// appendCursor appends the payload of c to b.
func appendCursor(b []byte, c wireCursor) ([]byte, error) {
	switch {
	case c.Snap != "" && c.C == nil:
		id, err := hex.DecodeString(c.Snap)
		if err != nil || len(id) != snapIDLen || c.Page < 0 {
			return nil, fmt.Errorf("encode cursor: snapshot %q page %d: %w", c.Snap, c.Page, errCursorShape)
		}
		b = binary.AppendUvarint(b, uint64(c.Page)<<1|1)
		return append(b, id...), nil
	case c.Snap == "" && c.C != nil:
		if c.C.Version > math.MaxUint64>>1 || c.C.Time < 0 || c.C.Time > math.MaxInt64>>1 {
			return nil, fmt.Errorf("encode cursor: version %d time %d: %w", c.C.Version, c.C.Time, errCursorShape)
		}
		b = binary.AppendUvarint(b, c.C.Version<<1)
		t := uint64(c.C.Time)<<1 | 1
		if c.C.Time%1000 == 0 {
			t = uint64(c.C.Time/1000) << 1
		}
		b = binary.AppendUvarint(b, t)
		return binary.BigEndian.AppendUint64(b, c.C.Context), nil
	}
	return nil, fmt.Errorf("encode cursor: %w", errCursorShape)
}

// parseCursor decodes a payload appendCursor wrote.
func parseCursor(b []byte) (wireCursor, error) {
	var c wireCursor
	head, n := binary.Uvarint(b)
	if n <= 0 {
		return c, errCursorShape
	}
	b = b[n:]
	if head&1 == 1 {
		if len(b) != snapIDLen || head>>1 > math.MaxInt32 {
			return c, errCursorShape
		}
		c.Snap, c.Page = hex.EncodeToString(b), int(head>>1)
		return c, nil
	}
	t, n := binary.Uvarint(b)
	if n <= 0 || len(b) != n+8 {
		return c, errCursorShape
	}
	ms := int64(t >> 1)
	if t&1 == 0 {
		if t>>1 > math.MaxInt64/1000 {
			return c, errCursorShape
		}
		ms *= 1000
	}
	c.C = &engine.Cursor{Version: head >> 1, Time: ms, Context: binary.BigEndian.Uint64(b[n:])}
	return c, nil
}

// cursorMAC is the MAC of payload for user and app under key.
func cursorMAC(key []byte, user, app string, payload []byte) []byte {
	return domainMAC(key, cursorDomain, cursorMACLen, user, app, payload)
}

// domainMAC is the MAC of payload for user and app under key in domain,
// cut to n bytes.
func domainMAC(key []byte, domain string, n int, user, app string, payload []byte) []byte {
	// One buffer, one Write: the MAC's input, then its sum.
	buf := make([]byte, 0, len(domain)+len(user)+len(app)+len(payload)+2+sha256.Size)
	buf = append(append(append(append(append(buf, domain...), user...), 0), app...), 0)
	buf = append(buf, payload...)
	m := macs.get(key)
	m.Write(buf)
	sum := m.Sum(buf[:0])[:n]
	macs.put(key, m)
	return sum
}

// macPool keeps HMACs keyed with the cluster's cursor key, reset after
// use: every pull opens and seals a cursor, and a new HMAC hashes the
// key into two SHA-256 states each time (4% of a node's CPU serving
// no-change pulls). A different key (another cluster's, in tests that
// run several) gets HMACs of its own.
type macPool struct {
	mu   sync.Mutex
	key  []byte
	free []hash.Hash
}

var macs macPool

// get returns an HMAC keyed with key, ready to write.
func (p *macPool) get(key []byte) hash.Hash {
	p.mu.Lock()
	if bytes.Equal(p.key, key) && len(p.free) > 0 {
		m := p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
		p.mu.Unlock()
		return m
	}
	p.mu.Unlock()
	return hmac.New(sha256.New, key)
}

// put returns m, keyed with key, for reuse; at most 16 are kept.
func (p *macPool) put(key []byte, m hash.Hash) {
	m.Reset()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !bytes.Equal(p.key, key) {
		p.key, p.free = bytes.Clone(key), p.free[:0]
	}
	if len(p.free) < 16 {
		p.free = append(p.free, m)
	}
}

// sealCursor encodes c for user's device of app and appends its MAC
// under key; base64url, as devices send it back.
func sealCursor(key []byte, user, app string, c wireCursor) (string, error) {
	b, err := sealCursorBytes(key, user, app, c)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// sealCursorBytes is sealCursor before base64: the cursor as the answer
// field cb carries it.
func sealCursorBytes(key []byte, user, app string, c wireCursor) ([]byte, error) {
	b, err := appendCursor(make([]byte, 0, 32), c)
	if err != nil {
		return nil, err
	}
	return append(b, cursorMAC(key, user, app, b)...), nil
}

// errNotOurCursor answers a cursor that does not open (one error value:
// a pull does not build one it will not return).
var errNotOurCursor = fmt.Errorf("decode cursor: not a cursor this server issued: %w", ErrBadRequest)

// openCursor checks and decodes a cursor user sent. A cursor that is not
// even shaped like one (too long, not base64, shorter than a MAC) is a
// 400. One whose MAC does not match under key (or that arrives before the
// cluster has a key) gives authentic false and the zero cursor: the caller
// then answers as to a device without a cursor.
func openCursor(key []byte, user, app, s string) (c wireCursor, authentic bool, err error) {
	if s == "" {
		return c, true, nil
	}
	bad := errNotOurCursor
	if len(s) > maxCursorLen {
		return c, false, bad
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) <= cursorMACLen {
		return c, false, bad
	}
	if key == nil {
		return wireCursor{}, false, nil
	}
	payload, mac := b[:len(b)-cursorMACLen], b[len(b)-cursorMACLen:]
	if !hmac.Equal(mac, cursorMAC(key, user, app, payload)) {
		// A cursor of the format before (a 16-byte MAC, another domain).
		if len(b) <= cursorMACLenV2 {
			return wireCursor{}, false, nil
		}
		payload, mac = b[:len(b)-cursorMACLenV2], b[len(b)-cursorMACLenV2:]
		if !hmac.Equal(mac, domainMAC(key, cursorDomainV2, cursorMACLenV2, user, app, payload)) {
			return wireCursor{}, false, nil
		}
	}
	if c, err = parseCursor(payload); err != nil {
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

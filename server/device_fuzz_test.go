package server

import (
	"encoding/base64"
	"testing"

	"github.com/offsync/offsync/engine"
)

// FuzzOpenCursor: the cursor a device sends never panics the decoder; a
// cursor that opens as authentic under the key was sealed with it (for
// that user and app), what opens re-seals to the same cursor, and any
// payload (even one sealed under the right key, as with a leaked key)
// either parses into a cursor that re-encodes to those bytes or is
// refused.
func FuzzOpenCursor(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, c := range []wireCursor{
		{C: &engine.Cursor{Version: 7, Time: 1_700_000_000_000, Context: 9}},
		{C: &engine.Cursor{Version: 1 << 40, Time: 1_700_000_000_123, Context: 1<<64 - 1}},
		{Snap: "0123456789abcdef01234567", Page: 3},
	} {
		s, _ := sealCursor(key, "u1", "a", c)
		f.Add(s)
	}
	f.Add("")
	f.Add("!!")
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("\x83\xa1c\x84\xa1v\x07\xa1t\x01\xa1c\x09\xa1w\x80 an old msgpack cursor")))
	f.Fuzz(func(t *testing.T, s string) {
		if raw, err := base64.RawURLEncoding.Strict().DecodeString(s); err == nil {
			if c, err := parseCursor(raw); err == nil {
				again, err := appendCursor(nil, c)
				if err != nil {
					t.Fatalf("re-encode %+v: %v", c, err)
				}
				if c2, err := parseCursor(again); err != nil || c2.Snap != c.Snap || c2.Page != c.Page || (c.C == nil) != (c2.C == nil) || (c.C != nil && *c.C != *c2.C) {
					t.Fatalf("payload round trip: %+v -> %+v (%v)", c, c2, err)
				}
			}
		}
		c, ok, err := openCursor(key, "u1", "a", s)
		if err != nil || !ok || s == "" {
			return
		}
		if _, ok2, _ := openCursor(key, "u2", "a", s); ok2 {
			t.Fatal("a cursor opened for another user")
		}
		if _, ok2, _ := openCursor(key, "u1", "b", s); ok2 {
			t.Fatal("a cursor opened for another app")
		}
		again, err := sealCursor(key, "u1", "a", c)
		if err != nil {
			t.Fatalf("re-seal: %v", err)
		}
		c2, ok, err := openCursor(key, "u1", "a", again)
		if err != nil || !ok || c2.Snap != c.Snap || c2.Page != c.Page || (c.C == nil) != (c2.C == nil) || (c.C != nil && *c.C != *c2.C) {
			t.Fatalf("round trip: %+v -> %+v (%v)", c, c2, err)
		}
	})
}

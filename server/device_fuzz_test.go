package server

import (
	"testing"

	"github.com/offsync/offsync/engine"
)

// FuzzOpenCursor: the cursor a device sends never panics the decoder; a
// cursor that opens as authentic under the key was sealed with it (for
// that user and app), and what opens re-seals to an equal cursor.
func FuzzOpenCursor(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, c := range []wireCursor{{C: &engine.Cursor{Version: 7, Time: 1, Context: 9, Was: &engine.CursorContext{BU: []byte("0123456789abcdef"), Teams: [][]byte{[]byte("0123456789abcdef")}}}}, {Snap: "abc", Page: 3}} {
		s, _ := sealCursor(key, "u1", "a", c)
		f.Add(s)
	}
	f.Add("")
	f.Add("!!")
	f.Fuzz(func(t *testing.T, s string) {
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
		if err != nil || !ok || c2.Snap != c.Snap || c2.Page != c.Page || (c.C == nil) != (c2.C == nil) {
			t.Fatalf("round trip: %+v -> %+v (%v)", c, c2, err)
		}
	})
}

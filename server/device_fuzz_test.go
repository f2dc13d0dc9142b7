package server

import (
	"testing"

	"github.com/offsync/offsync/engine"
)

// FuzzDecodeWireCursor: the cursor a device sends never panics the
// decoder, and what decodes re-encodes to an equal cursor.
func FuzzDecodeWireCursor(f *testing.F) {
	for _, c := range []wireCursor{{C: &engine.Cursor{Version: 7, Time: 1, Context: 9, Was: &engine.CursorContext{BU: []byte("0123456789abcdef"), Teams: [][]byte{[]byte("0123456789abcdef")}}}}, {Snap: "abc", Page: 3}} {
		s, _ := encodeWireCursor(c)
		f.Add(s)
	}
	f.Add("")
	f.Add("!!")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeWireCursor(s)
		if err != nil {
			return
		}
		again, err := encodeWireCursor(c)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		c2, err := decodeWireCursor(again)
		if err != nil || c2.Snap != c.Snap || c2.Page != c.Page || (c.C == nil) != (c2.C == nil) {
			t.Fatalf("round trip: %+v -> %+v (%v)", c, c2, err)
		}
	})
}

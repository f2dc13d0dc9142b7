package engine

import (
	"errors"
	"testing"
)

func TestCursorRoundTrip(t *testing.T) {
	in := &Cursor{Version: 42, Time: -5, Context: 1 << 63}
	s, err := EncodeCursor(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeCursor(s)
	if err != nil || out.Version != 42 || out.Time != -5 || out.Context != in.Context {
		t.Fatalf("round trip: %+v %v", out, err)
	}
	if c, err := DecodeCursor(""); c != nil || err != nil {
		t.Fatalf("empty cursor: %v %v", c, err)
	}
	for _, bad := range []string{"!!", "AAAA", string(make([]byte, MaxCursorLen+1))} {
		if _, err := DecodeCursor(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("DecodeCursor(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	s, _ := EncodeCursor(&Cursor{Version: 7})
	f.Add(s)
	f.Add("")
	f.Add("gqF1")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeCursor(s)
		if err != nil || c == nil {
			return
		}
		again, err := EncodeCursor(c)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if c2, err := DecodeCursor(again); err != nil || c2.Version != c.Version {
			t.Fatalf("round trip of a decoded cursor: %+v %v", c2, err)
		}
	})
}

package engine

import (
	"bytes"
	"testing"
)

// FuzzDecodeRefSummary: no bytes panic the reference-summary decoder, and
// a summary it accepts encodes to the same bytes once normalized (scopes
// sorted, zero counts dropped), which decode to the same summary.
func FuzzDecodeRefSummary(f *testing.F) {
	f.Add(encodeRefSummary(refSummary{"account:00000000-0000-4000-8000-0000000000a1": 2, "task:00000000-0000-4000-8000-000000000001": 1}))
	f.Add([]byte{})
	f.Add([]byte{0x05, 'a', 'b'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeRefSummary(b)
		if err != nil {
			return
		}
		enc := encodeRefSummary(s)
		back, err := decodeRefSummary(enc)
		if err != nil {
			t.Fatalf("a re-encoded summary does not decode: %v", err)
		}
		if !bytes.Equal(encodeRefSummary(back), enc) {
			t.Fatalf("summary round trip differs: %x -> %x", enc, encodeRefSummary(back))
		}
		for k, n := range back {
			if s[k] != n || n == 0 {
				t.Fatalf("scope %q: %d after the round trip, %d before", k, n, s[k])
			}
		}
	})
}

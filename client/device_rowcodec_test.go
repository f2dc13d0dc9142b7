package client

import (
	"reflect"
	"testing"

	"github.com/offsync/offsync/codec"
)

// TestLocalRowsReadOldAndNewEncodings: a row stored by the reflective
// encoding older stores hold and one stored by encodeLocalRow both read
// back as the same row.
func TestLocalRowsReadOldAndNewEncodings(t *testing.T) {
	r := Row{ID: "00000000-0000-4000-8000-000000000001", OwnerID: "o", CreatedOn: 1, ModifiedOn: -2, Version: 1 << 40,
		Attrs: map[string]any{"n": int64(-7), "big": int64(1) << 50, "f": 2.5, "s": "ü", "b": true, "z": nil}}
	old, err := codec.Marshal(r) // a Row value: the reflective path
	if err != nil {
		t.Fatal(err)
	}
	now, err := encodeLocalRow(&r)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"old": old, "new": now} {
		var got Row
		if err := decodeLocalRow(b, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("%s: got %#v, want %#v", name, got, r)
		}
	}
}

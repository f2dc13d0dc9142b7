package codec

import (
	"errors"
	"testing"
)

func TestDecodePushRequest(t *testing.T) {
	r, err := DecodePushRequest([]byte(`{"mutations":[{"id":"m1","entity":"task","rowId":"x","op":"update","attributes":{"n":3,"f":1.5,"s":"a","z":null},"baseVersion":7}]}`), FormatJSON)
	if err != nil || len(r.Mutations) != 1 || r.Mutations[0].Attrs["n"] != int64(3) || r.Mutations[0].Attrs["f"] != 1.5 || r.Mutations[0].BaseVersion != 7 {
		t.Fatalf("json: %+v %v", r, err)
	}
	b, _ := Marshal(r)
	if r2, err := DecodePushRequest(b, FormatMsgpack); err != nil || r2.Mutations[0].Attrs["n"] != int64(3) {
		t.Fatalf("msgpack: %+v %v", r2, err)
	}
	for _, bad := range []string{`{"mutations":[{"attributes":{"a":[1]}}]}`, `{"x":1}`, `{"mutations":[]} 1`} {
		if _, err := DecodePushRequest([]byte(bad), FormatJSON); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func FuzzDecodePushRequest(f *testing.F) {
	f.Add([]byte(`{"mutations":[{"id":"m1","entity":"task","rowId":"x","op":"create","attributes":{"a":1}}]}`), true)
	b, _ := Marshal(PushRequest{Mutations: []Mutation{{ID: "a", Attrs: map[string]any{"x": int64(1)}}}})
	f.Add(b, false)
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		fm := FormatMsgpack
		if asJSON {
			fm = FormatJSON
		}
		r, err := DecodePushRequest(data, fm)
		if err != nil {
			return
		}
		again, err := Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodePushRequest(again, FormatMsgpack); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
	})
}

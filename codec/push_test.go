package codec

import (
	"errors"
	"testing"
)

func TestDecodePushRequest(t *testing.T) {
	r, err := DecodePushRequest([]byte(`{"mutations":[{"id":"m1","entity":"task","rowId":"x","op":"update","attributes":{"n":3,"f":1.5,"s":"a","z":null},"baseVersion":7}]}`), FormatJSON, 1000)
	if err != nil || len(r.Mutations) != 1 || r.Mutations[0].Attrs["n"] != int64(3) || r.Mutations[0].Attrs["f"] != 1.5 || r.Mutations[0].BaseVersion != 7 {
		t.Fatalf("json: %+v %v", r, err)
	}
	b, _ := Marshal(r)
	if r2, err := DecodePushRequest(b, FormatMsgpack, 1000); err != nil || r2.Mutations[0].Attrs["n"] != int64(3) {
		t.Fatalf("msgpack: %+v %v", r2, err)
	}
	for _, bad := range []string{`{"mutations":[{"attributes":{"a":[1]}}]}`, `{"x":1}`, `{"mutations":[]} 1`,
		`{"mutations":[],"mutations":[]}`, `[]`, `{"mutations":{}}`, `{"mutations":[{"attributes":[]}]}`, ``, `{"mutations":[{"id":1}]}`} {
		if _, err := DecodePushRequest([]byte(bad), FormatJSON, 1000); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	for _, ok := range []string{`null`, `{}`, `{"mutations":null}`, `{"Mutations":[null,{"attributes":null}]}`} {
		if _, err := DecodePushRequest([]byte(ok), FormatJSON, 1000); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// TestDecodePushRequestMsgpackShape checks that the msgpack push must be
// made of maps: the msgpack package would also decode a struct from an
// array, which the count check does not follow.
func TestDecodePushRequestMsgpackShape(t *testing.T) {
	for name, v := range map[string]any{
		"array body":         []any{[]any{}},
		"array item":         map[string]any{"mutations": []any{[]any{"a", "b", "c", "d", nil, 0}}},
		"array attributes":   map[string]any{"mutations": []any{map[string]any{"attributes": []any{1}}}},
		"nested attribute":   map[string]any{"mutations": []any{map[string]any{"attributes": map[string]any{"a": map[string]any{}}}}},
		"mutations not list": map[string]any{"mutations": "x"},
	} {
		if _, err := DecodePushRequest(mustMarshal(t, v), FormatMsgpack, 1000); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

package codec

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestPullRequestDecoding(t *testing.T) {
	r, err := DecodePullRequest([]byte(`{"cursor":"abc","minVersion":7}`), FormatJSON)
	if err != nil || r.Cursor != "abc" || r.MinVersion != 7 {
		t.Fatalf("json: %+v %v", r, err)
	}
	b, _ := Marshal(PullRequest{Cursor: "xyz", MinVersion: 3})
	if r, err = DecodePullRequest(b, FormatMsgpack); err != nil || r.Cursor != "xyz" || r.MinVersion != 3 {
		t.Fatalf("msgpack: %+v %v", r, err)
	}
	if r, err = DecodePullRequest(nil, FormatMsgpack); err != nil || r.Cursor != "" {
		t.Fatalf("empty: %+v %v", r, err)
	}
	for _, bad := range [][]byte{[]byte(`{"cursor":1}`), []byte(`{"x":1}`), []byte(`{} {}`), b[:len(b)-1]} {
		f := FormatJSON
		if bad[0] != '{' {
			f = FormatMsgpack
		}
		if _, err := DecodePullRequest(bad, f); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", bad, err)
		}
	}
}

func TestPullResponseRoundTrip(t *testing.T) {
	id, _ := GUIDBytes("6f9619ff-8b86-4011-b42d-00c04fc964ff")
	in := PullResponse{Version: 9, MetadataVersion: 2, Cursor: "c", More: true, Refs: [][]byte{id},
		Entities: []EntityChanges{{Entity: "account", Columns: []string{"name", "parentid"},
			Rows: [][]any{{id, int64(0), int64(-1), int64(1), int64(2), int64(9), "Contoso", id}}, Removals: [][]byte{id}, Cutoff: 5, NextDue: 6}}}
	b, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodePullResponse(b)
	if err != nil || out.Version != 9 || !out.More || len(out.Entities) != 1 {
		t.Fatalf("round trip: %+v %v", out, err)
	}
	row := out.Entities[0].Rows[0]
	ref, _ := AsInt64(row[2])
	if b, ok := row[0].([]byte); !ok || !bytes.Equal(b, id) || row[6] != "Contoso" || ref != -1 {
		t.Fatalf("row: %#v", row)
	}
	s, err := GUIDString(id)
	if err != nil || s != "6f9619ff-8b86-4011-b42d-00c04fc964ff" {
		t.Fatalf("guid string: %s %v", s, err)
	}
	if _, err := GUIDBytes("not-a-guid"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad guid: %v", err)
	}
}

func FuzzDecodePullRequest(f *testing.F) {
	b, _ := Marshal(PullRequest{Cursor: "abc", MinVersion: 1})
	f.Add(b, false)
	f.Add([]byte(`{"cursor":"x"}`), true)
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		fm := FormatMsgpack
		if asJSON {
			fm = FormatJSON
		}
		r, err := DecodePullRequest(data, fm)
		if err != nil {
			return
		}
		again, err := Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if r2, err := DecodePullRequest(again, FormatMsgpack); err != nil || r2 != r {
			t.Fatalf("round trip: %+v -> %+v (%v)", r, r2, err)
		}
	})
}

func FuzzDecodePullResponse(f *testing.F) {
	b, _ := Marshal(benchAnswerSmall())
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		pr, err := DecodePullResponse(data)
		if err != nil {
			return
		}
		// What decodes encodes, and decodes again to the same rows.
		again, err := MarshalCompact(&pr)
		if err != nil {
			t.Fatalf("decoded answer does not encode: %v", err)
		}
		back, err := DecodePullResponse(again)
		if err != nil {
			t.Fatalf("re-encoded answer does not decode: %v", err)
		}
		if len(back.Entities) != len(pr.Entities) {
			t.Fatalf("%d entities, then %d", len(pr.Entities), len(back.Entities))
		}
		for i := range pr.Entities {
			if !reflect.DeepEqual(back.Entities[i].Rows, pr.Entities[i].Rows) || !reflect.DeepEqual(back.Entities[i].Patches, pr.Entities[i].Patches) {
				t.Fatalf("entity %d: rows differ after a round trip", i)
			}
		}
	})
}

func TestMarshalCompactIsSmallerAndDecodes(t *testing.T) {
	id := make([]byte, 16)
	in := PullResponse{Version: 3, Entities: []EntityChanges{{Entity: "a", Rows: [][]any{{id, int64(1), int64(-1), int64(1767225600000), int64(1767225600000), int64(3)}}}}}
	plain, _ := Marshal(in)
	small, err := MarshalCompact(in)
	if err != nil || len(small) >= len(plain) {
		t.Fatalf("compact %d bytes vs %d: %v", len(small), len(plain), err)
	}
	out, err := DecodePullResponse(small)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{1, -1, 1767225600000} {
		if got, ok := AsInt64(out.Entities[0].Rows[0][i+1]); !ok || got != want {
			t.Fatalf("value %d = %v", i, out.Entities[0].Rows[0][i])
		}
	}
	// Marshal is unaffected by a compact call on a pooled encoder.
	if again, _ := Marshal(in); !bytes.Equal(again, plain) {
		t.Fatal("Marshal changed after MarshalCompact")
	}
}

func TestGUIDStringRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "guid")
		s, err := GUIDString(b)
		if err != nil {
			t.Fatal(err)
		}
		back, err := GUIDBytes(s)
		if err != nil || !bytes.Equal(back, b) || s != strings.ToLower(s) || len(s) != 36 {
			t.Fatalf("%x -> %q -> %x (%v)", b, s, back, err)
		}
	})
}

package codec

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{
		"": FormatJSON, "application/json": FormatJSON, "application/json; charset=utf-8": FormatJSON,
		" Application/JSON ": FormatJSON, "application/msgpack": FormatMsgpack,
		"application/x-msgpack": FormatMsgpack, "application/vnd.msgpack;v=1": FormatMsgpack,
	} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"text/plain", "application/xml", "json", "application/json-seq"} {
		_, err := ParseFormat(in)
		wantErr(t, err, ErrUnsupportedEncoding)
	}
}

func sampleBatch() Batch {
	return Batch{Records: []Record{
		{Op: OpUpsert, Entity: "account", ID: "a1", OwnerID: "u1", Attrs: map[string]any{
			"name": "Contoso <&>", "n": int64(3), "neg": int64(-4), "f": 1.5, "g": 2.0, "h": 1e21,
			"tiny": 1e-7, "negzero": math.Copysign(0, -1), "max": int64(math.MaxInt64),
			"yes": true, "none": nil,
		}},
		{Op: OpDelete, Entity: "contact", ID: "c1"},
	}}
}

func TestEncodeBatchRoundTrip(t *testing.T) {
	for _, f := range []Format{FormatJSON, FormatMsgpack} {
		for _, in := range []Batch{sampleBatch(), {}, {Records: []Record{}}} {
			b, err := EncodeBatch(in, f)
			if err != nil {
				t.Fatal(err)
			}
			out, err := DecodeBatch(b, f, 5000)
			if err != nil {
				t.Fatalf("format %d: %v\n%s", f, err, b)
			}
			if !reflect.DeepEqual(out, in) {
				t.Fatalf("format %d round trip\n got %#v\nwant %#v", f, out, in)
			}
		}
	}
}

func TestDecodeBatchJSONNormalizes(t *testing.T) {
	body := `{"records":[{"entity":"account","id":"a1","attributes":{
		"n":3,"neg":-3,"f":1.5,"g":2.0,"e":1e3,"big":12345678901234567890,
		"s":"x","b":true,"z":null}}, {"op":"delete","entity":"account","id":"a2","attributes":{}}]}` + "\n"
	b, err := DecodeBatch([]byte(body), FormatJSON, 5000)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"n": int64(3), "neg": int64(-3), "f": 1.5, "g": 2.0, "e": 1000.0,
		"big": 12345678901234567890.0, "s": "x", "b": true, "z": nil,
	}
	if !reflect.DeepEqual(b.Records[0].Attrs, want) {
		t.Fatalf("attrs\n got %#v\nwant %#v", b.Records[0].Attrs, want)
	}
	if b.Records[0].Op != OpUpsert || b.Records[1].Op != OpDelete || b.Records[1].Attrs != nil {
		t.Fatalf("records %#v", b.Records)
	}
}

func TestDecodeBatchMsgpackNormalizes(t *testing.T) {
	enc := func(v any) []byte {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	body := enc(map[string]any{"records": []any{map[string]any{
		"entity": "account", "id": "a1",
		"attributes": map[string]any{"u8": uint8(7), "i16": int16(-300), "u64": uint64(1) << 63, "f32": float32(0.25), "s": "x"},
	}}})
	b, err := DecodeBatch(body, FormatMsgpack, 5000)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"u8": int64(7), "i16": int64(-300), "u64": float64(1 << 63), "f32": 0.25, "s": "x"}
	if !reflect.DeepEqual(b.Records[0].Attrs, want) || b.Records[0].Op != OpUpsert {
		t.Fatalf("got %#v", b.Records[0])
	}
}

func TestDecodeBatchErrors(t *testing.T) {
	rec := func(attrs string) string {
		return `{"records":[{"entity":"a","id":"1"},{"entity":"a","id":"2"},{"entity":"a","id":"3"},
			{"entity":"a","id":"4","attributes":` + attrs + `}]}`
	}
	cases := map[string]struct{ body, msg string }{
		"nested object": {rec(`{"ok":1,"name":{"x":1}}`), `decode batch: record 3: attribute "name": nested values not allowed: malformed input`},
		"nested array":  {rec(`{"list":[1]}`), `record 3: attribute "list": nested values not allowed`},
		"overflow":      {rec(`{"n":1e400}`), `record 3: attribute "n": non-finite`},
		"unknown op":    {`{"records":[{"op":"merge","entity":"a","id":"1"}]}`, `record 0: unknown op "merge"`},
		"unknown field": {`{"records":[{"entity":"a","id":"1","extra":1}]}`, `unknown field`},
		"unknown top":   {`{"records":[],"x":1}`, `unknown field`},
		"trailing":      {`{"records":[]} {}`, `trailing data`},
		"trailing junk": {`{"records":[]}x`, `trailing data`},
		"wrong type":    {`{"records":[{"entity":5,"id":"1"}]}`, `cannot unmarshal number`},
		"not object":    {`[1,2]`, `expected an object`},
		"truncated":     {`{"records":[{"entity":"a"`, `unexpected EOF`},
		"empty":         {``, `empty input`},
	}
	for name, c := range cases {
		_, err := DecodeBatch([]byte(c.body), FormatJSON, 5000)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		wantErr(t, err, ErrMalformed)
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %q does not contain %q", name, err, c.msg)
		}
	}
}

func TestDecodeBatchMsgpackErrors(t *testing.T) {
	cases := map[string]any{
		"nested":        map[string]any{"records": []any{map[string]any{"entity": "a", "id": "1", "attributes": map[string]any{"m": []any{1}}}}},
		"binary":        map[string]any{"records": []any{map[string]any{"entity": "a", "id": "1", "attributes": map[string]any{"b": []byte{1}}}}},
		"unknown op":    map[string]any{"records": []any{map[string]any{"op": "x", "entity": "a", "id": "1"}}},
		"unknown field": map[string]any{"records": []any{map[string]any{"entity": "a", "id": "1", "extra": 1}}},
		"wrong type":    map[string]any{"records": []any{map[string]any{"entity": []any{}, "id": "1"}}},
		"not a map":     []any{1, 2},
	}
	for name, v := range cases {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		_, err = DecodeBatch(b, FormatMsgpack, 5000)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		wantErr(t, err, ErrMalformed)
		if !strings.HasPrefix(err.Error(), "decode batch: ") {
			t.Errorf("%s: error %q lacks the decode batch prefix", name, err)
		}
	}
}

func TestBatchUnsupportedFormat(t *testing.T) {
	_, err := DecodeBatch([]byte("{}"), Format(9), 5000)
	wantErr(t, err, ErrUnsupportedEncoding)
	_, err = EncodeBatch(Batch{}, Format(9))
	wantErr(t, err, ErrUnsupportedEncoding)
}

func TestEncodeBatchRejectsNaN(t *testing.T) {
	_, err := EncodeBatch(Batch{Records: []Record{{Entity: "a", ID: "1", Attrs: map[string]any{"x": math.NaN()}}}}, FormatJSON)
	if err == nil {
		t.Fatal("NaN encoded as JSON")
	}
}

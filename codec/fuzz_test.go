package codec

import (
	"bytes"
	"reflect"
	"testing"
)

func FuzzUnmarshalRow(f *testing.F) {
	f.Add(mustMarshal(f, sampleRow()))
	f.Add(mustMarshal(f, Row{ID: "x"}))
	f.Add(mustMarshal(f, map[string]any{"id": "x", "a": map[string]any{"n": []any{1}}}))
	f.Add([]byte{0x81, 0xa1, 'a', 0xdf, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Row
		if Unmarshal(data, &r) != nil {
			return
		}
		b, err := Marshal(r)
		if err != nil {
			t.Fatalf("decoded row does not encode: %v\n%#v", err, r)
		}
		var again Row
		if err := Unmarshal(b, &again); err != nil {
			t.Fatalf("re-encoded row does not decode: %v", err)
		}
		if !reflect.DeepEqual(r, again) {
			t.Fatalf("round trip\n got %#v\nwant %#v", again, r)
		}
	})
}

// fuzzBatch checks that a batch that decodes encodes and decodes again
// to the same value.
func fuzzBatch(t *testing.T, data []byte, f Format) {
	b, err := DecodeBatch(data, f)
	if err != nil {
		return
	}
	enc, err := EncodeBatch(b, f)
	if err != nil {
		t.Fatalf("decoded batch does not encode: %v\n%#v", err, b)
	}
	again, err := DecodeBatch(enc, f)
	if err != nil {
		t.Fatalf("re-encoded batch does not decode: %v\n%s", err, enc)
	}
	if !reflect.DeepEqual(b, again) {
		t.Fatalf("round trip\n got %#v\nwant %#v", again, b)
	}
}

func FuzzDecodeBatchJSON(f *testing.F) {
	seed, _ := EncodeBatch(sampleBatch(), FormatJSON)
	f.Add(seed)
	f.Add([]byte(`{"records":[{"entity":"a","id":"1","attributes":{"n":1e3,"x":-0,"y":1.0}}]}`))
	f.Add([]byte(`{"records":[{"op":"delete","entity":"a","id":"1"}]} `))
	f.Add([]byte(`{"records":[{"entity":"a","id":"1","attributes":{"n":{"x":[1]}}}]}`))
	f.Add([]byte(`{"records":null}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzBatch(t, data, FormatJSON) })
}

func FuzzDecodeBatchMsgpack(f *testing.F) {
	seed, _ := EncodeBatch(sampleBatch(), FormatMsgpack)
	f.Add(seed)
	f.Add(mustMarshal(f, map[string]any{"records": []any{map[string]any{"entity": "a", "id": "1", "attributes": map[string]any{"b": []byte{1}}}}}))
	f.Add(mustMarshal(f, map[string]any{"records": []any{nil, map[string]any{"op": "delete"}}}))
	f.Add([]byte{0x81, 0xa7, 'r', 'e', 'c', 'o', 'r', 'd', 's', 0xdd, 0x7f, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) { fuzzBatch(t, data, FormatMsgpack) })
}

// fuzzDecompress checks that input that decompresses within 1 MiB gives
// the same bytes after another compress and decompress.
func fuzzDecompress(t *testing.T, e Encoding, data []byte) {
	out, err := Decompress(e, data, 1<<20)
	if err != nil {
		return
	}
	wire, err := Compress(e, nil, out)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Decompress(e, wire, int64(len(out)))
	if err != nil {
		t.Fatalf("re-compressed output does not decompress: %v", err)
	}
	if !bytes.Equal(out, again) {
		t.Fatal("round trip differs")
	}
}

func FuzzDecompressZstd(f *testing.F) {
	for _, src := range [][]byte{nil, []byte("hello, hello, hello"), bytes.Repeat([]byte("abc"), 1000)} {
		wire, _ := Compress(Zstd, nil, src)
		f.Add(wire)
	}
	f.Add(zstdRLEBomb(4<<20, 20))
	f.Add(zstdRLEBomb(10, 30))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecompress(t, Zstd, data) })
}

func FuzzDecompressGzip(f *testing.F) {
	for _, src := range [][]byte{nil, []byte("hello, hello, hello"), bytes.Repeat([]byte("abc"), 1000)} {
		wire, _ := Compress(Gzip, nil, src)
		f.Add(wire)
		f.Add(append(bytes.Clone(wire), wire...))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecompress(t, Gzip, data) })
}

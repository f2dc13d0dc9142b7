package codec

import (
	"bytes"
	"encoding/json"
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

// fuzzCap is the item cap of the body fuzz targets: small, so that the
// fuzzer can reach it.
const fuzzCap = 50

// fuzzBatch checks that a batch that decodes stays within the caps, and
// encodes and decodes again to the same value.
func fuzzBatch(t *testing.T, data []byte, f Format) {
	b, err := DecodeBatch(data, f, fuzzCap)
	if err != nil {
		return
	}
	if len(b.Records) > fuzzCap {
		t.Fatalf("%d records decoded with a cap of %d", len(b.Records), fuzzCap)
	}
	for i, r := range b.Records {
		if len(r.Attrs) > MaxAttributes {
			t.Fatalf("record %d: %d attributes decoded", i, len(r.Attrs))
		}
	}
	enc, err := EncodeBatch(b, f)
	if err != nil {
		t.Fatalf("decoded batch does not encode: %v\n%#v", err, b)
	}
	again, err := DecodeBatch(enc, f, fuzzCap)
	if err != nil {
		t.Fatalf("re-encoded batch does not decode: %v\n%s", err, enc)
	}
	if !reflect.DeepEqual(b, again) {
		t.Fatalf("round trip\n got %#v\nwant %#v", again, b)
	}
}

// The seed corpora of the body targets are in testdata/fuzz/<target>;
// they include count and attribute bombs just past the caps.

func FuzzDecodeBatchJSON(f *testing.F) {
	seed, _ := EncodeBatch(sampleBatch(), FormatJSON)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzBatch(t, data, FormatJSON)
		if b, err := DecodeBatch(data, FormatJSON, fuzzCap); err == nil {
			var want Batch
			wantSameAsStd(t, data, &want, &b, func() error {
				for i := range want.Records {
					if want.Records[i].Op == "" {
						want.Records[i].Op = OpUpsert
					}
					var err error
					if want.Records[i].Attrs, err = normalizeAttrs(want.Records[i].Attrs); err != nil {
						return err
					}
				}
				return nil
			})
		}
	})
}

// wantSameAsStd checks the streaming JSON decoders against
// encoding/json: what they accept, json.Decoder (numbers as json.Number,
// unknown fields refused) accepts too, with the same value once fix
// has normalized it.
func wantSameAsStd(t *testing.T, data []byte, want, got any, fix func() error) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(want); err != nil {
		t.Fatalf("encoding/json refuses what the decoder accepted: %v", err)
	}
	if err := fix(); err != nil {
		t.Fatalf("encoding/json's value does not normalize: %v", err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("decoded\n got %#v\nwant %#v (encoding/json)", got, want)
	}
}

func FuzzDecodeBatchMsgpack(f *testing.F) {
	seed, _ := EncodeBatch(sampleBatch(), FormatMsgpack)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzBatch(t, data, FormatMsgpack) })
}

// fuzzPush checks that a push that decodes stays within the caps, and
// decodes the same again from its msgpack encoding.
func fuzzPush(t *testing.T, data []byte, f Format) {
	r, err := DecodePushRequest(data, f, fuzzCap)
	if err != nil {
		return
	}
	if len(r.Mutations) > fuzzCap {
		t.Fatalf("%d mutations decoded with a cap of %d", len(r.Mutations), fuzzCap)
	}
	for i, m := range r.Mutations {
		if len(m.Attrs) > MaxAttributes {
			t.Fatalf("mutation %d: %d attributes decoded", i, len(m.Attrs))
		}
	}
	enc, err := Marshal(r)
	if err != nil {
		t.Fatalf("decoded push does not encode: %v\n%#v", err, r)
	}
	again, err := DecodePushRequest(enc, FormatMsgpack, fuzzCap)
	if err != nil {
		t.Fatalf("re-encoded push does not decode: %v", err)
	}
	if len(again.Mutations) != len(r.Mutations) {
		t.Fatalf("round trip: %d mutations, want %d", len(again.Mutations), len(r.Mutations))
	}
}

func FuzzDecodePushRequestJSON(f *testing.F) {
	f.Add([]byte(`{"mutations":[{"id":"m1","entity":"task","rowId":"x","op":"create","attributes":{"a":1}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzPush(t, data, FormatJSON)
		if r, err := DecodePushRequest(data, FormatJSON, fuzzCap); err == nil {
			var want PushRequest
			wantSameAsStd(t, data, &want, &r, func() error {
				for i := range want.Mutations {
					var err error
					if want.Mutations[i].Attrs, err = normalizeAttrs(want.Mutations[i].Attrs); err != nil {
						return err
					}
				}
				return nil
			})
		}
	})
}

func FuzzDecodePushRequestMsgpack(f *testing.F) {
	f.Add(mustMarshal(f, PushRequest{Mutations: []Mutation{{ID: "a", Attrs: map[string]any{"x": int64(1)}}}}))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzPush(t, data, FormatMsgpack) })
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

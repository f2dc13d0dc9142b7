package codec

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// testDict is a dictionary of two entities and a business unit.
func testDict(t testing.TB, mv uint32) *Dict {
	t.Helper()
	bu, _ := GUIDBytes("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
	d, err := NewDict(mv, bu, []DictEntity{
		{Name: "account", Columns: []string{"name", "description"}},
		{Name: "task", Columns: []string{"subject"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDictContentIsExact pins the dictionary's bytes: a third-party
// client builds them from docs/protocol.md, so any change here is a
// protocol change.
func TestDictContentIsExact(t *testing.T) {
	want := "84a16ea76163636f756e74a570636f6c7391a46e616d65a170c4ab6465736372697074696f6ea170c4a4636f6c7392a46e616d65ab6465736372697074696f6ea175c4a172a3637574a3647565cf000001" +
		"84a16ea47461736ba570636f6c7391a77375626a656374a170c4a4636f6c7391a77375626a656374a175c4a172a3637574a3647565cf000001" +
		"85a176cda26d76ce00bc614ea26362c417a4726566739 2c4100f1e2d3c4b5a69788796a5b4c3d2e1f0a16591"
	want = string(bytes.ReplaceAll([]byte(want), []byte(" "), nil))
	if got := hex.EncodeToString(testDict(t, 12345678).Content()); got != want {
		t.Fatalf("dictionary bytes:\n got %s\nwant %s", got, want)
	}
	// The example of docs/protocol.md, and its name.
	bu, _ := GUIDBytes("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
	d, _ := NewDict(12345678, bu, []DictEntity{{Name: "task", Columns: []string{"subject"}}})
	const doc = "84a16ea47461736ba570636f6c7391a77375626a656374a170c4a4636f6c7391a77375626a656374a175c4a172a3637574a3647565cf00000185a176cda26d76ce00bc614ea26362c417a47265667392c4100f1e2d3c4b5a69788796a5b4c3d2e1f0a16591"
	if hex.EncodeToString(d.Content()) != doc || d.Name() != "12345678.70c727209080bbf6" {
		t.Fatalf("the example of docs/protocol.md: %x %s", d.Content(), d.Name())
	}
}

func TestDictRoundTripAndSmaller(t *testing.T) {
	d := testDict(t, 7)
	a := benchAnswerSmall()
	a.Entities = a.Entities[:1]
	a.Entities[0].Entity = "account"
	a.Entities[0].Rows = a.Entities[0].Rows[:1]
	a.Cursor, a.CursorBytes = "", bytes.Repeat([]byte{0x5a}, 23)
	body, err := MarshalCompact(&a)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := Compress(Zstd, nil, body)
	packed := CompressDict(d, nil, body)
	if len(packed) >= len(plain) {
		t.Fatalf("with the dictionary %d bytes, without %d", len(packed), len(plain))
	}
	out, err := DecompressDict(d, packed, 1<<20)
	if err != nil || !bytes.Equal(out, body) {
		t.Fatalf("round trip: %v", err)
	}
	res, err := DecodePullResponse(out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cursor != base64.RawURLEncoding.EncodeToString(a.CursorBytes) || res.CursorBytes != nil {
		t.Fatalf("cursor %q, bytes %x", res.Cursor, res.CursorBytes)
	}
	// Another dictionary (other metadata: another template) cannot read
	// it right, and plain zstd refuses it.
	other, _ := NewDict(7, nil, []DictEntity{{Name: "contact", Columns: []string{"fullname"}}})
	if out, err := DecompressDict(other, packed, 1<<20); err == nil && bytes.Equal(out, body) {
		t.Fatal("another dictionary decoded the answer")
	}
	if _, err := Decompress(Zstd, packed, 1<<20); err == nil {
		t.Fatal("plain zstd decoded an answer coded with a dictionary")
	}
	if _, err := DecompressDict(d, packed, int64(len(body)-1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
}

func TestNewDictRefusesBadInput(t *testing.T) {
	if _, err := NewDict(0, nil, nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("version 0: %v", err)
	}
	if _, err := NewDict(1, []byte{1, 2}, nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short business unit: %v", err)
	}
	d, err := NewDict(1, nil, nil)
	if err != nil || !bytes.Contains(d.Content(), make([]byte, 16)) {
		t.Fatalf("no business unit: %v", err)
	}
	// The name is the id and a hash of the bytes: same id, other
	// metadata, another name.
	a, b := testDict(t, 7), testDict(t, 7)
	other, _ := NewDict(7, nil, nil)
	if a.Name() != b.Name() || a.Name() == other.Name() || !strings.HasPrefix(a.Name(), "7.") || len(a.Name()) != 2+16 {
		t.Fatalf("names %q %q %q", a.Name(), b.Name(), other.Name())
	}
}

func TestDecodePullResponseRefusesTwoCursors(t *testing.T) {
	b, err := MarshalCompact(&PullResponse{Cursor: "abc", CursorBytes: []byte{1}, Entities: []EntityChanges{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodePullResponse(b); !errors.Is(err, ErrMalformed) {
		t.Fatalf("c and cb: %v", err)
	}
}

func FuzzDecompressDict(f *testing.F) {
	d := testDict(f, 7)
	for _, src := range [][]byte{nil, []byte("hello, hello, hello"), bytes.Repeat([]byte("abc"), 1000), d.Content()} {
		wire := CompressDict(d, nil, src)
		f.Add(wire)
	}
	f.Add(zstdRLEBomb(4<<20, 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := DecompressDict(d, data, 1<<20)
		if err != nil {
			return
		}
		wire := CompressDict(d, nil, out)
		again, err := DecompressDict(d, wire, int64(len(out)))
		if err != nil || !bytes.Equal(out, again) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// testMetadata is a msgpack metadata answer as the server sends it,
// with keys a dictionary does not need.
func testMetadata(t testing.TB, mv uint64, bu string) []byte {
	t.Helper()
	b, err := Marshal(map[string]any{
		"metadataVersion": mv, "profile": "Field Sales", "businessUnit": bu,
		"entities": []any{
			map[string]any{"name": "account", "ownership": "user", "windowDays": 0, "attributes": []any{
				map[string]any{"n": "name", "t": "string"}, map[string]any{"n": "description", "t": "string"}}},
			map[string]any{"name": "task", "attributes": []any{map[string]any{"n": "subject", "t": "string"}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDictFromMetadataIsNewDict(t *testing.T) {
	d, err := DictFromMetadata(testMetadata(t, 12345678, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"))
	if err != nil {
		t.Fatal(err)
	}
	if want := testDict(t, 12345678); d.ID != want.ID || !bytes.Equal(d.Content(), want.Content()) {
		t.Fatalf("dictionary from metadata differs:\n%x\n%x", d.Content(), want.Content())
	}
	for _, bad := range [][]byte{testMetadata(t, 0, ""), testMetadata(t, 1<<32, ""), testMetadata(t, 5, "not-a-guid"), []byte{0xc1}} {
		if _, err := DictFromMetadata(bad); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%x: %v", bad, err)
		}
	}
}

func FuzzDictFromMetadata(f *testing.F) {
	f.Add(testMetadata(f, 12345678, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"))
	f.Add(testMetadata(f, 1, ""))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DictFromMetadata(data)
		if err != nil {
			return
		}
		if d.ID == 0 || len(d.Content()) == 0 {
			t.Fatalf("dictionary %d of %d bytes", d.ID, len(d.Content()))
		}
	})
}

package codec

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

func sampleRow() Row {
	return Row{
		ID:                 "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
		OwnerID:            "user-1",
		OwningBusinessUnit: "bu-1",
		CreatedOn:          1700000000000,
		ModifiedOn:         -1,
		Version:            math.MaxUint64,
		Deleted:            true,
		Attrs: map[string]any{
			"small": int64(3), "neg": int64(-7), "byte": int64(200), "mid": int64(70000),
			"max": int64(math.MaxInt64), "min": int64(math.MinInt64),
			"half": 1.5, "two": 2.0, "zero": 0.0, "huge": 1e300, "tiny": -5e-324,
			"name": "Contoso Ltd", "empty": "", "unicode": "héllo ✓",
			"yes": true, "no": false, "gone": nil,
			"when": int64(1700000000123), "amount": "123.4500",
		},
	}
}

func TestRowRoundTrip(t *testing.T) {
	for _, in := range []Row{sampleRow(), {}, {ID: "x"}, {ID: "x", Attrs: map[string]any{"a": int64(0)}}} {
		var out Row
		if err := Unmarshal(mustMarshal(t, in), &out); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out, in) {
			t.Fatalf("round trip\n got %#v\nwant %#v", out, in)
		}
		for k, v := range out.Attrs { // DeepEqual checks types too; be explicit
			if reflect.TypeOf(v) != reflect.TypeOf(in.Attrs[k]) {
				t.Errorf("attribute %q: %T, want %T", k, v, in.Attrs[k])
			}
		}
	}
}

func TestRowNested(t *testing.T) {
	type msg struct {
		One  Row            `msgpack:"one"`
		Ptr  *Row           `msgpack:"ptr"`
		Nil  *Row           `msgpack:"nil"`
		Many []Row          `msgpack:"many"`
		ByID map[string]Row `msgpack:"by"`
		Any  any            `msgpack:"any"`
	}
	r := sampleRow()
	in := msg{One: r, Ptr: &r, Many: []Row{r, {ID: "b"}}, ByID: map[string]Row{"a": r}}
	var out msg
	if err := Unmarshal(mustMarshal(t, in), &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip\n got %#v\nwant %#v", out, in)
	}
}

// plainRow is Row without the registered codec: what the struct tags alone
// would put on the wire.
type plainRow struct {
	ID                 string         `msgpack:"id"`
	OwnerID            string         `msgpack:"o,omitempty"`
	OwningBusinessUnit string         `msgpack:"b,omitempty"`
	CreatedOn          int64          `msgpack:"c"`
	ModifiedOn         int64          `msgpack:"m"`
	Version            uint64         `msgpack:"v"`
	Deleted            bool           `msgpack:"d,omitempty"`
	Attrs              map[string]any `msgpack:"a,omitempty"`
}

func TestRowWireMatchesTags(t *testing.T) {
	r := sampleRow()
	var p plainRow
	if err := Unmarshal(mustMarshal(t, r), &p); err != nil {
		t.Fatal(err)
	}
	// Row writes small integers compactly, which a plain decoder reads as
	// uint64; normalizing gives the same values back.
	attrs, err := normalizeAttrs(p.Attrs)
	if err != nil {
		t.Fatal(err)
	}
	p.Attrs = attrs
	if got := Row(p); !reflect.DeepEqual(got, r) {
		t.Fatalf("struct-tag decode of Row bytes\n got %#v\nwant %#v", got, r)
	}
	var back Row
	if err := Unmarshal(mustMarshal(t, p), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Fatalf("Row decode of struct-tag bytes\n got %#v\nwant %#v", back, r)
	}
}

func TestRowDeterministic(t *testing.T) {
	a := sampleRow()
	b := a.Clone()
	b.Attrs = map[string]any{}
	for k, v := range a.Attrs {
		b.Attrs[k] = v
	}
	if !bytes.Equal(mustMarshal(t, a), mustMarshal(t, b)) {
		t.Fatal("equal rows encode differently")
	}
}

// foreignRow encodes attrs with a plain msgpack encoder, the way another
// implementation might, inside a Row-shaped map.
func foreignRow(t *testing.T, attrs map[string]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	if err := enc.Encode(map[string]any{"id": "x", "a": attrs}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRowDecodeNormalizes(t *testing.T) {
	b := foreignRow(t, map[string]any{
		"u8": uint8(200), "u64": uint64(1) << 63, "i8": int8(-3), "f32": float32(1.5),
		"bigint": uint64(math.MaxInt64), "s": "ok",
	})
	var r Row
	if err := Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"u8": int64(200), "u64": float64(1 << 63), "i8": int64(-3), "f32": 1.5,
		"bigint": int64(math.MaxInt64), "s": "ok",
	}
	if !reflect.DeepEqual(r.Attrs, want) {
		t.Fatalf("attrs\n got %#v\nwant %#v", r.Attrs, want)
	}
}

func TestRowDecodeRejects(t *testing.T) {
	for name, v := range map[string]any{
		"map":  map[string]any{"x": 1},
		"list": []any{1},
		"bin":  []byte{1},
		"time": time.Unix(1, 0),
		"nan":  math.NaN(),
		"inf":  math.Inf(1),
		"utf8": "\xff\xfe",
	} {
		var r Row
		err := Unmarshal(foreignRow(t, map[string]any{name: v}), &r)
		wantErr(t, err, ErrMalformed)
		if !strings.Contains(err.Error(), `attribute "`+name+`"`) {
			t.Errorf("%s: error %q does not name the attribute", name, err)
		}
	}
}

func TestRowEncodeRules(t *testing.T) {
	r := Row{ID: "x", Attrs: map[string]any{"i": 5, "i32": int32(-6), "u8": uint8(7), "f32": float32(0.5)}}
	var out Row
	if err := Unmarshal(mustMarshal(t, r), &out); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"i": int64(5), "i32": int64(-6), "u8": int64(7), "f32": 0.5}
	if !reflect.DeepEqual(out.Attrs, want) {
		t.Fatalf("attrs\n got %#v\nwant %#v", out.Attrs, want)
	}
	for name, v := range map[string]any{
		"list": []int{1}, "nan": math.NaN(), "utf8": "\xff", "time": time.Now(), "bytes": []byte("x"),
	} {
		_, err := Marshal(Row{ID: "x", Attrs: map[string]any{name: v}})
		wantErr(t, err, ErrMalformed)
	}
}

func TestRowEmptyAndNil(t *testing.T) {
	var out Row
	if err := Unmarshal(mustMarshal(t, Row{ID: "x", Attrs: map[string]any{}}), &out); err != nil {
		t.Fatal(err)
	}
	if out.Attrs != nil {
		t.Fatalf("empty attrs decoded as %#v, want nil", out.Attrs)
	}
	out = sampleRow()
	if err := Unmarshal([]byte{0xc0}, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, Row{}) {
		t.Fatalf("nil decoded as %#v", out)
	}
}

func TestRowSkipsUnknownFields(t *testing.T) {
	b := mustMarshal(t, map[string]any{"id": "x", "future": []any{"a", map[string]any{"b": 1}}, "v": 9})
	var r Row
	if err := Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.ID != "x" || r.Version != 9 {
		t.Fatalf("got %#v", r)
	}
}

func TestRowWrongFieldType(t *testing.T) {
	var r Row
	wantErr(t, Unmarshal(mustMarshal(t, map[string]any{"id": []any{1}}), &r), ErrMalformed)
	wantErr(t, Unmarshal(mustMarshal(t, []any{"x"}), &r), ErrMalformed)
}

func TestRowClone(t *testing.T) {
	r := sampleRow()
	c := r.Clone()
	c.Attrs["name"] = "changed"
	c.Attrs["new"] = int64(1)
	if r.Attrs["name"] != "Contoso Ltd" || r.Attrs["new"] != nil {
		t.Fatal("Clone shares Attrs with the original")
	}
	if (Row{}).Clone().Attrs != nil {
		t.Fatal("Clone of nil Attrs is not nil")
	}
}

package codec

import (
	"bytes"
	"reflect"
	"testing"
)

func TestMarshalDeterministic(t *testing.T) {
	a := map[string]any{}
	b := map[string]any{}
	for i := range 50 {
		k := string(rune('a'+i%26)) + string(rune('A'+i))
		a[k] = int64(i)
	}
	for k, v := range a { // a different insertion history
		b[k] = v
	}
	want := mustMarshal(t, a)
	for range 20 {
		if got := mustMarshal(t, b); !bytes.Equal(got, want) {
			t.Fatal("Marshal of equal maps gave different bytes")
		}
	}
}

func TestMarshalCallerOwnsBytes(t *testing.T) {
	first := mustMarshal(t, "first value")
	keep := bytes.Clone(first)
	_ = mustMarshal(t, "second, longer value that reuses the pooled buffer")
	if !bytes.Equal(first, keep) {
		t.Fatal("a later Marshal changed an earlier result")
	}
}

func TestAppendMarshal(t *testing.T) {
	dst := []byte("prefix")
	out, err := AppendMarshal(dst, int64(7))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("prefix")) {
		t.Fatalf("prefix lost: %q", out)
	}
	var v any
	if err := Unmarshal(out[len("prefix"):], &v); err != nil || v != int64(7) {
		t.Fatalf("got %#v, %v", v, err)
	}
	if _, err := AppendMarshal(dst, make(chan int)); err == nil {
		t.Fatal("marshalling a channel succeeded")
	}
}

func TestUnmarshalLooseTypes(t *testing.T) {
	in := map[string]any{
		"small": int64(3), "neg": int64(-5), "big": int64(1) << 40,
		"f": 1.5, "g": 2.0, "s": "x", "t": true, "nil": nil,
		"u": uint64(1) << 63, "nested": map[string]any{"i": int64(1)},
		"list": []any{int64(1), "two"},
	}
	var out any
	if err := Unmarshal(mustMarshal(t, in), &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, any(in)) {
		t.Fatalf("round trip\n got %#v\nwant %#v", out, in)
	}
}

func TestUnmarshalTruncated(t *testing.T) {
	full := mustMarshal(t, sampleRow())
	for n := range len(full) {
		var r Row
		wantErr(t, Unmarshal(full[:n], &r), ErrMalformed)
		var v any
		wantErr(t, Unmarshal(full[:n], &v), ErrMalformed)
	}
}

func TestUnmarshalTrailingData(t *testing.T) {
	b := append(mustMarshal(t, int64(1)), 0x01)
	var v any
	wantErr(t, Unmarshal(b, &v), ErrMalformed)
}

func TestUnmarshalBadCode(t *testing.T) {
	var v any
	wantErr(t, Unmarshal([]byte{0x91, 0xc1}, &v), ErrMalformed)
}

// TestUnmarshalHostileHeaders feeds headers that claim about 2^32 elements
// or bytes in a few bytes of input. msgpack v5 would preallocate from them.
func TestUnmarshalHostileHeaders(t *testing.T) {
	inputs := map[string][]byte{
		"array32": {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05},
		"map32":   {0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'k', 0x01, 0x02, 0x03},
		"str32":   {0xdb, 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd', 'e'},
		"bin32":   {0xc6, 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd', 'e'},
		"ext32":   {0xc9, 0xff, 0xff, 0xff, 0xff, 0x05, 'b', 'c', 'd', 'e'},
		"in-row":  {0x81, 0xa1, 'a', 0xdf, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02},
		"in-batch": {0x81, 0xa7, 'r', 'e', 'c', 'o', 'r', 'd', 's',
			0xdd, 0x7f, 0xff, 0xff, 0xff, 0xc0, 0xc0},
		"nested": {0x91, 0x91, 0x91, 0xdd, 0x00, 0x10, 0x00, 0x00, 0xc0},
	}
	targets := map[string]func() any{
		"any":      func() any { return new(any) },
		"[]any":    func() any { return new([]any) },
		"[]int":    func() any { return new([]int) },
		"[]Record": func() any { return new([]Record) },
		"map":      func() any { return new(map[string]any) },
		"Row":      func() any { return new(Row) },
		"Batch":    func() any { return new(Batch) },
		"[][]Row":  func() any { return new([][][]Row) },
	}
	for name, in := range inputs {
		for tname, target := range targets {
			var err error
			n := allocated(func() { err = Unmarshal(in, target()) })
			if err == nil {
				t.Errorf("%s into %s: no error", name, tname)
			}
			wantErr(t, err, ErrMalformed)
			if n > 1<<20 {
				t.Errorf("%s into %s: allocated %d bytes", name, tname, n)
			}
		}
	}
	if _, err := DecodeBatch(inputs["in-batch"], FormatMsgpack, 5000); err == nil {
		t.Error("DecodeBatch accepted a hostile records header")
	}
}

func TestUnmarshalDepth(t *testing.T) {
	nest := func(depth int) []byte {
		b := bytes.Repeat([]byte{0x91}, depth)
		return append(b, 0xc0)
	}
	var v any
	if err := Unmarshal(nest(maxDepth), &v); err != nil {
		t.Fatalf("depth %d: %v", maxDepth, err)
	}
	wantErr(t, Unmarshal(nest(maxDepth+1), &v), ErrMalformed)
	wantErr(t, Unmarshal(nest(1<<20), &v), ErrMalformed)
}

func TestUnmarshalEmpty(t *testing.T) {
	var v any
	wantErr(t, Unmarshal(nil, &v), ErrMalformed)
}

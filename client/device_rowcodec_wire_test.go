package client

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/offsync/offsync/codec"
	"pgregory.net/rapid"
)

// wireValueGen draws wire values of every kind a pull answer carries, and
// some it should not (invalid UTF-8, non-finite floats, short GUIDs,
// nested values).
func wireValueGen(bad bool) *rapid.Generator[any] {
	good := []*rapid.Generator[any]{
		rapid.Just[any](nil),
		rapid.Map(rapid.Bool(), func(b bool) any { return b }),
		rapid.Map(rapid.Int64(), func(n int64) any { return n }),
		rapid.Map(rapid.SampledFrom([]int64{math.MinInt64, math.MaxInt64, -33, -32, -31, -129, -128, 127, 128, 255, 256, 65535, 65536, 1 << 32}), func(n int64) any { return n }),
		rapid.Map(rapid.Int32(), func(n int32) any { return n }),
		rapid.Map(rapid.Uint64(), func(n uint64) any { return n }),
		rapid.Map(rapid.Uint8(), func(n uint8) any { return n }),
		rapid.Map(rapid.Float64().Filter(func(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) }), func(f float64) any { return f }),
		rapid.Map(rapid.Float32().Filter(func(f float32) bool { return !math.IsInf(float64(f), 0) && !math.IsNaN(float64(f)) }), func(f float32) any { return f }),
		rapid.Map(rapid.String(), func(s string) any { return s }),
		rapid.Map(rapid.StringN(200, 70000, -1), func(s string) any { return s }),
		rapid.Map(rapid.SliceOfN(rapid.Byte(), 16, 16), func(b []byte) any { return b }),
	}
	if bad {
		good = append(good,
			rapid.Just[any]("\xff"),
			rapid.Just[any](math.Inf(1)),
			rapid.Just[any](math.NaN()),
			rapid.Just[any]([]byte{1, 2, 3}),
			rapid.Just[any]([]any{int64(1)}),
		)
	}
	return rapid.OneOf(good...)
}

// TestWireRowsEncodeAsMarshalRow: a wire row written straight to the
// local encoding (appendWireRow) gives exactly the bytes of the Row that
// decodeWireRow makes of it, encoded by codec.MarshalRow, and is refused
// when that path refuses it; localModifiedOn reads its modifiedon, and
// that of the reflective encoding older stores hold.
func TestWireRowsEncodeAsMarshalRow(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		bad := rapid.Bool().Draw(t, "bad")
		cols := rapid.SliceOfDistinct(rapid.StringMatching(`[a-z_]{0,40}`), func(s string) string { return s }).Draw(t, "cols")
		refs := []string{"00000000-0000-4000-8000-000000000001", "owner ü"}
		id := rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "id")
		w := []any{id, rapid.Int64Range(-1, 1).Draw(t, "o"), rapid.Int64Range(-1, 1).Draw(t, "b"),
			rapid.Int64().Draw(t, "c"), rapid.Int64().Draw(t, "m"), rapid.Int64().Draw(t, "v")}
		for range cols {
			w = append(w, wireValueGen(bad).Draw(t, "value"))
		}

		row, slowErr := decodeWireRow(w, cols, refs)
		var want []byte
		if slowErr == nil {
			want, slowErr = encodeLocalRow(&row)
		}
		wc := newWireCols(cols)
		h, err := decodeWireHead(w, len(cols), refs)
		if err != nil {
			t.Fatalf("head: %v", err)
		}
		got, fastErr := appendWireRow([]byte("prefix"), &h, w, &wc)
		if (slowErr == nil) != (fastErr == nil) {
			t.Fatalf("MarshalRow path: %v; direct: %v", slowErr, fastErr)
		}
		if fastErr != nil {
			if !errors.Is(fastErr, ErrResponse) {
				t.Fatalf("refused without ErrResponse: %v", fastErr)
			}
			return
		}
		if !bytes.Equal(got[:6], []byte("prefix")) || !bytes.Equal(got[6:], want) {
			t.Fatalf("direct encoding\n%x\nMarshalRow\n%x", got[6:], want)
		}
		old, err := codec.Marshal(row) // the reflective encoding of Row
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range [][]byte{want, old} {
			m, err := localModifiedOn(b)
			if err != nil || m != row.ModifiedOn {
				t.Fatalf("localModifiedOn = %d, %v; want %d", m, err, row.ModifiedOn)
			}
			if _, ok := scanModifiedOn(b); !ok {
				t.Fatalf("scanModifiedOn fell back on %x", b)
			}
		}
	})
}

// TestWireColsWithDuplicateNames: an entity whose columns repeat a name
// goes through decodeWireRow (the last non-nil value wins), as before.
func TestWireColsWithDuplicateNames(t *testing.T) {
	if c := newWireCols([]string{"b", "a", "b"}); !c.dup || c.names[c.order[0]] != "a" {
		t.Fatalf("cols %+v", c)
	}
	if c := newWireCols([]string{"b", "a", "c"}); c.dup {
		t.Fatalf("cols %+v", c)
	}
}

// FuzzLocalModifiedOn: reading the modifiedon of any bytes never panics,
// and agrees with decoding the row for any row a store holds (the bytes
// are a row's encoding).
func FuzzLocalModifiedOn(f *testing.F) {
	r := Row{ID: "00000000-0000-4000-8000-000000000001", OwnerID: "o", CreatedOn: -1, ModifiedOn: 1 << 40, Version: 3,
		Attrs: map[string]any{"x": "y"}}
	b, _ := encodeLocalRow(&r)
	f.Add(b)
	old, _ := codec.Marshal(r)
	f.Add(old)
	f.Add([]byte{0x81, 0xa1, 'm', 0xd3, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := localModifiedOn(b)
		var r Row
		if decodeLocalRow(b, &r) != nil {
			return
		}
		if canon, cerr := encodeLocalRow(&r); cerr != nil || !bytes.Equal(canon, b) {
			return
		}
		if err != nil || m != r.ModifiedOn {
			t.Fatalf("localModifiedOn %d, %v; decoded row %d", m, err, r.ModifiedOn)
		}
	})
}

package codec

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// FuzzDecodeColumns decodes hostile blocks: a block that decodes stays
// within the decoder's bound (at most 8 values a byte, plus the system
// fields), and encodes and decodes again to the same rows. Seeds are in
// testdata/fuzz/FuzzDecodeColumns.
func FuzzDecodeColumns(f *testing.F) {
	good, width := validBlock(f)
	f.Add(good, uint8(width))
	small := benchAnswerSmall().Entities[0]
	if b, err := AppendColumns(nil, small.Rows, systemColumns+len(small.Columns)); err == nil {
		f.Add(b, uint8(systemColumns+len(small.Columns)))
	}
	derived := derivedRows(rand.New(rand.NewPCG(5, 6)), 60)
	if b, err := appendColumnsDerive(nil, derived, systemColumns+6, nil, true); err == nil {
		f.Add(b, uint8(systemColumns+6))
	}
	f.Fuzz(func(t *testing.T, data []byte, w uint8) {
		width := int(w)
		rows, err := DecodeColumns(data, width)
		if err != nil {
			return
		}
		if cells := len(rows) * width; cells > 8*len(data)+48 {
			t.Fatalf("%d bytes decoded to %d values", len(data), cells)
		}
		enc, err := AppendColumns(nil, rows, width)
		if err != nil {
			t.Fatalf("decoded rows do not encode: %v", err)
		}
		again, err := DecodeColumns(enc, width)
		if err != nil {
			t.Fatalf("re-encoded rows do not decode: %v", err)
		}
		if len(rows) > 0 && !reflect.DeepEqual(rows, again) {
			t.Fatalf("round trip\n got %#v\nwant %#v", again, rows)
		}
		derived, err := appendColumnsDerive(nil, rows, width, nil, true)
		if err != nil {
			t.Fatalf("decoded rows do not encode with derived columns: %v", err)
		}
		if again, err = DecodeColumns(derived, width); err != nil {
			t.Fatalf("rows encoded with derived columns do not decode: %v", err)
		}
		if len(rows) > 0 && !reflect.DeepEqual(rows, again) {
			t.Fatalf("round trip with derived columns\n got %#v\nwant %#v", again, rows)
		}
	})
}

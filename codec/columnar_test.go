package codec

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// genColumn draws a generator for one attribute column: a type, and how
// often its value is null.
func genColumn(t *rapid.T, name string) func(*rapid.T, string) any {
	nulls := rapid.Float64Range(0, 1).Draw(t, name+" nulls")
	var gen *rapid.Generator[any]
	switch rapid.IntRange(0, 8).Draw(t, name+" type") {
	case 0:
		gen = rapid.Map(rapid.Bool(), func(b bool) any { return b })
	case 1: // extreme and ordinary integers, as choices and dates are
		gen = rapid.Map(rapid.OneOf(rapid.Int64(), rapid.Int64Range(-3, 3), rapid.SampledFrom([]int64{math.MinInt64, math.MaxInt64, 0, -1}),
			rapid.Map(rapid.Int64Range(0, 1<<20), func(d int64) int64 { return 1767225600000 + d*86400000 })), func(n int64) any { return n })
	case 2:
		gen = rapid.Map(rapid.OneOf(rapid.Float64(), rapid.SampledFrom([]float64{0, -0.5, math.MaxFloat64, -math.SmallestNonzeroFloat64})),
			func(f float64) any { return f })
	case 3: // unicode, empty, and repeated strings
		gen = rapid.Map(rapid.OneOf(rapid.String(), rapid.SampledFrom([]string{"", "Redmond", "München", "東京", "a\x00b"})), func(s string) any { return s })
	case 4: // decimals: few and many digits, one scale per column or not
		gen = rapid.Map(rapid.OneOf(
			rapid.Map(rapid.Int64(), func(n int64) string { return formatDecimal(n, 2) }),
			rapid.Map(rapid.Int64Range(-100000, 100000), func(n int64) string { return formatDecimal(n, 4) }),
			rapid.SampledFrom([]string{"0.00", "-0.00", "1500000.00", "12345678901234567890123456.1234567890", "007", "-0", "1.", ".5", "1e5"})),
			func(s string) any { return s })
	case 5:
		gen = rapid.Map(rapid.SliceOfN(rapid.Byte(), 16, 16), func(b []byte) any { return b })
	case 6: // a lookup: few distinct GUIDs
		gen = rapid.Map(rapid.SampledFrom([]byte{1, 2, 3}), func(b byte) any { return bytes.Repeat([]byte{b}, 16) })
	case 7: // several types in one column
		gen = rapid.OneOf(rapid.Map(rapid.Int64(), func(n int64) any { return n }), rapid.Map(rapid.String(), func(s string) any { return s }),
			rapid.Map(rapid.Bool(), func(b bool) any { return b }), rapid.Map(rapid.Float64(), func(f float64) any { return f }),
			rapid.Map(rapid.SliceOfN(rapid.Byte(), 0, 20), func(b []byte) any { return b }),
			rapid.Just[any](uint64(math.MaxUint64)))
	default:
		gen = rapid.Just[any](nil)
	}
	return func(t *rapid.T, label string) any {
		if rapid.Float64Range(0, 1).Draw(t, label+" null?") < nulls {
			return nil
		}
		v := gen.Draw(t, label)
		if f, ok := v.(float64); ok && !finite(f) {
			return 0.0
		}
		return v
	}
}

// TestColumnsRoundTrip checks decode(encode(rows)) == rows for random
// rows of every type, with nulls, and that encoding is deterministic.
func TestColumnsRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		width := systemColumns + rapid.IntRange(0, 8).Draw(t, "attributes")
		cols := make([]func(*rapid.T, string) any, width)
		for c := systemColumns; c < width; c++ {
			cols[c] = genColumn(t, "col"+string(rune('a'+c)))
		}
		created := rapid.Int64().Draw(t, "createdon base")
		rows := make([][]any, rapid.IntRange(0, 40).Draw(t, "rows"))
		for i := range rows {
			r := make([]any, width)
			r[0] = rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "id")
			r[1] = rapid.Int64Range(-1, 40).Draw(t, "owner")
			r[2] = rapid.Int64Range(-1, 3).Draw(t, "bu")
			r[3] = created + 1000*rapid.Int64Range(0, 1<<30).Draw(t, "createdon")
			r[4] = rapid.Int64().Draw(t, "modifiedon")
			r[5] = rapid.Int64Range(0, math.MaxInt64).Draw(t, "version")
			for c := systemColumns; c < width; c++ {
				r[c] = cols[c](t, "value")
			}
			rows[i] = r
		}
		enc, err := AppendColumns(nil, rows, width)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := AppendColumns([]byte{7}, rows, width)
		if !bytes.Equal(again[1:], enc) {
			t.Fatal("encoding is not deterministic")
		}
		got, err := DecodeColumns(enc, width)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if len(rows) == 0 && len(got) == 0 {
			return
		}
		if !reflect.DeepEqual(got, rows) {
			for i := range rows {
				for c := range rows[i] {
					if !reflect.DeepEqual(got[i][c], rows[i][c]) {
						t.Fatalf("row %d column %d: got %#v, want %#v", i, c, got[i][c], rows[i][c])
					}
				}
			}
			t.Fatalf("got %#v\nwant %#v", got, rows)
		}
	})
}

// kindOf encodes one attribute column of values and returns its tag.
func kindOf(t *testing.T, vals ...any) byte {
	t.Helper()
	rows := make([][]any, len(vals))
	for i, v := range vals {
		rows[i] = []any{make([]byte, 16), int64(0), int64(0), int64(0), int64(0), int64(0), v}
	}
	var ce colEncoder
	b, err := ce.column(nil, rows, systemColumns)
	if err != nil {
		t.Fatal(err)
	}
	return b[0]
}

// spread is n integers from base over a range, in no order, with a gcd
// of 1.
func spread(n int, base, width int64) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = base + (int64(i)*7_919_000_001)%width
	}
	return out
}

func TestColumnKinds(t *testing.T) {
	day := int64(86400000)
	for _, c := range []struct {
		name string
		vals []any
		want byte
	}{
		{"money", []any{"1500000.00", "-0.05", "12.10"}, colDecimal},
		{"money with a null", []any{"1500000.00", nil, "12.10"}, colDecimal | colNulls},
		{"mixed scales", []any{"1.5", "1.50"}, colStringSplit},
		{"negative zero", []any{"-0.00", "1.00"}, colStringSplit},
		{"repeated", []any{"Redmond", "Redmond", "Redmond", "Seattle"}, colStringDictSplit},
		{"few repeats", []any{"Redmond", "Redmond", "Seattle", "Denver", "Austin"}, colStringSplit},
		{"distinct", []any{"Contoso", "Fabrikam"}, colStringSplit},
		{"dates", []any{1767225600000, 1767225600000 + 3*day, 1767225600000 + 40*day}, colIntFrame},
		{"times over a range", spread(20, 1767225600000, 7_000_000_000), colIntPacked},
		{"money in hundreds", []any{"65000.00", "160000.00", "1200.00", "7000000.00"}, colDecimalInts},
		{"ascending", []any{int64(1000000), int64(1000001), int64(1000003)}, colIntDelta},
		{"choices", []any{int64(1), int64(0), int64(2)}, colInt},
		{"bools", []any{true, false, nil}, colBool | colNulls},
		{"floats", []any{0.5, 47.6}, colFloat},
		{"lookups", []any{bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, 16)}, colGUIDDict},
		{"guids", []any{bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, 16)}, colGUID},
		{"several types", []any{int64(1), "one"}, colAny},
		{"all cleared", []any{nil, nil}, colAny | colNulls},
	} {
		if got := kindOf(t, c.vals...); got != c.want {
			t.Errorf("%s: kind 0x%02x, want 0x%02x", c.name, got, c.want)
		}
	}
}

// TestPackedBits: values of every width from 1 to 64 bits pack into
// ceil(m*w/8) bytes and read back, for counts that end on and off a
// byte; the doc's example (docs/protocol.md) packs to its bytes.
func TestPackedBits(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	for w := 1; w <= 64; w++ {
		for _, m := range []int{1, 7, 8, 9, 64, 101} {
			xs := make([]uint64, m)
			for i := range xs {
				xs[i] = rng.Uint64() >> (64 - w)
			}
			xs[0] = math.MaxUint64 >> (64 - w) // the widest value
			b := appendPacked(nil, w, m, func(i int) uint64 { return xs[i] })
			if len(b) != (m*w+7)/8 {
				t.Fatalf("w %d, m %d: %d bytes", w, m, len(b))
			}
			r := colReader{b: b}
			var got []uint64
			r.packed(m, w, func(x uint64) { got = append(got, x) })
			if r.err != nil || len(r.b) != 0 || !slices.Equal(got, xs) {
				t.Fatalf("w %d, m %d: read %v (%v), wrote %v", w, m, got, r.err, xs)
			}
		}
	}
	if b := appendPacked(nil, 3, 3, func(i int) uint64 { return []uint64{5, 1, 6}[i] }); !bytes.Equal(b, []byte{0x8d, 0x01}) {
		t.Fatalf("5 1 6 in 3 bits: % x, the doc says 8d 01", b)
	}
}

// TestIntColumnsRoundTrip: random integer and decimal columns, of
// ranges that make each integer kind the smallest, with nulls, decode
// to what was encoded.
func TestIntColumnsRoundTrip(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 4))
	kinds := map[byte]bool{}
	for range 400 {
		n := 1 + rng.IntN(70)
		spread := int64(1) << rng.IntN(63)
		base := rng.Int64() >> rng.IntN(64)
		step := []int64{1, 1000, 86_400_000}[rng.IntN(3)]
		scale := rng.IntN(4)
		rows := make([][]any, n)
		for i := range rows {
			var v, d any
			if rng.IntN(5) > 0 {
				v = base + step*rng.Int64N(spread)
				d = formatDecimal(rng.Int64N(spread)-spread/2, scale)
			}
			rows[i] = []any{bytes.Repeat([]byte{byte(i)}, 16), int64(0), int64(0), int64(0), int64(0), int64(0), v, d}
		}
		b, err := AppendColumns(nil, rows, 8)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeColumns(b, 8)
		if err != nil || !reflect.DeepEqual(got, rows) {
			t.Fatalf("decoded %v (%v), want %v", got, err, rows)
		}
		var ce colEncoder
		for c := 6; c < 8; c++ {
			col, _ := ce.column(nil, rows, c)
			kinds[col[0]&^colNulls] = true
		}
	}
	for _, k := range []byte{colInt, colIntDelta, colIntFrame, colIntPacked, colDecimal, colDecimalInts} {
		if !kinds[k] {
			t.Errorf("no column of kind %d in the runs (%v)", k, kinds)
		}
	}
}

// validBlock is a two-row block of every kind of attribute column.
func validBlock(t testing.TB) ([]byte, int) {
	t.Helper()
	g := func(b byte) []byte { return bytes.Repeat([]byte{b}, 16) }
	rows := [][]any{
		{g(1), int64(0), int64(1), int64(1767225600000), int64(1767225601000), int64(7), true, int64(5), 0.5, "München", "Redmond", "12.50", g(9), g(8), int64(1), nil},
		{g(2), int64(-1), int64(1), int64(1767225600000), int64(1767225602000), int64(8), nil, int64(-5), 1.5, "", "Redmond", "-0.05", nil, g(8), "x", nil},
	}
	b, err := AppendColumns(nil, rows, len(rows[0]))
	if err != nil {
		t.Fatal(err)
	}
	return b, len(rows[0])
}

func TestDecodeColumnsRefusesBadBlocks(t *testing.T) {
	good, width := validBlock(t)
	if _, err := DecodeColumns(good, width); err != nil {
		t.Fatal(err)
	}
	for i := range good { // every truncation
		if _, err := DecodeColumns(good[:i], width); err == nil {
			t.Fatalf("%d of %d bytes decoded", i, len(good))
		}
	}
	row := func(cols ...byte) []byte { // one row: system columns, then cols
		b := []byte{1, colGUID}
		b = append(b, make([]byte, 16)...)
		for range 5 {
			b = append(b, colInt, 0)
		}
		return append(b, cols...)
	}
	bad := map[string]struct {
		b     []byte
		width int
	}{
		"trailing byte":       {append(append([]byte(nil), good...), 0), width},
		"wrong width":         {good, width - 1},
		"unknown kind":        {row(0x7f, 0), 7},
		"padding bits":        {row(colBool, 0x02), 7},
		"null bitmap padding": {row(colInt|colNulls, 0x03, 0), 7},
		"null id":             {append([]byte{1, colGUID | colNulls, 0}, make([]byte, 10)...), 6},
		"id of ints":          {append([]byte{1, colInt}, make([]byte, 20)...), 6},
		"dictionary index":    {row(colStringDict, 1, 1, 'a', 1), 7},
		"zero step":           {row(colIntFrame, 0, 0, 0), 7},
		"packed zero step":    {row(colIntPacked, 0, 0, 1, 0), 7},
		"packed width 0":      {row(colIntPacked, 0, 1, 0), 7},
		"packed width 65":     {row(colIntPacked, 0, 1, 65, 0, 0, 0, 0, 0, 0, 0, 0, 0), 7},
		"packed padding":      {row(colIntPacked, 0, 1, 3, 0x08), 7},
		"packed short":        {row(colIntPacked, 0, 1, 9, 0xff), 7},
		"decimal inner kind":  {row(colDecimalInts, 2, colString, 0), 7},
		"decimal scale":       {row(colDecimalInts, 31, colInt, 0), 7},
		"packed id column":    {append([]byte{1, colIntPacked, 0, 1, 1, 0}, make([]byte, 20)...), 6},
		"lengths kind":        {row(colStringSplit, colString, 0), 7},
		"length past end":     {row(colStringSplit, colInt, 0x10, 'a'), 7},
		"negative length":     {row(colStringSplit, colInt, 0x01), 7},
		"split invalid UTF-8": {row(colStringSplit, colInt, 0x02, 0xff), 7},
		"text split inside a character": {func() []byte {
			b := append([]byte{2, colGUID}, make([]byte, 32)...)
			for range 5 {
				b = append(b, colInt, 0, 0)
			}
			return append(b, colStringSplit, colInt, 0x02, 0x02, 0xc3, 0xa9)
		}(), 7},
		"dict index out of range": {row(colStringDictSplit, 1, colInt, 0x02, 'a', colInt, 0x02), 7},
		"dict negative index":     {row(colStringDictSplit, 1, colInt, 0x02, 'a', colInt, 0x01), 7},
		"dict index kind":         {row(colStringDictSplit, 1, colInt, 0x02, 'a', colString, 0), 7},
		"dict huge count":         {row(colStringDictSplit, 0xff, 0xff, 0x03, colInt, 0), 7},
		"scale":                   {row(colDecimal, 31, 0), 7},
		"infinite float":          {row(append([]byte{colFloat}, binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.Inf(1)))...)...), 7},
		"invalid UTF-8":           {row(colString, 1, 0xff), 7},
		"nil in any":              {row(colAny, 0xc0), 7},
		"rows beyond bytes":       {[]byte{0xff, 0xff, 0xff, 0xff, 0x0f, colGUID}, 6},
		"huge dictionary":         {row(colGUIDDict, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0), 7},
		"huge string":             {row(colString, 0xff, 0xff, 0xff, 0xff, 0x0f, 'a'), 7},
	}
	for name, c := range bad {
		if _, err := DecodeColumns(c.b, c.width); err == nil {
			t.Errorf("%s: decoded", name)
		} else if !strings.Contains(err.Error(), ErrMalformed.Error()) {
			t.Errorf("%s: %v, want malformed", name, err)
		}
	}
}

// TestDecodeColumnsCostIsLinear decodes the most expensive block per
// byte there is, a block of many rows and many columns that are all null
// but for one value (a bitmap byte per 8 cells), and checks what the
// decoder allocates against the block's length.
func TestDecodeColumnsCostIsLinear(t *testing.T) {
	const n, attrs = 2048, 200
	b := binary.AppendUvarint(nil, n)
	b = append(b, colGUID)
	b = append(b, make([]byte, 16*n)...)
	for range 5 {
		b = append(b, colIntFrame, 0, 1)
		b = append(b, make([]byte, n)...)
	}
	for range attrs {
		b = append(b, colBool|colNulls, 1)
		b = append(b, make([]byte, n/8-1)...)
		b = append(b, 0)
	}
	var err error
	used := allocated(func() { _, err = DecodeColumns(b, systemColumns+attrs) })
	if err != nil {
		t.Fatal(err)
	}
	if per := float64(used) / float64(len(b)); per > 200 {
		t.Fatalf("decoding %d bytes allocated %d (%.0f a byte)", len(b), used, per)
	}
}

func TestEntityChangesWire(t *testing.T) {
	a := benchAnswerSmall()
	a.Entities[0].Patches = a.Entities[0].Rows[:2]
	a.Entities[0].PatchColumns = a.Entities[0].Columns
	b, err := MarshalCompact(&a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePullResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Entities, a.Entities) {
		t.Fatalf("entities differ:\n got %#v\nwant %#v", got.Entities, a.Entities)
	}
	// A key from a newer server is skipped; rows in the old row-major
	// form are refused, not misread.
	var m map[string]any
	if err := Unmarshal(mustMarshal(t, a.Entities[0]), &m); err != nil {
		t.Fatal(err)
	}
	m["new"] = []any{1, "x"}
	delete(m, "p")
	delete(m, "pcols")
	var ec EntityChanges
	if err := Unmarshal(mustMarshal(t, m), &ec); err != nil || len(ec.Rows) != 5 || len(ec.Patches) != 0 {
		t.Fatalf("with an unknown key: %d rows, %v", len(ec.Rows), err)
	}
	m["u"] = []any{[]any{make([]byte, 16), 0, 0, 1, 2, 3}}
	if err := Unmarshal(mustMarshal(t, m), &ec); err == nil {
		t.Fatal("row-major u decoded")
	}
}

// TestRepeatedIDsDecode: a block whose ids repeat (kind colGUIDDict, a
// byte a row) decodes: the decoder's bound on rows is what the encoder
// can write.
func TestRepeatedIDsDecode(t *testing.T) {
	id := bytes.Repeat([]byte{7}, 16)
	rows := make([][]any, 40)
	for i := range rows {
		rows[i] = []any{id, int64(0), int64(0), int64(0), int64(0), int64(0)}
	}
	b, err := AppendColumns(nil, rows, systemColumns)
	if err != nil {
		t.Fatal(err)
	}
	if b[1] != colGUIDDict {
		t.Fatalf("ids of kind %d", b[1])
	}
	got, err := DecodeColumns(b, systemColumns)
	if err != nil || !reflect.DeepEqual(got, rows) {
		t.Fatalf("decoded %d rows: %v", len(got), err)
	}
}

package codec

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"
)

// derivedRows are n rows of width systemColumns+6: city (few values,
// some null), state (follows from the city), country (follows from the
// state), first name (some null), last name, full name (first and last
// joined by a space, a few written otherwise).
func derivedRows(rng *rand.Rand, n int) [][]any {
	cities := []string{"Houston", "Dallas", "Oslo", "Bergen", "Lyon"}
	state := map[string]string{"Houston": "TX", "Dallas": "TX", "Oslo": "Oslo", "Bergen": "Vestland", "Lyon": "ARA"}
	country := map[string]string{"TX": "United States", "Oslo": "Norway", "Vestland": "Norway", "ARA": "France"}
	firsts := []string{"Ann", "Bo", "Chiara", "Dev", "Émile"}
	rows := make([][]any, n)
	for i := range rows {
		id := make([]byte, 16)
		for j := range id {
			id[j] = byte(rng.Uint32())
		}
		r := []any{id, int64(0), int64(0), int64(1000 + i), int64(2000 + i), int64(i), nil, nil, nil, nil, fmt.Sprintf("Last%d", rng.IntN(n)), nil}
		if k := rng.IntN(len(cities) + 1); k < len(cities) {
			r[6], r[7], r[8] = cities[k], state[cities[k]], country[state[cities[k]]]
		}
		if k := rng.IntN(len(firsts) + 1); k < len(firsts) {
			r[9] = firsts[k]
		}
		r[11] = joinOf(r[9], r[10], " ")
		if rng.IntN(10) == 0 {
			r[11] = "Dr. " + r[11].(string)
		}
		rows[i] = r
	}
	return rows
}

// TestDerivedColumnsRoundTrip: with the derived kinds allowed, a column
// that follows from an earlier one is coded as colMapped, one that joins
// two earlier ones as colJoined, the block is smaller than without
// them, and it decodes to the same rows; without them (AppendColumns,
// MarshalAnswer) neither kind is written.
func TestDerivedColumnsRoundTrip(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	for range 20 {
		n := 1 + rng.IntN(300)
		rows := derivedRows(rng, n)
		width := systemColumns + 6
		var kinds []byte
		block, err := appendColumnsDerive(nil, rows, width, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeColumns(block, width)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, rows) {
			t.Fatalf("%d rows: round trip differs", n)
		}
		plain, err := AppendColumns(nil, rows, width)
		if err != nil {
			t.Fatal(err)
		}
		kinds = columnKinds(t, block, width)
		if n >= 50 {
			if kinds[7] != colMapped || kinds[8] != colMapped || kinds[11] != colJoined {
				t.Fatalf("%d rows: kinds %v, want state and country mapped, full name joined", n, kinds)
			}
			if len(block) >= len(plain) {
				t.Fatalf("%d rows: %d bytes with derived columns, %d without", n, len(block), len(plain))
			}
		}
		for c, k := range columnKinds(t, plain, width) {
			if k == colMapped || k == colJoined {
				t.Fatalf("AppendColumns wrote column %d as kind %d", c, k)
			}
		}
	}
}

// columnKinds returns the kind of each column of a block, read with the
// decoder's own reader.
func columnKinds(t *testing.T, block []byte, width int) []byte {
	t.Helper()
	var kinds []byte
	for c := range width {
		var cuts []int
		_ = cuts
		r := colReader{b: block}
		n := int(r.uvarint())
		cells := make([]any, n*width)
		for j := 0; j < c; j++ {
			if err := r.column(cells, n, width, j); err != nil {
				t.Fatal(err)
			}
		}
		kinds = append(kinds, r.b[0]&^colNulls)
	}
	return kinds
}

// TestMarshalPageDerives: MarshalPage may write the derived kinds,
// MarshalAnswer never; both decode to the same answer.
func TestMarshalPageDerives(t *testing.T) {
	rows := derivedRows(rand.New(rand.NewPCG(3, 4)), 200)
	pr := PullResponse{Version: 1, Entities: []EntityChanges{{Entity: "contact", Rows: rows,
		Columns: []string{"city", "state", "country", "first", "last", "full"}, NextDue: 1}}}
	page, err := MarshalPage(&pr)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := MarshalAnswer(&pr)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Body) >= len(ans.Body) {
		t.Fatalf("page %d bytes, answer %d", len(page.Body), len(ans.Body))
	}
	a, err := DecodePullResponse(ans.Body)
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodePullResponse(page.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, p) {
		t.Fatal("the page and the answer decode differently")
	}
}

// TestDerivedColumnsRefused: derived columns that break the rules make
// the block malformed.
func TestDerivedColumnsRefused(t *testing.T) {
	id := bytes.Repeat([]byte{7}, 16)
	head := append([]byte{2, colGUID}, append(append([]byte{}, id...), id...)...)
	head = append(head, colInt, 0, 0, colInt, 0, 0, colInt, 2, 2, colInt, 2, 2, colInt, 2, 2)
	str := []byte{colString, 1, 'a', 1, 'b'} // column 6: "a", "b"
	for name, tail := range map[string][]byte{
		"mapped with a bitmap":        {colMapped | colNulls, 3, 6, colString, 1, 'x', 1, 'y'},
		"mapped from itself":          {colMapped, 7, colString, 1, 'x', 1, 'y'},
		"mapped from a system column": {colMapped, 5, colString, 1, 'x'},
		"mapped, nested mapped":       {colMapped, 6, colMapped, 6},
		"mapped, nested too short":    {colMapped, 6, colString, 1, 'x'},
		"joined from a later column":  {colJoined, 6, 7, 0, 0, colAny},
		"joined, long separator":      {colJoined, 6, 6, 9, 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 0, colAny},
		"joined, bad separator":       {colJoined, 6, 6, 1, 0xff, 0, colAny},
		"joined, exception not text":  {colJoined, 6, 6, 0, 1, colInt, 2},
		"joined, too few exceptions":  {colJoined, 6, 6, 0, 3, colString, 1, 'z'},
	} {
		block := append(append(append([]byte{}, head...), str...), tail...)
		if _, err := DecodeColumns(block, systemColumns+2); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	ok := append(append(append([]byte{}, head...), str...), colJoined, 6, 6, 1, '-', 0, colAny)
	rows, err := DecodeColumns(ok, systemColumns+2)
	if err != nil || rows[0][7] != "a-a" || rows[1][7] != "b-b" {
		t.Fatalf("a joined column of a column with itself: %v %v", rows, err)
	}
}

// TestDerivedExamplesOfTheProtocol decodes the examples of kinds 16 and
// 17 in docs/protocol.md ("Rows: the columnar block").
func TestDerivedExamplesOfTheProtocol(t *testing.T) {
	system := func(n int) []byte {
		b := []byte{byte(n), colGUID}
		b = append(b, bytes.Repeat([]byte{1}, 16*n)...)
		for range 5 {
			b = append(b, colInt)
			b = append(b, make([]byte, n)...)
		}
		return b
	}
	mapped := append(system(4), colString|colNulls, 0x0b, 4, 'O', 's', 'l', 'o', 4, 'L', 'y', 'o', 'n', 4, 'O', 's', 'l', 'o')
	mapped = append(mapped, 0x10, 0x06, 0x8e, 0x03, 0x02, 0x08, 0x06, 0x4f, 0x73, 0x6c, 0x6f, 0x41, 0x52, 0x41)
	rows, err := DecodeColumns(mapped, systemColumns+2)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []any{"Oslo", "ARA", nil, "Oslo"} {
		if rows[i][7] != want {
			t.Fatalf("mapped row %d: %v, want %v", i, rows[i][7], want)
		}
	}
	joined := system(3)
	for range 3 { // columns 6 to 8: null
		joined = append(joined, colAny|colNulls, 0)
	}
	joined = append(joined, colString, 3, 'A', 'n', 'n', 2, 'B', 'o', 3, 'K', 'i', 'm')
	joined = append(joined, colString, 3, 'L', 'e', 'e', 2, 'N', 'g', 3, 'P', 'a', 'k')
	joined = append(joined, 0x11, 0x09, 0x0a, 0x01, 0x20, 0x02, 0x0e, 0x02, 0x0c, 0x44, 0x72, 0x2e, 0x20, 0x4e, 0x67)
	if rows, err = DecodeColumns(joined, systemColumns+6); err != nil {
		t.Fatal(err)
	}
	for i, want := range []any{"Ann Lee", "Dr. Ng", "Kim Pak"} {
		if rows[i][11] != want {
			t.Fatalf("joined row %d: %v, want %v", i, rows[i][11], want)
		}
	}
}

// TestDecodedAnswersShareNoScratch: the blocks of an answer are read
// into pooled scratch space while decoded; a later answer's decoding
// leaves an earlier answer's values as they were.
func TestDecodedAnswersShareNoScratch(t *testing.T) {
	answer := func(seed uint64) (PullResponse, []byte) {
		rows := derivedRows(rand.New(rand.NewPCG(seed, seed)), 50)
		pr := PullResponse{Version: 1, Entities: []EntityChanges{{Entity: "contact", Rows: rows,
			Columns: []string{"city", "state", "country", "first", "last", "full"}, NextDue: 1}}}
		a, err := MarshalPage(&pr)
		if err != nil {
			t.Fatal(err)
		}
		return pr, a.Body
	}
	want, body := answer(1)
	first, err := DecodePullResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(2); seed < 6; seed++ {
		_, other := answer(seed)
		if _, err := DecodePullResponse(other); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(first.Entities[0].Rows, want.Entities[0].Rows) {
		t.Fatal("an answer's values changed when later answers were decoded")
	}
}

// TestJoinedColumnsCannotExplode: joined columns that join joined
// columns double their strings each time; a hostile block of forty such
// columns over a one-byte string is refused once they would build
// maxJoinedBytes, before its strings grow (without the bound it needs
// 2^40 bytes a row).
func TestJoinedColumnsCannotExplode(t *testing.T) {
	id := bytes.Repeat([]byte{7}, 16)
	block := append([]byte{2, colGUID}, append(append([]byte{}, id...), id...)...)
	block = append(block, colInt, 0, 0, colInt, 0, 0, colInt, 2, 2, colInt, 2, 2, colInt, 2, 2)
	block = append(block, colString, 1, 'a', 1, 'b') // column 6
	const chain = 40
	for c := 7; c < 7+chain; c++ {
		block = append(block, colJoined, byte(c-1), byte(c-1), 0, 0, colAny)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := DecodeColumns(block, systemColumns+1+chain)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("a block joining joined columns forty times: %v", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4*maxJoinedBytes {
		t.Fatalf("decoding it allocated %d bytes", got)
	}
	// Under the bound, the same chain decodes.
	short := block[:len(block)-6*(chain-10)]
	rows, err := DecodeColumns(short, systemColumns+1+10)
	if err != nil || len(rows[0][16].(string)) != 1024 {
		t.Fatalf("ten joins: %v", err)
	}
}

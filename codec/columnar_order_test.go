package codec

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestOrderByReference: the rows of a later entity that earlier rows
// point at come first, in the order they are pointed at, the others
// after them in their order; the first entity is untouched and no row
// is lost or changed (seeded, random references).
func TestOrderByReference(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	guid := func() []byte {
		b := make([]byte, 16)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	contacts := make([][]any, 40)
	for i := range contacts {
		contacts[i] = []any{guid(), int64(0), int64(0), int64(1), int64(2), int64(i), "c"}
	}
	accounts := make([][]any, 30)
	var want [][]byte // the contact ids in the order the accounts name them
	for i := range accounts {
		var ref any
		if k := rng.IntN(50); k < len(contacts) { // some point nowhere, some at no contact held
			ref = contacts[k][0]
			if !slices.ContainsFunc(want, func(b []byte) bool { return bytes.Equal(b, contacts[k][0].([]byte)) }) {
				want = append(want, contacts[k][0].([]byte))
			}
		} else if k < 45 {
			ref = guid()
		}
		accounts[i] = []any{guid(), int64(0), int64(0), int64(1), int64(2), int64(i), ref}
	}
	firstBefore := slices.Clone(accounts)
	before := slices.Clone(contacts)
	ents := []EntityChanges{{Entity: "account", Rows: accounts}, {Entity: "contact", Rows: contacts}}
	OrderByReference(ents)
	for i := range firstBefore {
		if !bytes.Equal(ents[0].Rows[i][0].([]byte), firstBefore[i][0].([]byte)) {
			t.Fatal("the first entity's rows moved")
		}
	}
	got := ents[1].Rows
	for i, id := range want {
		if !bytes.Equal(got[i][0].([]byte), id) {
			t.Fatalf("row %d is not the %dth contact the accounts name", i, i)
		}
	}
	var rest [][]any
	for _, r := range before {
		if !slices.ContainsFunc(want, func(b []byte) bool { return bytes.Equal(b, r[0].([]byte)) }) {
			rest = append(rest, r)
		}
	}
	if len(got) != len(want)+len(rest) {
		t.Fatalf("%d rows after ordering, %d before", len(got), len(before))
	}
	for i, r := range rest {
		if got[len(want)+i][5] != r[5] {
			t.Fatalf("the rows nobody names are not in their order: %v at %d, want %v", got[len(want)+i][5], len(want)+i, r[5])
		}
	}
}

// TestOrderGroupsRepetitiveText: rows nobody references come grouped by
// their text columns of few distinct values (fewest first), nulls first;
// a column of mostly distinct values does not order them.
func TestOrderGroupsRepetitiveText(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	cities := []any{"Oslo", "Lyon", nil, "Austin"}
	rows := make([][]any, 40)
	for i := range rows {
		rows[i] = []any{[]byte{byte(i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, int64(0), int64(0), int64(1), int64(2), int64(i),
			cities[rng.IntN(len(cities))], fmt.Sprintf("name %d", rng.IntN(1000))}
	}
	OrderByReference([]EntityChanges{{Entity: "account", Rows: rows}})
	seen := map[any]bool{}
	for i, r := range rows {
		if i > 0 && r[6] != rows[i-1][6] {
			if seen[r[6]] {
				t.Fatalf("city %v comes again at row %d", r[6], i)
			}
		}
		seen[r[6]] = true
	}
	if rows[0][6] != nil || rows[len(rows)-1][6] != "Oslo" {
		t.Fatalf("cities from %v to %v, want null first and Oslo last", rows[0][6], rows[len(rows)-1][6])
	}
}

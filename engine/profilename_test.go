package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// TestProfileNamesAreUniqueAndNeverIDs: a profile's name is unique
// ignoring case (409 naming the clash) and never a GUID (400); a profile
// keeps its own name; legacy duplicates must be renamed to be written.
func TestProfileNamesAreUniqueAndNeverIDs(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	put := func(ps ...Profile) error {
		r, err := e.Apply(e.Applied()+1, &Command{Kind: KindPutOrg, Org: &Org{Profiles: ps}})
		if err != nil {
			t.Fatal(err)
		}
		return r.Err
	}
	if err := put(Profile{ID: prof1, Name: "Field Sales"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		ps   []Profile
		want error
		msg  string
	}{
		{"same name, other case", []Profile{{ID: prof2, Name: "field SALES"}}, ErrConflict, prof1},
		{"a GUID as the name", []Profile{{ID: prof2, Name: prof1}}, ErrInvalid, "GUID"},
		{"a GUID in capitals as the name", []Profile{{ID: prof2, Name: strings.ToUpper(prof1)}}, ErrInvalid, "GUID"},
		{"two in one command", []Profile{{ID: prof2, Name: "Twins"}, {ID: "f0000000-0000-4000-8000-000000000003", Name: "TWINS"}}, ErrConflict, "profiles[1].name"},
		{"blank", []Profile{{ID: prof2, Name: "  "}}, ErrInvalid, "name"},
	}
	for _, tc := range cases {
		err := put(tc.ps...)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Fatalf("%s: %v, want %v mentioning %q", tc.name, err, tc.want, tc.msg)
		}
	}
	if ps, _ := e.Profiles(); len(ps) != 1 {
		t.Fatalf("a refused profile was stored: %+v", ps)
	}
	if err := put(Profile{ID: prof1, Name: "FIELD SALES"}); err != nil {
		t.Fatalf("renaming a profile to its own name in other case: %v", err)
	}
	// Two profiles stored with one name before names were unique.
	legacy := Profile{ID: prof2, Name: "field sales"}
	b, _ := codec.Marshal(&legacy)
	if err := e.db.Update(func(txn *badger.Txn) error { return txn.Set(profileKey(prof2), b) }); err != nil {
		t.Fatal(err)
	}
	if err := put(legacy); !errors.Is(err, ErrConflict) {
		t.Fatalf("writing a legacy duplicate under its name: %v", err)
	}
	legacy.Name = "Field Sales 2"
	if err := put(legacy); err != nil {
		t.Fatalf("renaming the legacy duplicate: %v", err)
	}
}

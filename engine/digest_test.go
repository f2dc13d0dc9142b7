package engine

import (
	"testing"

	"github.com/offsync/offsync/codec"
)

// TestRoleEncodingIsDeterministic: a role's privileges map encodes the
// same bytes every time, so replicas store identical databases.
func TestRoleEncodingIsDeterministic(t *testing.T) {
	r := Role{ID: "r", Name: "R", Privileges: PrivilegeMap{}}
	for _, e := range []string{"task", "account", "opportunity", "contact", "lead", "case", "invoice", "quote"} {
		r.Privileges[e] = Privileges{Read: DepthUser}
	}
	first, err := codec.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		b, _ := codec.Marshal(&r)
		if string(b) != string(first) {
			t.Fatal("a role encoded to different bytes")
		}
	}
	var back Role
	if err := codec.Unmarshal(first, &back); err != nil || len(back.Privileges) != 8 || back.Privileges["lead"].Read != DepthUser {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

// TestDigestAndDiff: equal databases have equal digests, and Diff names
// the key that differs.
func TestDigestAndDiff(t *testing.T) {
	a, _ := openTest(t)
	b, _ := openTest(t)
	for _, e := range []*Engine{a, b} {
		mustApply(t, e, &Command{Kind: KindSetSchemaDraft, Schema: testSchema()})
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db || da.Applied != 1 || da.Keys == 0 {
		t.Fatalf("digests of equal databases: %+v %+v", da, db)
	}
	mustApply(t, b, &Command{Kind: KindPublishSchema})
	mustApply(t, a, &Command{Kind: KindSetSchemaDraft, Schema: testSchema()})
	da, _ = a.Digest()
	db, _ = b.Digest()
	if da == db {
		t.Fatal("different databases have the same digest")
	}
	keys, err := a.Diff(b, 5)
	if err != nil || len(keys) == 0 {
		t.Fatalf("diff: %v %v", keys, err)
	}
}

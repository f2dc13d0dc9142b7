package engine

import (
	"testing"

	"github.com/offsync/offsync/codec"
)

// TestAccessCacheFollowsAdminChanges: a user's Access is reused while only
// rows change, and resolved again after an admin change.
func TestAccessCacheFollowsAdminChanges(t *testing.T) {
	e := openSecurity(t, DepthUser, DepthNone, true)
	a1, err := e.Access(uU, "")
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := e.Access(uU, "")
	if a1 != a2 {
		t.Fatal("an unchanged organization resolved the Access again")
	}
	mustApply(t, e, &Command{Kind: KindIngest, Now: 1, Records: []codec.Record{{Entity: "account", ID: "e0000000-0000-4000-8000-0000000000f1", OwnerID: uU, Attrs: map[string]any{"name": "n"}}}})
	if a3, _ := e.Access(uU, ""); a3 != a1 {
		t.Fatal("an ingest invalidated the Access")
	}
	org := securityOrg(DepthUser, DepthNone, true)
	org.Teams[0].Members = nil // U leaves T
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Teams: org.Teams}})
	a4, _ := e.Access(uU, "")
	if a4 == a1 || len(a4.Teams) != 0 || len(a1.Teams) != 1 {
		t.Fatalf("after leaving the team: teams %v (before %v)", a4.Teams, a1.Teams)
	}
}

// TestAccessCacheAfterReopen: a reopened engine (epoch 0, no admin change
// yet) caches and answers Access like any other.
func TestAccessCacheAfterReopen(t *testing.T) {
	e := openSecurity(t, DepthUser, DepthNone, true)
	e2 := reopenTest(t, e)
	a1, err := e2.Access(uU, "")
	if err != nil {
		t.Fatal(err)
	}
	if a2, err := e2.Access(uU, ""); err != nil || a2 != a1 {
		t.Fatalf("second Access after reopen: %v (same: %v)", err, a2 == a1)
	}
}

// TestAccessCacheSurvivesRowOnlyCommands: prunes and node records change
// no one's access, so they keep the cached Access (and OrgVersion).
func TestAccessCacheSurvivesRowOnlyCommands(t *testing.T) {
	e := openSecurity(t, DepthUser, DepthNone, true)
	a1, _ := e.Access(uU, "")
	org := e.OrgVersion()
	mustApply(t, e,
		&Command{Kind: KindPrune, Horizon: 0},
		&Command{Kind: KindPutNode, Node: &ClusterNode{ID: "n1", RaftAddr: "127.0.0.1:1", HTTPAddr: "127.0.0.1:2"}})
	if a2, _ := e.Access(uU, ""); a2 != a1 || e.OrgVersion() != org {
		t.Fatalf("a prune and a node record invalidated the Access (org version %d -> %d)", org, e.OrgVersion())
	}
}

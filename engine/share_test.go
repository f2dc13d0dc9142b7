package engine

import (
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
)

// countingCache is a RuleCache that keeps everything.
type countingCache map[string][]codec.Row

func (c countingCache) Get(k string) ([]codec.Row, bool) { r, ok := c[k]; return r, ok }
func (c countingCache) Put(k string, rows []codec.Row)   { c[k] = rows }

// TestSharedRuleTargetsServeTheNextUser: the first user of a shared
// business-unit rule keeps the rows its rows look up beside them; the
// next user of the key reads those from the cache, not from Badger (a
// sentinel planted in the cached copy shows through); once the looked-up
// entity is written, the key moves on and nothing stale is served.
func TestSharedRuleTargetsServeTheNextUser(t *testing.T) {
	e, _ := openTest(t)
	mustApply(t, e, setupCommands()...)
	const carol = "00000000-0000-4000-8000-0000000000c7"
	org := testOrg()
	org.Roles[0].Privileges["contact"] = Privileges{Read: DepthOrganization}
	org.Users = append(org.Users, User{ID: carol, Name: "Carol", BusinessUnit: tRootBU, Roles: []string{tRole}, Enabled: true})
	org.Publish = true
	org.Profiles = []Profile{{ID: tProfile, Name: "Unit", Users: []string{tAlice, carol}, Rules: []Rule{
		{Entity: "account", Rows: []string{RowsBusinessUnit}, Relationships: []string{"primarycontactid"}},
		{Entity: "contact", Rows: []string{RowsRelated}},
	}}}
	mustApply(t, e, &Command{Kind: KindPutOrg, Now: 1000, Org: org})
	mustApply(t, e, ingestCmd(2000,
		codec.Record{Entity: "contact", ID: tContact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ng"}},
		codec.Record{Entity: "account", ID: tAcctA, OwnerID: tAlice, Attrs: map[string]any{"name": "A", "primarycontactid": tContact}}))
	cache := countingCache{}
	contactOf := func(user string) codec.Row {
		t.Helper()
		res, err := e.Pull(user, nil, 3000, PullOptions{Cache: cache})
		if err != nil || len(res.Entities[1].Upserts) != 1 {
			t.Fatalf("%s's first load: %+v %v", user, res, err)
		}
		return res.Entities[1].Upserts[0]
	}
	if c := contactOf(tAlice); c.Attrs["lastname"] != "Ng" {
		t.Fatalf("alice's contact: %+v", c)
	}
	planted := 0
	for k, rows := range cache {
		if strings.HasSuffix(k, "\x00targets\x00contact") && len(rows) == 1 {
			rows[0].Attrs = map[string]any{"lastname": "from the cache"}
			planted++
		}
	}
	if planted != 1 {
		t.Fatalf("the looked-up contact was not kept beside the rule's rows: %d keys", len(cache))
	}
	if c := contactOf(carol); c.Attrs["lastname"] != "from the cache" {
		t.Fatalf("carol's contact was not read from the shared targets: %+v", c)
	}
	mustApply(t, e, ingestCmd(4000, codec.Record{Entity: "contact", ID: tContact, OwnerID: tBob, Attrs: map[string]any{"lastname": "Ngo"}}))
	if c := contactOf(carol); c.Attrs["lastname"] != "Ngo" {
		t.Fatalf("after a write to the contact: %+v", c)
	}
}

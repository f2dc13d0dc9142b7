package engine

import "testing"

// TestProfileCacheSharesAndFollowsWrites: two users of one profile share
// its decoded form, without member lists; any rewrite of the profile
// (here a draft edit, then a publish) is seen by the next Access load.
func TestProfileCacheSharesAndFollowsWrites(t *testing.T) {
	e := openSecurity(t, DepthUser, DepthNone, true)
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Profiles: []Profile{{ID: prof1, Name: "P",
		Rules: []Rule{{Entity: "account", Rows: []string{RowsUser}}}, Users: []string{uU, uO}}}, Publish: true}})
	a, err := e.Access(uU, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Access(uO, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Profile == nil || a.Profile != b.Profile || a.Profile.Users != nil {
		t.Fatalf("profiles of U and O: %p %p, members %v", a.Profile, b.Profile, a.Profile.Users)
	}
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Profiles: []Profile{{ID: prof1, Name: "P",
		Rules: []Rule{{Entity: "contact", Rows: []string{RowsAll}}}, Users: []string{uU, uO}}}}})
	c, _ := e.Access(uU, "")
	if c.Profile == a.Profile || c.Profile.Rules[0].Entity != "contact" || c.Profile.Rule("account") == nil {
		t.Fatalf("after a draft edit: rules %+v, published %v", c.Profile.Rules, c.Profile.Rule("account"))
	}
	mustApply(t, e, &Command{Kind: KindPublishProfile, Target: &Target{Kind: ObjectProfile, ID: prof1}})
	d, _ := e.Access(uO, "")
	if d.Profile.Rule("contact") == nil || d.Profile.Rule("account") != nil {
		t.Fatalf("after publishing: %+v", d.Profile.PublishedRules)
	}
}

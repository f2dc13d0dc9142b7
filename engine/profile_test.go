package engine

import (
	"errors"
	"strings"
	"testing"
)

const (
	prof1 = "f0000000-0000-4000-8000-000000000001"
	prof2 = "f0000000-0000-4000-8000-000000000002"
)

func TestProfileOneProfilePerUser(t *testing.T) {
	e := openSecurity(t, DepthUser, DepthNone, true)
	rule := []Rule{{Entity: "account", Rows: []string{RowsUser}}}
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Profiles: []Profile{{ID: prof1, Name: "One", Rules: rule, Users: []string{uU}}}, Publish: true}})
	r, _ := e.Apply(e.Applied()+1, &Command{Kind: KindPutOrg, Org: &Org{Profiles: []Profile{{ID: prof2, Name: "Two", Rules: rule, Users: []string{uU, uO}}}}})
	if !errors.Is(r.Err, ErrConflict) || !strings.Contains(r.Err.Error(), `already a member of profile "One" (`+prof1) {
		t.Fatalf("second profile for U: %v", r.Err)
	}
	if ps, _ := e.Profiles(); len(ps) != 1 {
		t.Fatalf("a refused profile was written: %d profiles", len(ps))
	}
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Profiles: []Profile{{ID: prof2, Name: "Two", Rules: rule}}}})
	r, _ = e.Apply(e.Applied()+1, &Command{Kind: KindSetMembers, Members: &Members{Profile: prof2, Users: []string{uU}}})
	if !errors.Is(r.Err, ErrConflict) {
		t.Fatalf("adding U to a second profile: %v", r.Err)
	}
	mustApply(t, e, &Command{Kind: KindSetMembers, Members: &Members{Profile: prof2, Users: []string{uU}, Move: true}})
	a, err := e.Access(uU, "")
	if err != nil || a.Profile == nil || a.Profile.ID != prof2 {
		t.Fatalf("after the move U's profile = %+v, %v", a.Profile, err)
	}
	ps, _ := e.Profiles()
	for _, p := range ps {
		if p.ID == prof1 && len(p.Users) != 0 {
			t.Fatalf("U still listed in the old profile: %v", p.Users)
		}
	}
}

func TestProfileDraftAndPublish(t *testing.T) {
	e := openSecurity(t, DepthUser, DepthNone, true)
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Profiles: []Profile{{ID: prof1, Name: "P", Rules: []Rule{{Entity: "account", Rows: []string{RowsUser}}}, Users: []string{uU}}}}})
	a, _ := e.Access(uU, "")
	if a.Profile.Published != 0 || a.Profile.Rule("account") != nil {
		t.Fatal("a draft profile is in effect")
	}
	if w := a.Profile.Rules[0].Window(); w != DefaultModifiedWithinDays || a.Profile.Rules[0].SyncIntervalMinutes != DefaultSyncIntervalMinutes {
		t.Fatalf("defaults: window %d interval %d", w, a.Profile.Rules[0].SyncIntervalMinutes)
	}
	r := mustApply(t, e, &Command{Kind: KindPublishProfile, Target: &Target{Kind: ObjectProfile, ID: prof1}})
	a, _ = e.Access(uU, "")
	if a.Profile.Published != r[0].Version || a.Profile.Rule("account") == nil {
		t.Fatal("publish did not take effect")
	}
	// Editing the draft leaves the published rules alone.
	mustApply(t, e, &Command{Kind: KindPutOrg, Org: &Org{Profiles: []Profile{{ID: prof1, Name: "P", Rules: []Rule{{Entity: "contact", Rows: []string{RowsAll}}}, Users: []string{uU}}}}})
	a, _ = e.Access(uU, "")
	if a.Profile.Rule("account") == nil || a.Profile.Rule("contact") != nil {
		t.Fatal("a draft edit changed the published rules")
	}
}

func TestProfileValidation(t *testing.T) {
	e := openSecurity(t, DepthUser, DepthNone, true)
	three := 3
	cases := []struct {
		rule Rule
		want string
	}{
		{Rule{Entity: "nosuch", Rows: []string{RowsAll}}, `profiles[0].rules[0].entity: unknown entity "nosuch"`},
		{Rule{Entity: "currency", Rows: []string{RowsAll}}, "profiles[0].rules[0].entity: currency cannot be taken offline"},
		{Rule{Entity: "contact", Rows: []string{RowsRelated}}, "profiles[0].rules[0].rows: related rows of contact need a relationship"},
		{Rule{Entity: "account", Rows: []string{RowsUser}, SyncIntervalMinutes: 4}, "profiles[0].rules[0].syncIntervalMinutes: 4 is outside 5..1440"},
		{Rule{Entity: "account", Rows: []string{RowsUser}, SyncIntervalMinutes: 1441}, "profiles[0].rules[0].syncIntervalMinutes: 1441 is outside 5..1440"},
		{Rule{Entity: "account", Rows: []string{RowsAll, RowsUser}}, `profiles[0].rules[0].rows: "all" cannot be combined`},
		{Rule{Entity: "account", Rows: []string{"mine"}}, `profiles[0].rules[0].rows: unknown choice "mine"`},
		{Rule{Entity: "account", Rows: []string{RowsUser}, Columns: []string{"nope"}}, `profiles[0].rules[0].columns: unknown attribute "nope" of account`},
		{Rule{Entity: "account", Rows: []string{RowsUser}, Relationships: []string{"name"}}, `profiles[0].rules[0].relationships: "name" is not a lookup of account`},
		{Rule{Entity: "account", Rows: []string{RowsUser}, Filter: "name = "}, "profiles[0].rules[0].filter:"},
		{Rule{Entity: "account", Rows: []string{RowsUser}, Filter: "nmae = 'x'"}, `profiles[0].rules[0].filter:`},
		{Rule{Entity: "account", Rows: []string{RowsUser}, Filter: "employees = 'many'"}, "profiles[0].rules[0].filter:"},
		{Rule{Entity: "account", Rows: []string{RowsUser}, ModifiedWithinDays: &three, Filter: "name beginswith 'A'"}, ""},
	}
	for _, tc := range cases {
		r, err := e.Apply(e.Applied()+1, &Command{Kind: KindPutOrg, Org: &Org{Profiles: []Profile{{ID: prof1, Name: "P", Rules: []Rule{tc.rule}}}}})
		if err != nil {
			t.Fatal(err)
		}
		if tc.want == "" {
			if r.Err != nil {
				t.Errorf("%+v: %v", tc.rule, r.Err)
			}
			continue
		}
		if r.Err == nil || !errors.Is(r.Err, ErrInvalid) || !strings.HasPrefix(r.Err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want prefix %q", tc.rule, r.Err, tc.want)
		}
	}
}

func TestTokensAreHashedAndRevocable(t *testing.T) {
	e := openSecurity(t, DepthUser, DepthNone, true)
	const tokID, secret = "70000000-0000-4000-8000-000000000001", "ofs_secret_value"
	mustApply(t, e, &Command{Kind: KindIssueToken, Now: 5, Token: &DeviceToken{ID: tokID, UserID: uU, Name: "phone", Hash: HashTokenSecret(secret)}})
	tok, err := e.Authenticate(secret)
	if err != nil || tok.UserID != uU || tok.CreatedOn != 5 {
		t.Fatalf("authenticate: %+v %v", tok, err)
	}
	if _, err := e.Authenticate("ofs_wrong"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("wrong secret: %v", err)
	}
	for k, v := range dump(t, e) {
		if strings.Contains(k, secret) || strings.Contains(v, secret) {
			t.Fatal("the secret is stored")
		}
	}
	mustApply(t, e, &Command{Kind: KindRevokeToken, Target: &Target{Kind: ObjectToken, ID: tokID}})
	if _, err := e.Authenticate(secret); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoked token still works: %v", err)
	}
	toks, _ := e.Tokens(uU)
	if len(toks) != 1 || !toks[0].Revoked {
		t.Fatalf("token list: %+v", toks)
	}
}

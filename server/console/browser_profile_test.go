package console_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/engine"
)

// demoMember returns a user of the demo's "Field Sales" profile.
func demoMember(t *testing.T, env *consoleEnv) engine.User {
	t.Helper()
	var fs engine.Profile
	env.api("GET", "/v1/admin/profiles/Field%20Sales", nil, &fs)
	var users []engine.User
	env.api("GET", "/v1/admin/users", nil, &users)
	for _, u := range users {
		if len(fs.Users) > 0 && u.ID == fs.Users[len(fs.Users)/2] {
			return u
		}
	}
	t.Fatal("the demo's Field Sales profile has no members")
	return engine.User{}
}

// createProfile drives step 1: a new profile, named name.
func createProfile(t *testing.T, ctx context.Context, name, desc string) string {
	t.Helper()
	run(t, ctx, "create a profile",
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name=description]`), desc),
		chromedp.Click(`//button[text()="Create profile"]`),
		chromedp.WaitVisible(xp(`//h1[contains(., %q)]`, name)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=entity][value=account]`)))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	_, id, ok := strings.Cut(loc, "#/profiles/")
	if !ok {
		t.Fatalf("after create the page is %s", loc)
	}
	return id
}

// setNumber replaces the value of a number input.
func setNumber(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.SetValue(chromedp.CSS(sel), v)
}

// TestConsoleBrowserPublishProfileToDevice drives the console through the
// seed's steps: create a profile, pick its entities, choose their records,
// add a member who is in another profile (confirming the move), review the
// estimate and publish. The admin API must then hold exactly that, and a
// device of the member, with a token made in the console, must receive the
// profile's rows. Revoking the token in the console ends its syncs.
func TestConsoleBrowserPublishProfileToDevice(t *testing.T) {
	ctx := newBrowser(t)
	env := startConsoleServer(t)
	s := newShots(t)
	signIn(t, ctx, env, s)
	s.take(ctx, "profiles")
	checkLabels(t, ctx, "profiles")
	member := demoMember(t, env)

	id := createProfile(t, ctx, "Key Accounts", "Large accounts of the seller's business unit, their contacts, and the seller's open deals of the last 30 days.")
	// Step 2: the entities, and what is included.
	run(t, ctx, "see what's included",
		chromedp.Click(`//button[text()="See what's included"]`),
		chromedp.WaitVisible(`//table[caption[contains(., "Offline-enabled entities")]]//td[contains(., "primarycontactid → contact")]`))
	run(t, ctx, "pick entities",
		chromedp.Click(chromedp.CSS(`input[name=entity][value=account]`)),
		chromedp.Click(chromedp.CSS(`input[name=entity][value=contact]`)),
		chromedp.Click(chromedp.CSS(`input[name=entity][value=opportunity]`)),
		chromedp.WaitVisible(chromedp.CSS(`section[data-entity=opportunity]`)))
	// Step 3: the records of each.
	run(t, ctx, "choose records",
		chromedp.Click(chromedp.CSS(`input[name=rows-account][value=businessunit]`)),
		chromedp.Click(chromedp.CSS(`input[name=rows-account][value=user]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=filter-account]`), "revenue >= 1000000"),
		setNumber(`input[name=days-account]`, "0"),
		chromedp.Click(chromedp.CSS(`section[data-entity=account] input[value=primarycontactid]`)),
		setNumber(`input[name=interval-account]`, "240"),
		chromedp.Click(chromedp.CSS(`input[name=rows-contact][value=related]`)),
		setNumber(`input[name=days-contact]`, "0"),
		chromedp.Click(chromedp.CSS(`section[data-entity=contact] details summary`)),
		chromedp.Click(chromedp.CSS(`section[data-entity=contact] input[value=fullname]`)),
		chromedp.Click(chromedp.CSS(`section[data-entity=contact] input[value=emailaddress1]`)),
		setNumber(`input[name=days-opportunity]`, "30"),
		setNumber(`input[name=interval-opportunity]`, "15"),
		chromedp.Click(`//button[text()="Save draft"]`),
		chromedp.WaitVisible(`//span[starts-with(., "Draft saved at version")]`))

	// Step 4: a member of Field Sales; the console asks before moving them.
	run(t, ctx, "search and add a member",
		chromedp.SendKeys(chromedp.CSS(`input[name=member-search]`), member.Name),
		chromedp.WaitVisible(xp(`//ul[@aria-label="Search results"]//li[contains(., "in Field Sales")]//button[@aria-label=%q]`, "Add "+member.Name)),
		chromedp.Click(xp(`//button[@aria-label=%q]`, "Add "+member.Name)),
		chromedp.WaitVisible(xp(`//dialog//h2[text()=%q]`, "Move "+member.Name+"?")))
	s.view(ctx, "profile-move-member")
	run(t, ctx, "confirm the move",
		chromedp.Click(`//dialog//button[text()="Move to Key Accounts"]`),
		chromedp.WaitVisible(xp(`//ul[@aria-label="Members"]//li[contains(., %q)]`, member.Name)))

	// Step 5: the estimate, then publish.
	run(t, ctx, "estimate",
		chromedp.Click(`//button[text()="Refresh estimate"]`),
		chromedp.WaitVisible(`//table[caption[text()="Data-usage estimate"]]//tr[contains(@class, "total")]`))
	est := textWhen(t, ctx, `//table[caption[text()="Data-usage estimate"]]//tbody`, func(s string) bool {
		return strings.Contains(s, "account") && strings.Contains(s, "contact") && strings.Contains(s, "opportunity")
	})
	for _, e := range []string{"account", "contact", "opportunity"} {
		if !strings.Contains(est, e) {
			t.Errorf("the estimate lacks %s: %q", e, est)
		}
	}
	run(t, ctx, "publish",
		chromedp.Click(`//button[text()="Publish"]`),
		chromedp.WaitVisible(`//dialog//h2[text()="Publish Key Accounts?"]`),
		chromedp.Click(`//dialog//button[text()="Publish"]`),
		chromedp.WaitVisible(`//h1//span[starts-with(., "Published v")]`),
		chromedp.WaitVisible(`//h4[starts-with(., "Published (version")]`))
	s.take(ctx, "full-profile")
	checkLabels(t, ctx, "profile")
	s.part(ctx, "profile-records", `section[aria-labelledby=step3]`)

	// The admin API holds what was clicked.
	var p engine.Profile
	env.api("GET", "/v1/admin/profiles/"+id, nil, &p)
	zero, thirty := 0, 30
	want := []engine.Rule{
		{Entity: "account", Rows: []string{"businessunit"}, Filter: "revenue >= 1000000", ModifiedWithinDays: &zero, Relationships: []string{"primarycontactid"}, SyncIntervalMinutes: 240},
		{Entity: "contact", Rows: []string{"related"}, ModifiedWithinDays: &zero, SyncIntervalMinutes: 60, Columns: []string{"fullname", "emailaddress1"}},
		{Entity: "opportunity", Rows: []string{"user"}, ModifiedWithinDays: &thirty, SyncIntervalMinutes: 15},
	}
	if got, w := fmt.Sprint(rulesText(p.PublishedRules)), fmt.Sprint(rulesText(want)); got != w || p.Published == 0 || p.Name != "Key Accounts" {
		t.Fatalf("published profile %q (v%d):\n got %s\nwant %s", p.Name, p.Published, got, w)
	}
	if !slices.Equal(p.Users, []string{member.ID}) {
		t.Fatalf("members %v, want [%s]", p.Users, member.ID)
	}
	var fs engine.Profile
	env.api("GET", "/v1/admin/profiles/Field%20Sales", nil, &fs)
	if slices.Contains(fs.Users, member.ID) {
		t.Fatalf("%s is still in Field Sales", member.ID)
	}

	// A later draft edit shows against the published rules, and changes
	// nothing for devices until it is published.
	run(t, ctx, "edit the draft",
		setNumber(`input[name=interval-opportunity]`, "30"),
		chromedp.Click(`//button[text()="Save draft"]`),
		chromedp.WaitVisible(`//h1//span[text()="Draft changed"]`),
		chromedp.WaitVisible(`//div[contains(@class, "rulecard changed")]/strong[text()="opportunity"]`))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.rulecard.changed').length`)); err != nil || n != 2 {
		t.Fatalf("%d rule cards marked changed (%v), want opportunity's draft and published", n, err)
	}
	s.part(ctx, "profile-review", `section[aria-labelledby=step5]`)

	// A token made in the console, shown once.
	run(t, ctx, "create a token",
		chromedp.Navigate(env.url+"/console/#/tokens"),
		chromedp.WaitVisible(chromedp.CSS(`select[name=user]`)),
		chromedp.SetValue(chromedp.CSS(`select[name=user]`), member.ID),
		chromedp.SendKeys(chromedp.CSS(`input[name=token-name]`), "test phone"),
		chromedp.Click(`//button[text()="Create token"]`),
		chromedp.WaitVisible(chromedp.CSS(`#new-secret`)))
	secret := text(t, ctx, chromedp.CSS(`#new-secret`))
	s.take(ctx, "tokens")
	checkLabels(t, ctx, "tokens")
	if !strings.HasPrefix(secret, "ofs_") {
		t.Fatalf("token shown: %q", secret)
	}

	// The member's device receives the profile's rows: every row of the
	// view before the sync and after it (the 30-day window moves), and
	// none outside both.
	before := viewIDs(t, env, member.ID, p.PublishedRules)
	dev, err := client.OpenDevice(client.DeviceConfig{Store: t.TempDir(), Server: env.url, Token: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if _, err := dev.Sync(context.Background()); err != nil {
		t.Fatalf("device sync: %v", err)
	}
	after := viewIDs(t, env, member.ID, p.PublishedRules)
	held := map[string]int{}
	for _, e := range []string{"account", "contact", "opportunity"} {
		got := map[string]bool{}
		err := dev.Rows(e, func(r client.Row) error { got[r.ID] = true; return nil })
		if err != nil {
			t.Fatal(err)
		}
		for id := range before[e] {
			if after[e][id] && !got[id] {
				t.Errorf("%s %s is in the view but not on the device", e, id)
			}
		}
		for id := range got {
			if !before[e][id] && !after[e][id] {
				t.Errorf("%s %s is on the device but outside the view", e, id)
			}
		}
		held[e] = len(got)
		if e == "account" && len(got) == 0 {
			t.Errorf("the device holds no accounts: the test proves nothing")
		}
		t.Logf("%s: %d rows on the device", e, len(got))
	}

	// The profile's estimate for the member, in the console, is what the
	// device received (accounts and contacts have no time window).
	run(t, ctx, "the member's estimate",
		chromedp.Navigate(env.url+"/console/#/profiles/"+id),
		chromedp.WaitVisible(chromedp.CSS(`select[name=estimate-user]`)))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const s = document.querySelector('select[name=estimate-user]'); s.value = %q; s.dispatchEvent(new Event('change')); return true; })()`, member.ID))); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "the member's estimate", chromedp.WaitVisible(xp(`//p[starts-with(., %q)]`, "What "+member.Name+"'s device")))
	for e, n := range held {
		if e == "opportunity" {
			continue
		}
		got := textWhen(t, ctx, xp(`//table[caption[text()="Data-usage estimate"]]//tr[td[1][text()=%q]]/td[2]`, e), func(s string) bool { return s == fmt.Sprint(n) })
		if got != fmt.Sprint(n) {
			t.Errorf("the console estimates %s %s rows for %s; the device holds %d", got, e, member.Name, n)
		}
	}

	// The activity page sees the device.
	run(t, ctx, "activity",
		chromedp.Navigate(env.url+"/console/#/activity"),
		chromedp.WaitVisible(`//div[@id="tile-devices"]/div[text()="1"]`),
		chromedp.WaitVisible(`//td[contains(., "n1")]//span[text()="leader"]`),
		chromedp.WaitVisible(`//tr[td/strong[text()="n1"]]/td[9][text()="1"]`),
		chromedp.WaitVisible(chromedp.CSS(`svg[aria-label^="Pulls and pushes"] polyline`)))
	s.take(ctx, "activity")
	checkLabels(t, ctx, "activity")

	// Revoking in the console ends the device's syncs.
	run(t, ctx, "revoke",
		chromedp.Navigate(env.url+"/console/#/tokens"),
		chromedp.Click(`//button[@aria-label="Revoke test phone"]`),
		chromedp.WaitVisible(`//dialog//h2[text()="Revoke this token?"]`),
		chromedp.Click(`//dialog//button[text()="Revoke"]`),
		chromedp.WaitVisible(`//span[starts-with(., "revoked")]`))
	if _, err := dev.Sync(context.Background()); err == nil {
		t.Fatal("a revoked token still syncs")
	}
}

// rulesText prints rules with their pointers followed, for comparison.
func rulesText(rules []engine.Rule) []string {
	var out []string
	for _, r := range rules {
		days := "nil"
		if r.ModifiedWithinDays != nil {
			days = fmt.Sprint(*r.ModifiedWithinDays)
		}
		out = append(out, fmt.Sprintf("{%s rows=%v filter=%q days=%s rel=%v every=%d cols=%v}", r.Entity, r.Rows, r.Filter, days, r.Relationships, r.SyncIntervalMinutes, r.Columns))
	}
	return out
}

// viewIDs is the user's view under rules now: ids by entity.
func viewIDs(t *testing.T, env *consoleEnv, user string, rules []engine.Rule) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	_, err := env.eng.ViewOf(user, rules, time.Now().UnixMilli(), func(vr engine.ViewRow) error {
		if out[vr.Rule.Entity] == nil {
			out[vr.Rule.Entity] = map[string]bool{}
		}
		out[vr.Rule.Entity][vr.Row.ID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("view of %s: %v entities", user, slices.Sorted(maps.Keys(out)))
	return out
}

package console_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/offsync/offsync/engine"
)

// TestConsoleBrowserOrganization: users, teams, the business-unit tree
// and roles are shown, and edits made in their dialogs reach the admin
// API: a user's e-mail, a new business unit under the root, a role's
// read depth.
func TestConsoleBrowserOrganization(t *testing.T) {
	ctx := newBrowser(t)
	env := startConsoleServer(t)
	s := newShots(t)
	signIn(t, ctx, env, nil)
	var users []engine.User
	env.api("GET", "/v1/admin/users", nil, &users)
	u := users[3]

	run(t, ctx, "users",
		chromedp.Click(`//nav[@id="nav"]/a[text()="Organization"]`),
		chromedp.WaitVisible(`//table[caption[text()="Users"]]`),
		chromedp.WaitVisible(xp(`//td[strong[text()=%q]]`, u.Name)))
	s.view(ctx, "org-users")
	checkLabels(t, ctx, "org-users")
	// By keyboard: Enter opens the dialog, Escape closes it, and focus
	// goes back to the button that opened it.
	run(t, ctx, "a dialog by keyboard",
		chromedp.Focus(xp(`//button[@aria-label=%q]`, "Edit "+u.Name)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(xp(`//dialog//h2[text()=%q]`, "Edit "+u.Name)),
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotVisible(`//dialog`))
	if f, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.getAttribute('aria-label') || ''`)); err != nil || f != "Edit "+u.Name {
		t.Fatalf("after Escape the focus is on %q (%v)", f, err)
	}
	run(t, ctx, "edit a user",
		chromedp.Click(xp(`//button[@aria-label=%q]`, "Edit "+u.Name)),
		chromedp.WaitVisible(xp(`//dialog//h2[text()=%q]`, "Edit "+u.Name)),
		chromedp.SetValue(chromedp.CSS(`dialog input[type=email]`), "renamed@example.com"))
	s.view(ctx, "org-user-edit")
	checkLabels(t, ctx, "org-user-edit")
	run(t, ctx, "save the user",
		chromedp.Click(`//dialog//button[text()="Save"]`),
		chromedp.WaitVisible(`//td[text()="renamed@example.com"]`))
	var got engine.User
	env.api("GET", "/v1/admin/users/"+u.ID, nil, &got)
	if got.Email != "renamed@example.com" || got.Name != u.Name || got.BusinessUnit != u.BusinessUnit || len(got.Roles) != len(u.Roles) || got.Enabled != u.Enabled {
		t.Fatalf("after the edit the user is %+v, was %+v", got, u)
	}

	run(t, ctx, "teams",
		chromedp.Click(`//nav[@aria-label="Organization"]/a[text()="Teams"]`),
		chromedp.WaitVisible(`//table[caption[text()="Teams"]]`))
	s.take(ctx, "org-teams")
	checkLabels(t, ctx, "org-teams")

	var units []engine.BusinessUnit
	env.api("GET", "/v1/admin/businessunits", nil, &units)
	var root engine.BusinessUnit
	for _, b := range units {
		if b.Parent == "" {
			root = b
		}
	}
	run(t, ctx, "the unit tree",
		chromedp.Click(`//nav[@aria-label="Organization"]/a[text()="Business units"]`),
		chromedp.WaitVisible(xp(`//ul[@class="tree"]/li/span/strong[text()=%q]`, root.Name)),
		chromedp.WaitVisible(xp(`//ul[@class="tree"]/li/ul/li/span/strong`)))
	s.take(ctx, "org-units")
	checkLabels(t, ctx, "org-units")
	run(t, ctx, "add a unit",
		chromedp.Click(xp(`//button[@aria-label=%q]`, "Add a unit under "+root.Name)),
		chromedp.WaitVisible(`//dialog//h2[text()="New business unit"]`),
		chromedp.SendKeys(chromedp.CSS(`dialog input[type=text]`), "Nordics"),
		chromedp.Click(`//dialog//button[text()="Save"]`),
		chromedp.WaitVisible(xp(`//ul[@class="tree"]/li[span/strong[text()=%q]]/ul/li/span/strong[text()="Nordics"]`, root.Name)))
	env.api("GET", "/v1/admin/businessunits", nil, &units)
	found := false
	for _, b := range units {
		found = found || b.Name == "Nordics" && b.Parent == root.ID
	}
	if !found {
		t.Fatalf("no Nordics unit under %s: %+v", root.Name, units)
	}

	var roles []engine.Role
	env.api("GET", "/v1/admin/roles", nil, &roles)
	r := roles[0]
	run(t, ctx, "roles",
		chromedp.Click(`//nav[@aria-label="Organization"]/a[text()="Roles"]`),
		chromedp.WaitVisible(`//table[caption[text()="Roles"]]`),
		chromedp.Click(xp(`//button[@aria-label=%q]`, "Edit "+r.Name)),
		chromedp.WaitVisible(`//dialog//table[caption[text()="Privilege depth per entity"]]`),
		chromedp.SetValue(chromedp.CSS(`dialog select[aria-label="read task"]`), "organization"))
	s.view(ctx, "org-role-edit")
	checkLabels(t, ctx, "org-role-edit")
	run(t, ctx, "save the role",
		chromedp.Click(`//dialog//button[text()="Save"]`),
		chromedp.WaitNotPresent(`//dialog//table`))
	var gotRole engine.Role
	env.api("GET", "/v1/admin/roles/"+r.ID, nil, &gotRole)
	if gotRole.Privileges["task"].Read != engine.DepthOrganization {
		t.Fatalf("task read depth %q, want organization", gotRole.Privileges["task"].Read)
	}
	for entity, p := range r.Privileges {
		g := gotRole.Privileges[entity]
		if entity != "task" && g != p {
			t.Errorf("%s privileges changed: %+v, were %+v", entity, g, p)
		}
	}
	s.take(ctx, "org-roles")
}

package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/offsync/offsync/engine"
)

// TestConsoleBrowserBadFilterShownInPlace: a filter the parser refuses is
// not saved; its error shows under the filter, with the position marked,
// the field flagged invalid and focused. Other field errors land next to
// their field too, and a good save clears them.
func TestConsoleBrowserBadFilterShownInPlace(t *testing.T) {
	ctx := newBrowser(t)
	env := startConsoleServer(t)
	s := newShots(t)
	signIn(t, ctx, env, nil)
	id := createProfile(t, ctx, "Filter check", "")
	const errSel = `//section[@data-entity="account"]//p[contains(@class, "field-error")]`
	run(t, ctx, "a bad filter",
		chromedp.Click(chromedp.CSS(`input[name=entity][value=account]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=filter-account]`), "name = 'x' and revnue > 5"),
		chromedp.Click(`//button[text()="Save draft"]`),
		chromedp.WaitVisible(errSel))
	if got := text(t, ctx, errSel); !contains(got, `Position 16: unknown attribute "revnue"`) {
		t.Fatalf("the error in place says %q", got)
	}
	if got := text(t, ctx, errSel+`//mark`); got != "revnue" {
		t.Fatalf("the marked text is %q, want revnue", got)
	}
	attrs, err := chromedp.Run(ctx, chromedp.Attributes(chromedp.CSS(`input[name=filter-account]`)))
	if err != nil || attrs["aria-invalid"] != "true" || attrs["aria-describedby"] == "" {
		t.Fatalf("the filter input: %v %v, want aria-invalid and aria-describedby", attrs, err)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.name`))
	if err != nil || focused != "filter-account" {
		t.Fatalf("focus is on %q (%v), want the filter", focused, err)
	}
	s.part(ctx, "profile-filter-error", `section[data-entity=account]`)
	var p engine.Profile
	env.api("GET", "/v1/admin/profiles/"+id, nil, &p)
	if len(p.Rules) != 0 {
		t.Fatalf("a refused draft was saved: %+v", p.Rules)
	}

	// Another field's error lands next to that field.
	const intervalErr = `//section[@data-entity="account"]//input[@name="interval-account"]/ancestor::div[1]/following-sibling::div//p[contains(@class, "field-error")]`
	run(t, ctx, "a bad interval",
		chromedp.SetValue(chromedp.CSS(`input[name=filter-account]`), "name = 'x' and revenue > 5"),
		setNumber(`input[name=interval-account]`, "3"),
		chromedp.Click(`//button[text()="Save draft"]`),
		chromedp.WaitVisible(intervalErr),
		chromedp.WaitNotPresent(errSel+`[contains(., "revnue")]`))
	if got := text(t, ctx, intervalErr); !contains(got, "3 is outside 5..1440") {
		t.Fatalf("the interval error says %q", got)
	}
	run(t, ctx, "a good save",
		setNumber(`input[name=interval-account]`, "30"),
		chromedp.Click(`//button[text()="Save draft"]`),
		chromedp.WaitVisible(`//span[starts-with(., "Draft saved at version")]`),
		chromedp.WaitNotPresent(errSel))
	env.api("GET", "/v1/admin/profiles/"+id, nil, &p)
	if len(p.Rules) != 1 || p.Rules[0].Filter != "name = 'x' and revenue > 5" || p.Rules[0].SyncIntervalMinutes != 30 {
		t.Fatalf("saved rules %+v", p.Rules)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

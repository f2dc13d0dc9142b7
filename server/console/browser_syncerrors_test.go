package console_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
)

// TestConsoleBrowserSyncErrors: a device's rejected changes are listed
// page by page (following the API's next token), filtered, inspected,
// refused on reapply when they still cannot apply, and deleted.
func TestConsoleBrowserSyncErrors(t *testing.T) {
	ctx := newBrowser(t)
	env := startConsoleServer(t)
	s := newShots(t)
	member := demoMember(t, env)
	var tok struct{ Token string }
	env.api("POST", "/v1/admin/users/"+member.ID+"/tokens", map[string]string{"name": "field tablet"}, &tok)
	dev, err := client.OpenDevice(client.DeviceConfig{Store: t.TempDir(), Server: env.url, Token: tok.Token})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if _, err := dev.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	var account string
	_ = dev.Rows("account", func(r client.Row) error { account = r.ID; return nil })
	if account == "" {
		t.Fatal("the member's device holds no account")
	}
	// 101 updates of a bad type (more than a page), and one delete of a
	// row that does not exist.
	for i := range 101 {
		if _, err := dev.Queue(codec.Mutation{Entity: "account", RowID: account, Op: "update", Attrs: map[string]any{"numberofemployees": fmt.Sprintf("many-%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dev.Queue(codec.Mutation{Entity: "contact", RowID: "00000000-0000-4000-8000-00000000dead", Op: "delete"}); err != nil {
		t.Fatal(err)
	}
	sum, err := dev.Sync(context.Background())
	if err != nil || len(sum.Rejected) != 102 {
		t.Fatalf("push: %d rejected (%v), want 102", len(sum.Rejected), err)
	}
	lastCode := sum.Rejected[101].Code

	signIn(t, ctx, env, nil)
	run(t, ctx, "the first page, then the next",
		chromedp.Click(`//nav[@id="nav"]/a[text()="Sync errors"]`),
		chromedp.WaitVisible(`//p[text()="100 sync errors shown; there are more."]`),
		chromedp.Click(`//button[text()="Load more"]`),
		chromedp.WaitVisible(`//p[text()="102 sync errors."]`))
	run(t, ctx, "filter by user and entity",
		chromedp.SetValue(chromedp.CSS(`select[name=user]`), member.ID),
		chromedp.SetValue(chromedp.CSS(`select[name=entity]`), "account"),
		chromedp.Click(`//button[text()="Apply filter"]`),
		chromedp.WaitVisible(`//p[text()="100 sync errors shown; there are more."]`))
	s.view(ctx, "sync-errors")
	checkLabels(t, ctx, "sync-errors")
	run(t, ctx, "filter by code",
		chromedp.SetValue(chromedp.CSS(`select[name=entity]`), ""),
		chromedp.SendKeys(chromedp.CSS(`input[name=code]`), lastCode),
		chromedp.Click(`//button[text()="Apply filter"]`),
		chromedp.WaitVisible(`//p[text()="1 sync error."]`),
		chromedp.Click(`//button[starts-with(@aria-label, "Inspect")]`),
		chromedp.WaitVisible(`//dialog//pre[contains(., "00000000-0000-4000-8000-00000000dead")]`))
	s.view(ctx, "sync-error")
	checkLabels(t, ctx, "sync-error")
	run(t, ctx, "reapply is refused: the row is not there",
		chromedp.Click(`//dialog//button[text()="Reapply as administrator"]`),
		chromedp.WaitVisible(`//dialog//p[starts-with(., "Reapply refused")]`))
	run(t, ctx, "delete",
		chromedp.Click(`//dialog//button[text()="Delete"]`),
		chromedp.Click(`//dialog//button[text()="Yes, delete"]`),
		chromedp.WaitNotPresent(`//dialog//pre`),
		chromedp.WaitVisible(`//p[text()="No sync errors match."]`))
	var page struct {
		Items []struct{ Ref string }
		Next  string
	}
	env.api("GET", "/v1/admin/sync-errors?code="+url.QueryEscape(lastCode), nil, &page)
	if len(page.Items) != 0 {
		t.Fatalf("after delete: %+v", page)
	}
	env.api("GET", "/v1/admin/sync-errors?limit=1000", nil, &page)
	if len(page.Items) != 101 {
		t.Fatalf("%d sync errors left, want the 101 others", len(page.Items))
	}
}

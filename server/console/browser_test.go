package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// signIn opens the console and signs in with the admin token.
func signIn(t *testing.T, ctx context.Context, env *consoleEnv, s *shots) {
	t.Helper()
	run(t, ctx, "open the console",
		chromedp.Navigate(env.url+"/console"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=token]`)))
	if s != nil {
		s.view(ctx, "signin")
	}
	run(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS(`input[name=token]`), adminToken+"\r"),
		chromedp.WaitVisible(chromedp.CSS(`#nav`)),
		chromedp.WaitVisible(`//h1[text()="Offline profiles"]`))
}

// TestConsoleBrowserSignIn: a wrong token is refused in place; the right
// one is kept in session storage only (never in the URL or local
// storage); signing out forgets it.
func TestConsoleBrowserSignIn(t *testing.T) {
	ctx := newBrowser(t)
	env := startConsoleServer(t)
	run(t, ctx, "a wrong token",
		chromedp.Navigate(env.url+"/console/"),
		chromedp.SendKeys(chromedp.CSS(`input[name=token]`), "not-the-token-0123456789"),
		chromedp.Click(`//button[text()="Sign in"]`),
		chromedp.WaitVisible(`//p[@role="alert"][text()="That token was refused."]`))
	// Signed out, the navigation is not shown.
	if vis, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('nav').getClientRects().length > 0 || document.getElementById('signout').getClientRects().length > 0`)); err != nil || vis {
		t.Fatalf("the navigation shows before sign-in (%v)", err)
	}
	signIn(t, ctx, env, newShots(t))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || strings.Contains(loc, adminToken) {
		t.Fatalf("location %q (%v) holds the token", loc, err)
	}
	stored, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[sessionStorage.getItem('offsync.adminToken') || '', String(localStorage.length), document.cookie]`))
	if err != nil || stored[0] != adminToken || stored[1] != "0" || stored[2] != "" {
		t.Fatalf("storage %q (%v): want the token in session storage only", stored, err)
	}
	run(t, ctx, "sign out",
		chromedp.Click(chromedp.CSS(`#signout`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=token]`)))
	left, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem('offsync.adminToken') || ''`))
	if err != nil || left != "" {
		t.Fatalf("after sign-out session storage holds %q (%v)", left, err)
	}
}

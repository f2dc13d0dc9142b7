package console_test

import (
	"context"
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
		s.take(ctx, "signin")
	}
	run(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS(`input[name=token]`), adminToken),
		chromedp.Click(`//button[text()="Sign in"]`),
		chromedp.WaitVisible(chromedp.CSS(`#nav`)),
		chromedp.WaitVisible(`//h1[text()="Offline profiles"]`))
}

// TestConsoleBrowserSmoke signs in and shows the profiles of the demo.
func TestConsoleBrowserSmoke(t *testing.T) {
	ctx := newBrowser(t)
	env := startConsoleServer(t)
	s := newShots(t)
	signIn(t, ctx, env, s)
	run(t, ctx, "list", chromedp.WaitVisible(`//a[text()="Field Sales"]`))
	s.take(ctx, "profiles")
}

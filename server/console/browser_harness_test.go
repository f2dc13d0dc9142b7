package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
	"github.com/offsync/offsync/server"
)

const adminToken = "console-test-admin-token-0123456789"

// consoleEnv is a real single-node offsync (engine, Raft node, server)
// holding the demo dataset, served on 127.0.0.1.
type consoleEnv struct {
	t    *testing.T
	url  string
	eng  *engine.Engine
	node *replication.Node
}

// startConsoleServer starts the node and loads the demo data, as
// `offsync serve --demo` does.
func startConsoleServer(t *testing.T) *consoleEnv {
	t.Helper()
	ecfg := engine.DefaultConfig(t.TempDir())
	ecfg.MemTableSize, ecfg.BlockCacheSize = 16<<20, 4<<20
	eng, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	rcfg := replication.DefaultConfig("n1", t.TempDir())
	rcfg.RaftAddr = "127.0.0.1:0"
	rcfg.HeartbeatTimeout, rcfg.ElectionTimeout, rcfg.LeaderLeaseTimeout = 100*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond
	node, err := replication.Open(rcfg, eng)
	if err != nil {
		eng.Close()
		t.Fatal(err)
	}
	srv, err := server.New(server.DefaultConfig(adminToken), node, eng, node)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); node.Close(); eng.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := node.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	for !node.Ready() {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := dataset.LoadDemo(ctx, node, time.Now()); err != nil {
		t.Fatal(err)
	}
	self := engine.ClusterNode{ID: "n1", RaftAddr: node.RaftAddr(), HTTPAddr: strings.TrimPrefix(ts.URL, "http://")}
	if err := srv.Register(ctx, self); err != nil {
		t.Fatal(err)
	}
	return &consoleEnv{t: t, url: ts.URL, eng: eng, node: node}
}

// api calls the admin API and decodes its JSON answer into out (if not
// nil); it fails the test on a non-2xx status.
func (e *consoleEnv) api(method, path string, body, out any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		e.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// chromiumPath finds Chromium: $OFFSYNC_CHROMIUM, or a chromium or chrome
// binary on the PATH.
func chromiumPath() string {
	if p := os.Getenv("OFFSYNC_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and no
// network chatter, or skips the test, loudly, when there is none.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Log("BROWSER TEST NOT RUN: no Chromium found (install Debian's chromium: apt-get install -y chromium, or set OFFSYNC_CHROMIUM)")
		t.Skip("SKIPPED: no Chromium found: install it (apt-get install -y chromium; .ci/run does) or set OFFSYNC_CHROMIUM")
	}
	t.Logf("browser test: driving %s headless", path)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	// An uncaught exception in the console's scripts fails the test.
	var mu sync.Mutex
	var thrown []string
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() {
				mu.Lock()
				thrown = append(thrown, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancelTimeout()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, e := range thrown {
			t.Errorf("uncaught in the page: %s", e)
		}
	})
	return ctx
}

// shots saves screenshots: into $OFFSYNC_ARTIFACTS (or a temporary
// directory, logged), and into docs/console when OFFSYNC_CONSOLE_DOCS is
// set (to refresh the documentation's pictures).
type shots struct {
	t    *testing.T
	dirs []string
	docs string // docs/console, or ""
}

func newShots(t *testing.T) *shots {
	dir := os.Getenv("OFFSYNC_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else {
		dir = filepath.Join(dir, "console")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots go to %s", dir)
	s := &shots{t: t, dirs: []string{dir}}
	if os.Getenv("OFFSYNC_CONSOLE_DOCS") != "" {
		s.docs = filepath.Join("..", "..", "docs", "console")
	}
	return s
}

// take saves the whole page as name.png (a name starting "full-" is
// kept out of the docs).
func (s *shots) take(ctx context.Context, name string) {
	s.t.Helper()
	s.save(ctx, name, chromedp.FullScreenshot(100))
}

// view saves what the window shows (an open dialog, say) as name.png.
func (s *shots) view(ctx context.Context, name string) {
	s.t.Helper()
	s.save(ctx, name, chromedp.CaptureScreenshot())
}

// part saves the element sel finds as name.png.
func (s *shots) part(ctx context.Context, name, sel string) {
	s.t.Helper()
	s.save(ctx, name, chromedp.Screenshot(chromedp.CSS(sel)))
}

func (s *shots) save(ctx context.Context, name string, shot chromedp.Action[[]byte]) {
	s.t.Helper()
	// Toasts of earlier steps would cover the picture.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.getElementById('toast').textContent = ''`)); err != nil {
		s.t.Fatalf("clear toast: %v", err)
	}
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	for _, d := range s.dirs {
		if err := os.WriteFile(filepath.Join(d, name+".png"), png, 0o644); err != nil {
			s.t.Fatalf("save screenshot: %v", err)
		}
	}
	if s.docs != "" && !strings.HasPrefix(name, "full-") {
		if err := os.WriteFile(filepath.Join(s.docs, name+".png"), smallPNG(png), 0o644); err != nil {
			s.t.Fatalf("save screenshot: %v", err)
		}
	}
}

// run runs chromedp actions, failing the test with what was being done.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("%s: %v\npage text: %s", what, err, body)
	}
}

// text returns the text of the first element sel finds.
func text[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %v: %v", sel, err)
	}
	return s
}

// textWhen is text once ok accepts it: the page may still be rendering
// (a table replaced after its fetch answers, a node gone between finding
// it and reading it). After 10 s it returns what it last read.
func textWhen[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S, ok func(string) bool) string {
	t.Helper()
	var last string
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if last, err = chromedp.Run(ctx, chromedp.Text(sel)); err == nil && ok(last) {
			return last
		}
	}
	if err != nil {
		t.Fatalf("text of %v: %v", sel, err)
	}
	return last
}

// unlabelled lists the visible form controls with no accessible name (a
// <label>, aria-label or aria-labelledby) and the buttons and links
// with no text: each is something a screen reader cannot name.
const unlabelled = `[...document.querySelectorAll('input, select, textarea, button, a[href]')]
  .filter((el) => el.type !== 'hidden' && el.getClientRects().length > 0)
  .filter((el) => ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)
    ? !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')
    : !el.textContent.trim() && !el.getAttribute('aria-label'))
  .map((el) => el.outerHTML.slice(0, 120))`

// checkLabels fails the test when the page shows a control without an
// accessible name.
func checkLabels(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](unlabelled))
	if err != nil {
		t.Fatalf("check labels on %s: %v", page, err)
	}
	for _, b := range bad {
		t.Errorf("%s: a control without an accessible name: %s", page, b)
	}
}

// stepTimeout bounds one step of a browser test, so that a failure says
// which step and shows the page while the browser is still there.
const stepTimeout = 30 * time.Second

// xp is an XPath selector (a chromedp Search).
func xp(format string, args ...any) string { return fmt.Sprintf(format, args...) }

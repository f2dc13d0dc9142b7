package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offsync/offsync/engine"
)

// testDeadline bounds every wait in these tests; the server's own limits
// are far shorter, so reaching it means a limit did not hold.
const testDeadline = 20 * time.Second

// lockedBuffer is a bytes.Buffer safe for a logger and a test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newHTTPServer serves an empty engine through Server.HTTPServer on a
// LimitListener, as offsync serve does, with tune applied to the config.
// It returns the server's address and its log.
func newHTTPServer(t *testing.T, tune func(*Config)) (string, *lockedBuffer) {
	t.Helper()
	ecfg := engine.DefaultConfig(t.TempDir())
	ecfg.MemTableSize, ecfg.BlockCacheSize = 8<<20, 1<<20
	e, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	logs := new(lockedBuffer)
	cfg := DefaultConfig(testToken)
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	if tune != nil {
		tune(&cfg)
	}
	s, err := New(cfg, directWriter{e}, e, alwaysReady(true))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = s.HTTPServer()
	ts.Listener = s.LimitListener(ts.Listener)
	ts.Start()
	t.Cleanup(ts.Close)
	return ts.Listener.Addr().String(), logs
}

// dial opens a raw connection whose reads give up at testDeadline.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(testDeadline))
	return c
}

// trickle writes b one byte every gap until done is closed, b is
// exhausted or a write fails.
func trickle(c net.Conn, b []byte, gap time.Duration, done <-chan struct{}) {
	for i := range b {
		select {
		case <-done:
			return
		case <-time.After(gap):
		}
		if _, err := c.Write(b[i : i+1]); err != nil {
			return
		}
	}
}

// readAnswer reads one response from c and decodes its {code, message}.
func readAnswer(t *testing.T, c net.Conn) (int, ErrorBody) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	defer resp.Body.Close()
	var eb ErrorBody
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &eb)
	return resp.StatusCode, eb
}

// wantClosed fails t unless the server closes c (rather than the test's
// own read deadline ending the wait).
func wantClosed(t *testing.T, c net.Conn, what string) {
	t.Helper()
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the connection was still open after %v", what, testDeadline)
	}
}

// header is a request's head announcing a JSON body of n bytes.
func header(method, path string, n int, extra string) string {
	return method + " " + path + " HTTP/1.1\r\nHost: offsync\r\nAuthorization: Bearer " + testToken +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(n) + "\r\n" + extra + "\r\n"
}

// TestTruncatedBodyIs400 sends bodies shorter than their Content-Length
// and closes the sending side: each is the client's fault, so 400
// bad_request, and nothing is logged as an error.
func TestTruncatedBodyIs400(t *testing.T) {
	addr, logs := newHTTPServer(t, nil)
	for _, route := range []struct{ method, path string }{
		{"POST", "/v1/records"}, {"PUT", "/v1/admin/schema/draft"}, {"POST", "/v1/admin/org"},
	} {
		c := dial(t, addr)
		if _, err := io.WriteString(c, header(route.method, route.path, 100, "")+`{"records":`); err != nil {
			t.Fatal(err)
		}
		_ = c.(*net.TCPConn).CloseWrite()
		status, eb := readAnswer(t, c)
		if status != 400 || eb.Code != CodeBadRequest || !strings.Contains(eb.Message, "shorter than its Content-Length") {
			t.Errorf("%s %s: %d %+v, want 400 bad_request", route.method, route.path, status, eb)
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("a truncated body was logged as an error:\n%s", logs)
	}
}

// TestSlowBodyIs400 trickles a body slower than ReadBodyTimeout allows:
// the request gets 400 bad_request and the connection is closed.
func TestSlowBodyIs400(t *testing.T) {
	addr, logs := newHTTPServer(t, func(c *Config) { c.ReadBodyTimeout = 300 * time.Millisecond })
	c := dial(t, addr)
	if _, err := io.WriteString(c, header("POST", "/v1/records", 1000, "")); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	defer close(done)
	go trickle(c, bytes.Repeat([]byte(" "), 1000), 50*time.Millisecond, done)
	status, eb := readAnswer(t, c)
	if status != 400 || eb.Code != CodeBadRequest || !strings.Contains(eb.Message, "in time") {
		t.Errorf("slow body: %d %+v, want 400 bad_request", status, eb)
	}
	wantClosed(t, c, "after a slow body")
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("a slow body was logged as an error:\n%s", logs)
	}
}

// TestSlowAndIdleConnectionsAreClosed: a client that sends its headers a
// byte at a time, one that sends nothing, and one that stays connected
// after its answer are all cut off by the server, without a token.
func TestSlowAndIdleConnectionsAreClosed(t *testing.T) {
	addr, _ := newHTTPServer(t, func(c *Config) {
		c.ReadHeaderTimeout, c.IdleTimeout = 300*time.Millisecond, 300*time.Millisecond
	})
	slow := dial(t, addr)
	done := make(chan struct{})
	defer close(done)
	go trickle(slow, []byte("GET /healthz HTTP/1.1\r\nHost: offsync\r\nX-Slow: "+strings.Repeat("a", 1000)), 50*time.Millisecond, done)
	wantClosed(t, slow, "slow headers")

	wantClosed(t, dial(t, addr), "a silent connection")

	idle := dial(t, addr)
	if _, err := io.WriteString(idle, "GET /healthz HTTP/1.1\r\nHost: offsync\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if status, _ := readAnswer(t, idle); status != 200 {
		t.Fatalf("healthz: %d", status)
	}
	wantClosed(t, idle, "an idle kept-alive connection")
}

// TestDeadlinesSpareTheEventStream checks the deadlines of HTTPServer: a
// response that takes longer than ResponseTimeout is cut off, except on
// the event stream, even on a connection whose earlier request set a
// deadline; and neither the event stream nor a handler that has read its
// whole body is cut off or cancelled by ReadBodyTimeout.
func TestDeadlinesSpareTheEventStream(t *testing.T) {
	cfg := DefaultConfig(testToken)
	cfg.ResponseTimeout, cfg.ReadBodyTimeout = time.Second, 200*time.Millisecond
	s := &Server{cfg: cfg, log: slog.Default()}
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = s.httpServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fast" {
			_, _ = io.WriteString(w, "ok")
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/body" {
			time.Sleep(500 * time.Millisecond) // past the body's deadline
		} else {
			time.Sleep(1500 * time.Millisecond) // past the response's
		}
		if r.Context().Err() != nil {
			w.WriteHeader(http.StatusInternalServerError)
		}
		_, _ = io.WriteString(w, "late")
		_ = http.NewResponseController(w).Flush()
	}))
	ts.Start()
	t.Cleanup(ts.Close)
	client := &http.Client{Timeout: testDeadline, Transport: &http.Transport{MaxConnsPerHost: 1}}
	t.Cleanup(client.CloseIdleConnections)
	get := func(method, path string, body io.Reader) (int, string, error) {
		req, _ := http.NewRequest(method, ts.URL+path, body)
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	if _, b, err := get("GET", "/fast", nil); err != nil || b != "ok" {
		t.Fatalf("fast: %q %v", b, err)
	}
	if status, b, err := get("GET", eventsPath, nil); err != nil || status != 200 || b != "late" {
		t.Errorf("event stream on a reused connection: %d %q %v, want 200 late", status, b, err)
	}
	if status, b, err := get("POST", "/body", strings.NewReader("a body")); err != nil || status != 200 || b != "late" {
		t.Errorf("handler past ReadBodyTimeout after reading its body: %d %q %v, want 200 late", status, b, err)
	}
	if _, b, err := get("GET", "/slow", nil); err == nil && b == "late" {
		t.Errorf("a response past ResponseTimeout was written whole")
	}
}

// TestLimitListener: with one slot, a second connection is accepted only
// once the first closes, and Close wakes an Accept waiting for a slot.
func TestLimitListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newLimitListener(ln, 1)
	t.Cleanup(func() { l.Close() })
	accept := func() <-chan net.Conn {
		ch := make(chan net.Conn, 1)
		go func() {
			c, _ := l.Accept()
			ch <- c
		}()
		return ch
	}
	dial(t, ln.Addr().String())
	first := <-accept()
	if first == nil {
		t.Fatal("first connection not accepted")
	}
	dial(t, ln.Addr().String())
	second := accept()
	select {
	case <-second:
		t.Fatal("a second connection was accepted while the only slot was taken")
	case <-time.After(200 * time.Millisecond):
	}
	first.Close()
	first.Close() // a second Close frees nothing more
	select {
	case c := <-second:
		if c == nil {
			t.Fatal("second connection not accepted")
		}
		c.Close()
	case <-time.After(testDeadline):
		t.Fatal("closing the first connection freed no slot")
	}
	dial(t, ln.Addr().String())
	third := accept()
	l.Close()
	select {
	case <-third:
	case <-time.After(testDeadline):
		t.Fatal("Close did not wake Accept")
	}
}

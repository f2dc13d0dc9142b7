package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// newStreamServer returns a Server over the demo dataset, not yet
// served.
func newStreamServer(t *testing.T) *Server {
	t.Helper()
	ecfg := engine.DefaultConfig(t.TempDir())
	ecfg.MemTableSize, ecfg.BlockCacheSize = 16<<20, 1<<20
	e, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	c, _ := dataset.ConfigFor(dataset.SizeDemo)
	c.Now = time.UnixMilli(1_700_000_000_000)
	if _, err := dataset.Load(context.Background(), directWriter{e}, c, 1000, nil); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(testToken)
	cfg.Now = func() time.Time { return c.Now }
	s, err := New(cfg, directWriter{e}, e, alwaysReady(true))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// activityStreams reads the open streams GET /v1/admin/activity counts.
func activityStreams(t *testing.T, ts *httptest.Server) int {
	t.Helper()
	var a Activity
	if code := getJSON(t, ts.URL+"/v1/admin/activity", &a); code != 200 {
		t.Fatalf("activity: %d", code)
	}
	return a.Streams
}

// TestEventStreamOverHTTP1 checks a stream served on a connection taken
// over from net/http: a chunked HTTP/1.1 answer with the route's headers,
// its events, and the activity figures counting it while it is open and
// no longer once the device has gone.
func TestEventStreamOverHTTP1(t *testing.T) {
	ts, _ := newDemoServerWith(t, nil)
	token, user := fieldSalesToken(t, ts)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sctx, closeStream := context.WithCancel(ctx)
	resp := openEvents(t, sctx, ts, token)
	if resp.StatusCode != 200 || resp.Proto != "HTTP/1.1" || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" ||
		resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get(RequestIDHeader) == "" {
		t.Fatalf("stream answer: %s %v %v", resp.Status, resp.TransferEncoding, resp.Header)
	}
	sc := bufio.NewScanner(resp.Body)
	if name, _ := readEvent(t, sc); name != "ready" {
		t.Fatalf("first event %s", name)
	}
	if n := activityStreams(t, ts); n != 1 {
		t.Fatalf("activity counts %d open streams, want 1", n)
	}
	body := `{"records":[{"entity":"task","id":"7a5c0000-0000-4000-8000-000000000002","ownerid":"` + user + `","attributes":{"subject":"Call back"}}]}`
	if r, b := do(t, "POST", ts.URL+"/v1/records", []byte(body), nil); r.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", r.StatusCode, b)
	}
	if name, data := readEvent(t, sc); name != "changed" || !strings.Contains(data, `"task"`) {
		t.Fatalf("after an ingest: %s %s", name, data)
	}
	closeStream()
	for activityStreams(t, ts) != 0 {
		select {
		case <-ctx.Done():
			t.Fatal("the activity figures still count the closed stream")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestEventStreamOverTLS checks both paths over TLS: HTTP/1.1 takes the
// connection over (a *tls.Conn), and HTTP/2, whose connections cannot be
// taken over, streams through net/http.
func TestEventStreamOverTLS(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[h2], func(t *testing.T) {
			s := newStreamServer(t)
			ts := httptest.NewUnstartedServer(s.Handler())
			ts.EnableHTTP2 = h2
			ts.StartTLS()
			t.Cleanup(ts.Close)
			resp, b := doClient(t, ts.Client(), "POST", ts.URL+"/v1/admin/users/"+fieldSalesUser(t, ts)+"/tokens", testToken)
			var tr TokenResponse
			if resp.StatusCode != 200 || json.Unmarshal(b, &tr) != nil {
				t.Fatalf("mint token: %d %s", resp.StatusCode, b)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			sctx, closeStream := context.WithCancel(ctx)
			req, _ := http.NewRequestWithContext(sctx, "GET", ts.URL+"/v1/sync/events", nil)
			req.Header.Set("Authorization", "Bearer "+tr.Token)
			sr, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer sr.Body.Close()
			if want := map[bool]int{false: 1, true: 2}[h2]; sr.StatusCode != 200 || sr.ProtoMajor != want || sr.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("stream answer: %s %s %v", sr.Status, sr.Proto, sr.Header)
			}
			if name, _ := readEvent(t, bufio.NewScanner(sr.Body)); name != "ready" {
				t.Fatalf("first event %s", name)
			}
			if n := s.streams.total(); n != 1 {
				t.Fatalf("%d streams counted, want 1", n)
			}
			closeStream()
			for s.streams.total() != 0 { // the slot comes back once the device has gone
				select {
				case <-ctx.Done():
					t.Fatal("a closed stream kept its slot")
				case <-time.After(20 * time.Millisecond):
				}
			}
		})
	}
}

// TestShutdownEndsEventStreams: net/http's Shutdown does not see streams
// taken over from it; the server ends them itself, so that a device sees
// its stream end (and reconnects elsewhere) when a node stops.
func TestShutdownEndsEventStreams(t *testing.T) {
	s := newStreamServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := s.HTTPServer()
	served := make(chan error, 1)
	go func() { served <- hs.Serve(s.LimitListener(ln)) }()
	base := "http://" + ln.Addr().String()
	ts := &httptest.Server{URL: base}
	resp, b := doClient(t, http.DefaultClient, "POST", base+"/v1/admin/users/"+fieldSalesUser(t, ts)+"/tokens", testToken)
	var tr TokenResponse
	if resp.StatusCode != 200 || json.Unmarshal(b, &tr) != nil {
		t.Fatalf("mint token: %d %s", resp.StatusCode, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream := openEvents(t, ctx, ts, tr.Token)
	sc := bufio.NewScanner(stream.Body)
	if name, _ := readEvent(t, sc); name != "ready" {
		t.Fatalf("first event %s", name)
	}
	ended := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, stream.Body)
		ended <- err
	}()
	if err := hs.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("the stream ended with %v, want its last chunk", err)
		}
	case <-ctx.Done():
		t.Fatal("the stream outlived the server's shutdown")
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("serve: %v", err)
	}
	// The device has the stream's last chunk; the stream's goroutine gives
	// its slot back right after writing it.
	for deadline := time.Now().Add(10 * time.Second); s.streams.total() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams still counted after the shutdown", s.streams.total())
		}
	}
}

// fieldSalesUser returns a member of "Field Sales".
func fieldSalesUser(t *testing.T, ts *httptest.Server) string {
	t.Helper()
	resp, b := doClient(t, clientOf(ts), "GET", ts.URL+"/v1/admin/profiles/Field%20Sales", testToken)
	var p engine.Profile
	if resp.StatusCode != 200 || json.Unmarshal(b, &p) != nil || len(p.Users) == 0 {
		t.Fatalf("Field Sales: %d %s", resp.StatusCode, b)
	}
	return p.Users[0]
}

// clientOf returns ts's client, or the default one for a server that
// httptest did not start.
func clientOf(ts *httptest.Server) *http.Client {
	if ts.Config == nil {
		return http.DefaultClient
	}
	return ts.Client()
}

// doClient sends a request with a bearer token through hc.
func doClient(t *testing.T, hc *http.Client, method, url, token string) (*http.Response, []byte) {
	t.Helper()
	return doClientWith(t, hc, method, url, token, nil)
}

// doClientWith is doClient with more request headers.
func doClientWith(t *testing.T, hc *http.Client, method, url, token string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestIdleEventStreamsHoldLittleHeap: an open stream no longer holds
// net/http's request, response and connection buffers (about 12 KiB a
// stream before): 200 idle streams over bare connections hold less than
// 6 KiB of heap each, measured after a collection.
func TestIdleEventStreamsHoldLittleHeap(t *testing.T) {
	ts, _ := newDemoServerWith(t, func(c *Config) { c.MaxStreamsPerToken = 1000 })
	token, _ := fieldSalesToken(t, ts)
	addr := strings.TrimPrefix(ts.URL, "http://")
	open := func() net.Conn {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		if _, err := io.WriteString(conn, "GET /v1/sync/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+token+"\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		br := bufio.NewReaderSize(conn, 256)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("read the stream: %v", err)
			}
			if strings.TrimSpace(line) == "event: ready" {
				return conn
			}
		}
	}
	open() // warm the user's access and the server's pools
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	const n = 200
	before := heap()
	for range n {
		open()
	}
	after := heap()
	per := (int64(after) - int64(before)) / n
	t.Logf("%d B of heap per idle stream", per)
	if per > 6<<10 {
		t.Fatalf("an idle stream holds %d B of heap, want under 6 KiB", per)
	}
}

package console

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// TestConsoleServesFilesWithTypesAndPolicy: every embedded file is served
// with its content type, the strict CSP, nosniff and a revalidating cache.
func TestConsoleServesFilesWithTypesAndPolicy(t *testing.T) {
	h := Handler()
	want := map[string]string{
		"/console/":              "text/html; charset=utf-8",
		"/console/index.html":    "text/html; charset=utf-8",
		"/console/console.css":   "text/css; charset=utf-8",
		"/console/js/app.js":     "text/javascript; charset=utf-8",
		"/console/js/profile.js": "text/javascript; charset=utf-8",
		"/console/favicon.svg":   "image/svg+xml",
	}
	for path, ct := range want {
		resp := get(t, h, "GET", path, nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ct || len(body) == 0 {
			t.Errorf("%s: %d %q (%d bytes), want 200 %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), ct)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'none'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, d)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q allows unsafe sources", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("ETag") == "" {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
	}
}

// TestConsoleETagRevalidates: a matching If-None-Match is 304 without a
// body; another file's ETag is not.
func TestConsoleETagRevalidates(t *testing.T) {
	h := Handler()
	etag := get(t, h, "GET", "/console/js/app.js", nil).Header.Get("ETag")
	resp := get(t, h, "GET", "/console/js/app.js", map[string]string{"If-None-Match": `"x", ` + etag})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Fatalf("matching ETag: %d with %d bytes, want 304 empty", resp.StatusCode, len(body))
	}
	other := get(t, h, "GET", "/console/console.css", nil).Header.Get("ETag")
	if other == etag {
		t.Fatalf("two files share ETag %s", etag)
	}
	if resp := get(t, h, "GET", "/console/console.css", map[string]string{"If-None-Match": etag}); resp.StatusCode != 200 {
		t.Fatalf("stale ETag: %d, want 200", resp.StatusCode)
	}
}

// TestConsoleRefusesOtherPathsAndMethods: unknown files, directory paths,
// traversal and writes are refused.
func TestConsoleRefusesOtherPathsAndMethods(t *testing.T) {
	h := Handler()
	for _, path := range []string{"/console/nope.js", "/console/js/", "/console/js", "/console/../go.mod", "/console/static/index.html", "/other"} {
		if resp := get(t, h, "GET", path, nil); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
	if resp := get(t, h, "POST", "/console/", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
	resp := get(t, h, "HEAD", "/console/js/app.js", nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") == "0" {
		t.Errorf("HEAD: %d, %d bytes, length %q", resp.StatusCode, len(body), resp.Header.Get("Content-Length"))
	}
}

// TestConsoleLoadRefusesUnknownTypes: a file whose type is unknown, or a
// tree without index.html, is a load error (not a panic, not served as
// octet-stream).
func TestConsoleLoadRefusesUnknownTypes(t *testing.T) {
	if _, err := load(fstest.MapFS{"static/index.html": {Data: []byte("x")}, "static/a.exe": {Data: []byte("x")}}); err == nil {
		t.Error("unknown extension loaded")
	}
	if _, err := load(fstest.MapFS{"static/a.js": {Data: []byte("x")}}); err == nil {
		t.Error("a tree without index.html loaded")
	}
	if _, err := load(static); err != nil {
		t.Fatalf("the embedded files: %v", err)
	}
}

// TestConsolePageHasNoInlineScript: the CSP forbids inline scripts and
// style attributes, so the files must not rely on them.
func TestConsolePageHasNoInlineScript(t *testing.T) {
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(static, p)
		s := string(b)
		switch {
		case strings.HasSuffix(p, ".html") && (strings.Contains(s, "<script>") || strings.Contains(s, " style=") || strings.Contains(s, " onclick=")):
			t.Errorf("%s has inline script or style", p)
		case strings.HasSuffix(p, ".js") && (strings.Contains(s, "innerHTML") || strings.Contains(s, "eval(") || strings.Contains(s, "localStorage")):
			t.Errorf("%s uses innerHTML, eval or localStorage", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

package console

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzConsoleRequest: any path and If-None-Match get a 200 (a console
// file, whole), a 304 or a 404, always with the security headers, and
// never a panic.
func FuzzConsoleRequest(f *testing.F) {
	h := Handler().(*handler)
	f.Add("/console/", "")
	f.Add("/console/js/app.js", `"x", W/"y"`)
	f.Add("/console/../static/index.html", "*")
	f.Add("/console/%2e%2e/go.mod", "")
	f.Fuzz(func(t *testing.T, path, inm string) {
		req, err := http.NewRequest("GET", "http://x/", nil)
		if err != nil {
			t.Skip()
		}
		req.URL.Path = path
		req.Header.Set("If-None-Match", inm)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Header().Get("Content-Security-Policy") != ContentSecurityPolicy || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%q: headers %v", path, rec.Header())
		}
		switch rec.Code {
		case http.StatusOK:
			name := path[len(Prefix):]
			f, ok := h.lookup(name)
			if !ok || rec.Body.Len() != len(f.body) || rec.Header().Get("Content-Type") != f.contentType {
				t.Fatalf("%q: 200 with %d bytes of %q", path, rec.Body.Len(), rec.Header().Get("Content-Type"))
			}
		case http.StatusNotModified, http.StatusNotFound:
		default:
			t.Fatalf("%q: status %d", path, rec.Code)
		}
	})
}

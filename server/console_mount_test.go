package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestConsoleIsMounted: /console redirects to /console/, which serves the
// page without a token (the data needs one); the API stays guarded.
func TestConsoleIsMounted(t *testing.T) {
	ts, _ := newTestServer(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(ts.URL + "/console")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 3 || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("GET /console: %d to %q, want a redirect to /console/", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = http.Get(ts.URL + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `<script type="module" src="js/app.js">`) || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("GET /console/: %d %q", resp.StatusCode, b)
	}
	for _, path := range []string{"/console/missing.js", "/v1/admin/users"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[string]int{"/console/missing.js": 404, "/v1/admin/users": 401}[path]; resp.StatusCode != want {
			t.Errorf("GET %s without a token: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

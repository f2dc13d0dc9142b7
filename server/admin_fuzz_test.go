package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// fuzzRoutes are the admin and ingest routes that take a body or a path
// id; {} stands for the fuzzed id.
var fuzzRoutes = []string{
	"POST /v1/records",
	"GET /v1/records/account/{}",
	"PUT /v1/admin/schema/draft",
	"POST /v1/admin/org",
	"PUT /v1/admin/businessunits/{}",
	"PUT /v1/admin/teams/{}",
	"PUT /v1/admin/users/{}",
	"PUT /v1/admin/roles/{}",
	"PUT /v1/admin/profiles/{}",
	"POST /v1/admin/profiles/{}/members",
	"DELETE /v1/admin/profiles/{}/members",
	"POST /v1/admin/profiles/{}/publish",
	"GET /v1/admin/profiles/{}/estimate",
	"POST /v1/admin/users/{}/tokens",
	"DELETE /v1/admin/tokens/{}",
	"PUT /v1/admin/settings",
	"GET /v1/admin/sync-errors/{}",
	"POST /v1/admin/sync-errors/{}/reapply",
	"DELETE /v1/admin/sync-errors/{}",
	"POST /v1/cluster/propose",
	"POST /v1/sync/push",
	"POST /v1/sync/pull",
}

// FuzzAdminRoutes sends arbitrary JSON bodies and path ids to every route
// that decodes one, on a server over the demo dataset: an answer is never
// a 5xx (nor a panic), and every 4xx carries {code, message}.
func FuzzAdminRoutes(f *testing.F) {
	seeds := []string{
		`{}`, `[]`, `null`, `{"records":[{"entity":"account","id":"6f9619ff-8b86-4011-b42d-00c04fc964ff","attributes":{"name":"x"}}]}`,
		`{"name":"P","description":"d","rules":[{"entity":"account","rows":["user"],"filter":"name begins 'A'"}]}`,
		`{"users":["00000000-0000-4000-8000-000000000001"],"move":true}`,
		`{"businessUnits":[{"id":"00000000-0000-4000-8000-000000000009","name":"X"}]}`,
		`{"entities":[{"name":"account","ownership":"user","attributes":[{"name":"name","type":"string"}]}]}`,
		`{"conflictDetection":true}`, `{"mutations":[{"id":"m","entity":"account","rowId":"x","op":"create"}]}`,
	}
	for i := range fuzzRoutes {
		for _, s := range seeds {
			f.Add(uint8(i), "Field Sales", []byte(s))
		}
	}
	ecfg := engine.DefaultConfig(f.TempDir())
	ecfg.MemTableSize, ecfg.BlockCacheSize = 16<<20, 1<<20
	e, err := engine.Open(ecfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	c, _ := dataset.ConfigFor(dataset.SizeDemo)
	c.Now = time.UnixMilli(1_700_000_000_000)
	if _, err := dataset.Load(context.Background(), directWriter{e}, c, 1000, nil); err != nil {
		f.Fatal(err)
	}
	cfg := DefaultConfig(testToken)
	cfg.Now = func() time.Time { return c.Now }
	s, err := New(cfg, directWriter{e}, e, alwaysReady(true))
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, route uint8, id string, body []byte) {
		method, path, _ := strings.Cut(fuzzRoutes[int(route)%len(fuzzRoutes)], " ")
		path = strings.ReplaceAll(path, "{}", url.PathEscape(id))
		req := httptest.NewRequest(method, "http://offsync"+path, bytes.NewReader(body))
		if req.URL.Path != path && !strings.Contains(path, "%") {
			return // the id rewrote the path (".."): another route
		}
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { h.ServeHTTP(rec, req); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("HANG %s %s %q\n%s", method, path, body, buf[:n])
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body.Bytes())
		}
		if rec.Code >= 400 && !bytes.Contains(rec.Body.Bytes(), []byte(`"code"`)) && rec.Code != http.StatusMethodNotAllowed {
			t.Fatalf("%s %s %q: %d without {code, message}: %s", method, path, body, rec.Code, rec.Body.Bytes())
		}
	})
}

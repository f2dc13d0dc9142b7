package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

const (
	testToken = "test-admin-token-0123456789"
	bu        = "00000000-0000-4000-8000-000000000001"
	owner     = "00000000-0000-4000-8000-0000000000a1"
	acc1      = "10000000-0000-4000-8000-000000000001"
	acc2      = "10000000-0000-4000-8000-000000000002"
)

// directWriter applies commands straight to the engine at consecutive
// versions: the handlers see the same results as through Raft.
type directWriter struct{ e *engine.Engine }

// directMu serializes directWriter proposals: two at once (a test's and
// a server's background one, such as registering cursor contexts) would
// take the same version, and the second would be skipped.
var directMu sync.Mutex

func (d directWriter) Propose(_ context.Context, cmd *engine.Command) (*engine.Result, error) {
	directMu.Lock()
	defer directMu.Unlock()
	return d.e.Apply(d.e.Applied()+1, cmd)
}

type alwaysReady bool

func (a alwaysReady) Ready() bool { return bool(a) }

// newTestServer returns an httptest server over a fresh engine holding a
// small published schema and one user.
func newTestServer(t *testing.T) (*httptest.Server, *engine.Engine) {
	t.Helper()
	ecfg := engine.DefaultConfig(t.TempDir())
	ecfg.MemTableSize, ecfg.BlockCacheSize = 8<<20, 1<<20
	e, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	w := directWriter{e}
	for _, c := range []*engine.Command{
		{Kind: engine.KindSetSchemaDraft, Schema: &engine.Schema{Entities: []engine.EntityDef{{Name: "account", Offline: true,
			Attributes: []engine.Attribute{{Name: "name", Type: engine.TypeString, Required: true, MaxLength: 50}, {Name: "employees", Type: engine.TypeInt}}}}}},
		{Kind: engine.KindPublishSchema},
		{Kind: engine.KindPutOrg, Org: &engine.Org{BusinessUnits: []engine.BusinessUnit{{ID: bu, Name: "Root"}},
			Users: []engine.User{{ID: owner, Name: "Ann", BusinessUnit: bu, Enabled: true}}}},
	} {
		if r, err := w.Propose(context.Background(), c); err != nil || r.Err != nil {
			t.Fatalf("setup %s: %v %v", c.Kind, err, r.Err)
		}
	}
	cfg := DefaultConfig(testToken)
	cfg.MaxBodyBytes, cfg.MaxDecodedBytes, cfg.MaxBatchRecords = 4096, 64<<10, 10
	cfg.Now = func() time.Time { return time.UnixMilli(1_700_000_000_000) }
	s, err := New(cfg, w, e, alwaysReady(true))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, e
}

func do(t testing.TB, method, url string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestIngestJSONAndReadBack(t *testing.T) {
	ts, e := newTestServer(t)
	body := fmt.Sprintf(`{"records":[{"entity":"account","id":%q,"ownerid":%q,"attributes":{"name":"Contoso","employees":12}},
		{"entity":"account","id":%q,"ownerid":%q,"attributes":{"name":"Fabrikam"}}]}`, acc1, owner, acc2, owner)
	resp, b := do(t, "POST", ts.URL+"/v1/records", []byte(body), map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", resp.StatusCode, b)
	}
	var ir IngestResponse
	if err := json.Unmarshal(b, &ir); err != nil || ir.Count != 2 || ir.Version != e.Applied() {
		t.Fatalf("ingest response %s (%v), applied %d", b, err, e.Applied())
	}
	resp, b = do(t, "GET", ts.URL+"/v1/records/account/"+acc1, nil, nil)
	var row codec.Row
	if resp.StatusCode != 200 || json.Unmarshal(b, &row) != nil {
		t.Fatalf("read back: %d %s", resp.StatusCode, b)
	}
	if row.Attrs["name"] != "Contoso" || row.Version != ir.Version || row.OwningBusinessUnit != bu || row.ModifiedOn != 1_700_000_000_000 {
		t.Fatalf("row = %+v", row)
	}
	resp, _ = do(t, "GET", ts.URL+"/v1/records/account/"+owner, nil, nil)
	if resp.StatusCode != 404 {
		t.Fatalf("missing row: %d", resp.StatusCode)
	}
}

func TestIngestMsgpackZstd(t *testing.T) {
	ts, e := newTestServer(t)
	raw, err := codec.EncodeBatch(codec.Batch{Records: []codec.Record{{Entity: "account", ID: acc1, OwnerID: owner, Attrs: map[string]any{"name": "Z"}}}}, codec.FormatMsgpack)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := zstd.NewWriter(nil)
	body := enc.EncodeAll(raw, nil)
	resp, b := do(t, "POST", ts.URL+"/v1/records", body, map[string]string{"Content-Type": "application/msgpack", "Content-Encoding": "zstd"})
	if resp.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", resp.StatusCode, b)
	}
	if r, err := e.Get("account", acc1); err != nil || r.Attrs["name"] != "Z" {
		t.Fatalf("row = %+v %v", r, err)
	}
}

func TestBadInputGets4xxAndWritesNothing(t *testing.T) {
	ts, e := newTestServer(t)
	rec := func(s string) []byte { return []byte(`{"records":[` + s + `]}`) }
	good := fmt.Sprintf(`{"entity":"account","id":%q,"ownerid":%q,"attributes":{"name":"ok"}}`, acc1, owner)
	many := strings.Repeat(good+",", 10) + good
	bomb := func() []byte {
		enc, _ := zstd.NewWriter(nil)
		return enc.EncodeAll(append([]byte(`{"records":[`), bytes.Repeat([]byte(" "), 1<<20)...), nil)
	}()
	cases := []struct {
		name   string
		body   []byte
		hdr    map[string]string
		status int
		code   string
	}{
		{"unknown entity", rec(good + `,{"entity":"nope","id":"` + acc2 + `"}`), nil, 400, CodeInvalid},
		{"unknown attribute", rec(fmt.Sprintf(`{"entity":"account","id":%q,"ownerid":%q,"attributes":{"name":"a","zz":1}}`, acc2, owner)), nil, 400, CodeInvalid},
		{"wrong type", rec(fmt.Sprintf(`{"entity":"account","id":%q,"ownerid":%q,"attributes":{"name":5}}`, acc2, owner)), nil, 400, CodeInvalid},
		{"missing id", rec(good + fmt.Sprintf(`,{"entity":"account","ownerid":%q,"attributes":{"name":"a"}}`, owner)), nil, 400, CodeInvalid},
		{"undecodable", []byte(`{"records":[{`), nil, 400, CodeBadRequest},
		{"unknown field", []byte(`{"records":[],"x":1}`), nil, 400, CodeBadRequest},
		{"oversized body", rec(strings.Repeat(" ", 5000) + good), nil, 413, CodeTooLarge},
		{"too many records", rec(many), nil, 413, CodeTooLarge},
		{"compression bomb", bomb, map[string]string{"Content-Encoding": "zstd"}, 413, CodeTooLarge},
		{"bad encoding", rec(good), map[string]string{"Content-Encoding": "br"}, 415, CodeUnsupportedMedia},
		{"bad media type", rec(good), map[string]string{"Content-Type": "text/csv"}, 415, CodeUnsupportedMedia},
		{"missing token", rec(good), map[string]string{"Authorization": ""}, 401, CodeUnauthorized},
		{"bad token", rec(good), map[string]string{"Authorization": "Bearer nope"}, 401, CodeUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Content-Type": "application/json"}
			for k, v := range tc.hdr {
				hdr[k] = v
			}
			before := e.Applied()
			resp, b := do(t, "POST", ts.URL+"/v1/records", tc.body, hdr)
			var eb ErrorBody
			if err := json.Unmarshal(b, &eb); err != nil || resp.StatusCode != tc.status || eb.Code != tc.code || eb.Message == "" {
				t.Fatalf("got %d %s, want %d with code %s", resp.StatusCode, b, tc.status, tc.code)
			}
			if _, err := e.Get("account", acc1); err == nil {
				t.Fatalf("a refused batch wrote its good record")
			}
			if tc.code != CodeInvalid && e.Applied() != before {
				t.Fatalf("a refused request reached the log")
			}
		})
	}
}

func TestOpsEndpoints(t *testing.T) {
	ts, _ := newTestServer(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(ts.URL + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s without a token: %v %v", p, resp.StatusCode, err)
		}
		resp.Body.Close()
	}
	resp, _ := do(t, "GET", ts.URL+"/metrics", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	resp, b := do(t, "GET", ts.URL+"/metrics", nil, map[string]string{"Authorization": ""})
	if resp.StatusCode != 401 {
		t.Fatalf("metrics without a token: %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, "GET", ts.URL+"/v1/admin/users", nil, nil)
	var users []map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(b, &users) != nil || len(users) != 1 || users[0]["id"] != owner {
		t.Fatalf("users: %d %s", resp.StatusCode, b)
	}
	resp, _ = do(t, "GET", ts.URL+"/nope", nil, nil)
	if resp.StatusCode != 404 {
		t.Fatalf("unknown route: %d", resp.StatusCode)
	}
}

func TestReadyzReportsNotReady(t *testing.T) {
	e, _ := engine.Open(engine.Config{InMemory: true, MemTableSize: 8 << 20, BlockCacheSize: 1 << 20})
	t.Cleanup(func() { e.Close() })
	s, err := New(DefaultConfig(testToken), directWriter{e}, e, alwaysReady(false))
	if err != nil {
		t.Fatal(err)
	}
	rr := httptest.NewRecorder()
	s.Handler().ServeHTTP(rr, httptest.NewRequest("GET", "/readyz", nil))
	if rr.Code != 503 || !strings.Contains(rr.Body.String(), CodeUnavailable) {
		t.Fatalf("readyz = %d %s", rr.Code, rr.Body)
	}
}

func TestSchemaDraftAndPublish(t *testing.T) {
	ts, e := newTestServer(t)
	draft := `{"entities":[{"name":"account","ownership":"user","offline":true,"attributes":[{"name":"name","type":"string","required":true,"maxLength":50},{"name":"employees","type":"int"},{"name":"city","type":"string"}]}]}`
	resp, b := do(t, "PUT", ts.URL+"/v1/admin/schema/draft", []byte(draft), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("put draft: %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, "POST", ts.URL+"/v1/admin/schema/publish", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"metadataVersion":2`) {
		t.Fatalf("publish: %d %s", resp.StatusCode, b)
	}
	if e.Schema().Entity("account").Attribute("city") == nil {
		t.Fatal("published schema lacks the new attribute")
	}
	resp, b = do(t, "PUT", ts.URL+"/v1/admin/schema/draft", []byte(`{"entities":[{"name":"Bad Name"}]}`), nil)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "entities[0].name") {
		t.Fatalf("bad draft: %d %s", resp.StatusCode, b)
	}
}

func TestLoadAdminToken(t *testing.T) {
	dir := t.TempDir()
	tok, gen, err := LoadAdminToken(dir, "")
	if err != nil || !gen || len(tok) != 64 {
		t.Fatalf("generate: %q %v %v", tok, gen, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, AdminTokenFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode: %v %v", fi, err)
	}
	again, gen, err := LoadAdminToken(dir, "")
	if err != nil || gen || again != tok {
		t.Fatalf("reload: %q %v %v", again, gen, err)
	}
	if given, gen, _ := LoadAdminToken(dir, "explicit-token"); given != "explicit-token" || gen {
		t.Fatalf("given token ignored")
	}
}

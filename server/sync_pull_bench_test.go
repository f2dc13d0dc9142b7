package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// BenchmarkDevicePull measures what one device pull costs the handler,
// without the network: a pull with nothing new, and a pull whose delta
// carries one changed row, each as the load harness sends it (msgpack,
// shared pages, every column kind, the current answer dictionary, zstd).
// The "static" case serves the no-change answer's bytes from a handler
// that only reads the request, as the harness's static baseline does; it
// reports its time over each pull's (nochange- and delta-ratio-vs-static). allocs/op is exact and the
// steadiest figure on a shared machine.
func BenchmarkDevicePull(b *testing.B) {
	ts, e := newDemoServer(b)
	h := ts.Config.Handler
	token, user := fieldSalesToken(b, ts)
	cursor := benchFirstLoad(b, h, token)
	var row codec.Row
	if _, err := e.View(user, "", time.UnixMilli(1_700_000_000_000).UnixMilli(), func(vr engine.ViewRow) error {
		if row.ID == "" && vr.Rule.Entity == "account" {
			row = vr.Row.Clone()
		}
		return nil
	}); err != nil || row.ID == "" {
		b.Fatalf("no account in the view: %v", err)
	}
	before := cursor
	rec := codec.Record{Op: codec.OpUpsert, Entity: "account", ID: row.ID, OwnerID: row.OwnerID, Attrs: map[string]any{"name": "changed by the benchmark"}}
	if r, err := (directWriter{e}).Propose(context.Background(), &engine.Command{Kind: engine.KindIngest, Now: 1_700_000_000_000, Records: []codec.Record{rec}}); err != nil || r.Err != nil {
		b.Fatalf("update: %v %v", err, r.Err)
	}
	delta := benchPull(b, h, token, before)
	if changes(delta) == 0 {
		b.Fatalf("the delta carried nothing: %+v (row %s %s)", delta, row.ID, row.OwnerID)
	}
	quiet := benchPull(b, h, token, delta.Cursor).Cursor
	if pr := benchPull(b, h, token, quiet); changes(pr) != 0 {
		b.Fatalf("the quiet pull carried %d changes", changes(pr))
	}
	var static []byte
	var quietNs, deltaNs float64
	b.Run("nochange", func(b *testing.B) {
		var w *httptest.ResponseRecorder
		for b.Loop() {
			w = benchPullOnce(h, token, quiet)
		}
		static = w.Body.Bytes()
		quietNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(w.Body.Len()), "bytes")
	})
	b.Run("delta", func(b *testing.B) {
		var w *httptest.ResponseRecorder
		for b.Loop() {
			w = benchPullOnce(h, token, before)
		}
		deltaNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(w.Body.Len()), "bytes")
	})
	// A warm first load: another Field Sales member of the business unit
	// of one who loaded before, so the shared part is cached as pages.
	var ids []string
	if getJSON(b, ts.URL+"/v1/admin/profiles/Field%20Sales", &struct {
		Users *[]string `json:"users"`
	}{&ids}) != 200 || len(ids) < 2 {
		b.Fatal("two Field Sales members are needed")
	}
	all, err := e.Users()
	if err != nil {
		b.Fatal(err)
	}
	bu := map[string]string{}
	for _, u := range all {
		bu[u.ID] = u.BusinessUnit
	}
	var warm string
	for _, id := range ids {
		if id != user && bu[id] == bu[user] {
			warm = benchToken(b, ts, id)
			break
		}
	}
	if warm == "" {
		b.Fatal("no other Field Sales member of the business unit")
	}
	if pr := benchPull(b, h, warm, ""); len(pr.Pages) == 0 {
		b.Fatal("the warm first load lists no shared pages")
	}
	b.Run("warmload", func(b *testing.B) {
		for b.Loop() {
			benchLoadOnce(b, h, warm)
		}
	})
	b.Run("static", func(b *testing.B) {
		sh := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(r.Body)
			w.Header().Set("Content-Type", "application/msgpack")
			w.Header().Set("Content-Encoding", "zstd")
			_, _ = w.Write(static)
		})
		for b.Loop() {
			benchPullOnce(sh, token, quiet)
		}
		ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(ns/quietNs, "nochange-ratio-vs-static")
		b.ReportMetric(ns/deltaNs, "delta-ratio-vs-static")
	})
}

// benchToken mints a device token for user.
func benchToken(tb testing.TB, ts *httptest.Server, user string) string {
	_, body := do(tb, "POST", ts.URL+"/v1/admin/users/"+user+"/tokens", nil, nil)
	var tr TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		tb.Fatal(err)
	}
	return tr.Token
}

// benchLoadOnce runs a whole first load as BenchmarkSnapshotCached's
// fetcher does: the pulls (without the answer dictionary), and the shared
// pages they list.
func benchLoadOnce(tb testing.TB, h http.Handler, token string) {
	cursor := ""
	for {
		pr := benchPull(tb, h, token, cursor)
		for _, p := range pr.Pages {
			r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/v1/sync/pages/"+p.ID, nil)
			r.Header = http.Header{"Authorization": {"Bearer " + token}, "Accept-Encoding": {"zstd"}}
			pw := httptest.NewRecorder()
			h.ServeHTTP(pw, r)
			if pw.Code != http.StatusOK {
				tb.Fatalf("page: %d", pw.Code)
			}
		}
		if !pr.More {
			return
		}
		cursor = pr.Cursor
	}
}

// benchPullRequest is the harness's pull request for cursor, asking for
// the answer dictionary when dict is set.
func benchPullRequest(token, cursor string, dict bool) *http.Request {
	req := codec.PullRequest{Cursor: cursor, Pages: true, Kinds: codec.ColumnKinds}
	if dict {
		req.Dict = codec.DictCurrent
	}
	body, _ := codec.Marshal(req)
	// Not httptest.NewRequest: it reads the request from text, which
	// costs more than the server's work on a small pull.
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/v1/sync/pull", bytes.NewReader(body))
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header = http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/msgpack"},
		"Accept": {"application/msgpack"}, "Accept-Encoding": {"zstd, gzip"}}
	return r
}

// benchPullOnce serves one pull to h, as the harness asks for it.
func benchPullOnce(h http.Handler, token, cursor string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, benchPullRequest(token, cursor, true))
	return w
}

// benchPull pulls once, without the dictionary, and returns the answer.
func benchPull(tb testing.TB, h http.Handler, token, cursor string) codec.PullResponse {
	tb.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, benchPullRequest(token, cursor, false))
	if w.Code != http.StatusOK {
		tb.Fatalf("pull: %d %s", w.Code, w.Body.Bytes())
	}
	raw := w.Body.Bytes()
	if w.Header().Get("Content-Encoding") == "zstd" {
		dec, _ := zstd.NewReader(nil)
		defer dec.Close()
		var err error
		if raw, err = dec.DecodeAll(raw, nil); err != nil {
			tb.Fatal(err)
		}
	}
	pr, err := codec.DecodePullResponse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return pr
}

// changes counts an answer's rows, patches and removals.
func changes(pr codec.PullResponse) int {
	n := 0
	for _, ec := range pr.Entities {
		n += len(ec.Rows) + len(ec.Patches) + len(ec.Removals)
	}
	return n
}

// benchFirstLoad runs a first load to its end and returns its cursor.
func benchFirstLoad(tb testing.TB, h http.Handler, token string) string {
	tb.Helper()
	cursor := ""
	for i := 0; i < 1000; i++ {
		pr := benchPull(tb, h, token, cursor)
		cursor = pr.Cursor
		if !pr.More {
			return cursor
		}
	}
	tb.Fatal("the first load never ended")
	return ""
}

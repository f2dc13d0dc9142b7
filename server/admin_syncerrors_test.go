package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/offsync/offsync/engine"
)

// TestAdminSyncErrorsArePaged: the list answers pages of at most limit
// (default 100, at most 1000) with next, and following next returns every
// error once, oldest first; bad limits and refs are a 400.
func TestAdminSyncErrorsArePaged(t *testing.T) {
	ts, e := newTestServer(t)
	var muts []engine.Mutation
	for i := 0; i < 250; i++ { // no profile: every mutation is rejected
		muts = append(muts, engine.Mutation{ID: fmt.Sprint(i), Entity: "account", RowID: fmt.Sprintf("10000000-0000-4000-8000-%012d", i), Op: engine.MutationDelete})
	}
	if r, err := (directWriter{e}).Propose(context.Background(), &engine.Command{Kind: engine.KindPush, Now: 1, Push: &engine.Push{User: owner, Device: "d0000000-0000-4000-8000-000000000001", Mutations: muts}}); err != nil || r.Err != nil {
		t.Fatalf("push: %v %v", err, r)
	}
	var page SyncErrorPage
	if code := getJSON(t, ts.URL+"/v1/admin/sync-errors", &page); code != 200 || len(page.Items) != engine.DefaultSyncErrorPage || page.Next == "" {
		t.Fatalf("default page: %d, %d items, next %q", code, len(page.Items), page.Next)
	}
	var seen []string
	after := ""
	for pages := 0; ; pages++ {
		page = SyncErrorPage{}
		if code := getJSON(t, ts.URL+"/v1/admin/sync-errors?limit=70&after="+after, &page); code != 200 || len(page.Items) > 70 {
			t.Fatalf("page %d: %d, %d items", pages, code, len(page.Items))
		}
		for _, it := range page.Items {
			seen = append(seen, it.Mutation.ID)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if len(seen) != 250 || seen[0] != "0" || seen[249] != "249" {
		t.Fatalf("following next: %d errors, first %v", len(seen), seen[:3])
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "after=nope", "after=1-x"} {
		if resp, b := do(t, "GET", ts.URL+"/v1/admin/sync-errors?"+q, nil, nil); resp.StatusCode != 400 {
			t.Fatalf("%s: %d %s", q, resp.StatusCode, b)
		}
	}
}

// TestAdminSettingsKeepFieldsLeftOut: a PUT changes only the fields it
// gives, and a bad syncErrorsPerDevice is a 400 naming it.
func TestAdminSettingsKeepFieldsLeftOut(t *testing.T) {
	ts, _ := newTestServer(t)
	for _, body := range []string{`{"syncErrorsPerDevice": 5}`, `{"conflictDetection": true}`} {
		if resp, b := do(t, "PUT", ts.URL+"/v1/admin/settings", []byte(body), nil); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", body, resp.StatusCode, b)
		}
	}
	var set engine.Settings
	if getJSON(t, ts.URL+"/v1/admin/settings", &set); set != (engine.Settings{ConflictDetection: true, SyncErrorsPerDevice: 5}) {
		t.Fatalf("settings %+v", set)
	}
	if resp, b := do(t, "PUT", ts.URL+"/v1/admin/settings", []byte(`{"syncErrorsPerDevice": -1}`), nil); resp.StatusCode != 400 || !strings.Contains(string(b), "syncErrorsPerDevice") {
		t.Fatalf("a negative bound: %d %s", resp.StatusCode, b)
	}
}

// FuzzSyncErrorsQuery sends arbitrary queries to the sync-errors list: the
// answer is a page or a 400 with {code, message}, never a 5xx.
func FuzzSyncErrorsQuery(f *testing.F) {
	for _, q := range []string{"", "limit=1", "limit=2&after=5-0", "limit=-1", "after=18446744073709551615-4294967295", "since=2026-01-01T00:00:00Z&until=x", "user=%zz", "after=-", "limit=99999999999999999999"} {
		f.Add(q)
	}
	ecfg := engine.DefaultConfig(f.TempDir())
	ecfg.MemTableSize, ecfg.BlockCacheSize = 8<<20, 1<<20
	e, err := engine.Open(ecfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	w := directWriter{e}
	muts := []engine.Mutation{{ID: "a", Entity: "account", RowID: "x", Op: engine.MutationDelete}, {ID: "b", Entity: "nosuch", RowID: "y", Op: "z"}}
	for _, c := range []*engine.Command{
		{Kind: engine.KindPutOrg, Org: &engine.Org{BusinessUnits: []engine.BusinessUnit{{ID: bu, Name: "Root"}}, Users: []engine.User{{ID: owner, Name: "Ann", BusinessUnit: bu, Enabled: true}}}},
		{Kind: engine.KindPush, Now: 1, Push: &engine.Push{User: owner, Device: "d0000000-0000-4000-8000-000000000001", Mutations: muts}},
	} {
		if r, err := w.Propose(context.Background(), c); err != nil || r.Err != nil {
			f.Fatalf("setup %s: %v %v", c.Kind, err, r.Err)
		}
	}
	s, err := New(DefaultConfig(testToken), w, e, alwaysReady(true))
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, q string) {
		req, err := http.NewRequest("GET", "http://offsync/v1/admin/sync-errors", nil)
		if err != nil {
			t.Skip()
		}
		req.URL.RawQuery = q
		req.Header.Set("Authorization", "Bearer "+testToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var eb ErrorBody
		var page SyncErrorPage
		switch {
		case rec.Code == 200:
			if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || page.Items == nil {
				t.Fatalf("%q: 200 with %s", q, rec.Body.Bytes())
			}
		case rec.Code >= 500 || json.Unmarshal(rec.Body.Bytes(), &eb) != nil || eb.Code == "" || eb.Message == "":
			t.Fatalf("%q: %d %s", q, rec.Code, rec.Body.Bytes())
		}
	})
}

package server

import (
	"context"
	"fmt"
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

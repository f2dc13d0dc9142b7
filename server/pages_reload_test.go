package server

import (
	"testing"
)

// TestAccessChangeReloadListsSharedPages: republishing a profile changes
// every member's access context, and each member's next pull reloads. The
// reload is assembled from the shared pages as a first load is, not
// computed for the user alone: after a publish, all the profile's devices
// reload at once.
func TestAccessChangeReloadListsSharedPages(t *testing.T) {
	ts, e := newDemoServerWith(t, nil)
	pts, _ := newPagedServer(t, e)
	token, _ := fieldSalesToken(t, ts)
	cursor := ""
	for {
		pr := pagedPull(t, pts.URL, token, cursor)
		cursor = pr.Cursor
		if !pr.More {
			if len(pr.Pages) == 0 {
				t.Fatal("the first load listed no shared pages")
			}
			break
		}
	}
	if pr := pagedPull(t, pts.URL, token, cursor); pr.Reset || len(pr.Pages) != 0 {
		t.Fatalf("a pull with nothing new reloaded: reset %v, %d pages", pr.Reset, len(pr.Pages))
	}
	if resp, b := do(t, "POST", pts.URL+"/v1/admin/profiles/Field%20Sales/publish", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("republish: %d %s", resp.StatusCode, b)
	}
	pr := pagedPull(t, pts.URL, token, cursor)
	for pr.More && len(pr.Pages) == 0 {
		pr = pagedPull(t, pts.URL, token, pr.Cursor)
	}
	if !pr.Reset && cursor == pr.Cursor {
		t.Fatal("the pull after the publish did not reload")
	}
	if len(pr.Pages) == 0 {
		t.Fatal("the reload after the publish listed no shared pages: it was computed for the user alone")
	}
}

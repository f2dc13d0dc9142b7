package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/offsync/offsync/codec"
)

// pagedServer serves a first load that lists two shared pages, then
// quiet pulls. Each page route answers from its script, one status per
// request (200 once the script is used up); a 410 page means the load
// was abandoned, and the next first load lists no pages.
type pagedServer struct {
	t        *testing.T
	mu       sync.Mutex
	requests []string
	script   map[string][]int
	loads    int
}

func accountRow(n int) []any {
	id, _ := codec.GUIDBytes(fmt.Sprintf("10000000-0000-4000-8000-%012d", n))
	return []any{id, int64(-1), int64(-1), int64(1), int64(2), int64(n), fmt.Sprintf("name %d", n)}
}

func accountAnswer(rows ...int) []codec.EntityChanges {
	ec := codec.EntityChanges{Entity: "account", Columns: []string{"name"}, NextDue: 1}
	for _, n := range rows {
		ec.Rows = append(ec.Rows, accountRow(n))
	}
	return []codec.EntityChanges{ec}
}

func (p *pagedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	write := func(v any) {
		b, err := codec.MarshalCompact(v)
		if err != nil {
			p.t.Error(err)
		}
		w.Header().Set("Content-Type", "application/msgpack")
		_, _ = w.Write(b)
	}
	switch {
	case r.URL.Path == "/v1/sync/pull":
		body := make([]byte, r.ContentLength)
		_, _ = r.Body.Read(body)
		var req codec.PullRequest
		_ = codec.Unmarshal(body, &req)
		p.requests = append(p.requests, "pull "+req.Cursor)
		if !req.Pages {
			p.t.Error("the device did not ask for pages")
		}
		switch {
		case req.Cursor == "" && p.loads == 0:
			p.loads++
			write(codec.PullResponse{Version: 5, Cursor: "c5", Reset: true, Entities: accountAnswer(1),
				Pages: []codec.PageRef{{ID: "p1", Rows: 1}, {ID: "p2", Rows: 2}}})
		case req.Cursor == "":
			p.loads++
			write(codec.PullResponse{Version: 6, Cursor: "c6", Reset: true, Entities: accountAnswer(1, 4)})
		default:
			write(codec.PullResponse{Version: 6, Cursor: req.Cursor})
		}
	case strings.HasPrefix(r.URL.Path, "/v1/sync/pages/"):
		id := strings.TrimPrefix(r.URL.Path, "/v1/sync/pages/")
		p.requests = append(p.requests, "page "+id)
		if s := p.script[id]; len(s) > 0 {
			p.script[id] = s[1:]
			if s[0] != 200 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(s[0])
				_, _ = fmt.Fprintf(w, `{"code":"x","message":"status %d"}`, s[0])
				return
			}
		}
		rows := map[string][]int{"p1": {2}, "p2": {3, 5}}[id]
		write(codec.PullResponse{Entities: accountAnswer(rows...)})
	default:
		http.NotFound(w, r)
	}
}

func (p *pagedServer) took() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.requests
	p.requests = nil
	return out
}

// pagedDevice opens a device against a pagedServer whose page p2
// answers status once.
func pagedDevice(t *testing.T, status int) (*pagedServer, *Device) {
	t.Helper()
	p := &pagedServer{t: t, script: map[string][]int{"p2": {status}}}
	ts := httptest.NewServer(p)
	t.Cleanup(ts.Close)
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return p, d
}

func heldAccounts(t *testing.T, d *Device) []int {
	t.Helper()
	var out []int
	err := d.Rows("account", func(r Row) error {
		var n int
		_, err := fmt.Sscanf(r.ID[len(r.ID)-12:], "%d", &n)
		out = append(out, n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestSharedPagesResumeAfterAnError: a first load that lists shared
// pages is not visible until its last page is in; a page that fails
// leaves the load where it was, and the next sync fetches the pages left
// before it pulls again, so the device ends with the answer's rows and
// every page's, and the answer's cursor.
func TestSharedPagesResumeAfterAnError(t *testing.T) {
	p, d := pagedDevice(t, http.StatusBadRequest)
	if _, err := d.Sync(context.Background()); err == nil {
		t.Fatal("a page answered 400 and the sync succeeded")
	}
	if got := p.took(); !slices.Equal(got, []string{"pull ", "page p1", "page p2"}) {
		t.Fatalf("requests %v", got)
	}
	if held := heldAccounts(t, d); len(held) != 0 {
		t.Fatalf("readers see %v of a load whose pages are not all in", held)
	}
	sum, err := d.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := p.took(); !slices.Equal(got, []string{"page p2", "pull c5"}) {
		t.Fatalf("requests on resuming %v", got)
	}
	if held := heldAccounts(t, d); !slices.Equal(held, []int{1, 2, 3, 5}) {
		t.Fatalf("holds %v, want the answer's row and the pages'", held)
	}
	if sum.Upserts != 2 {
		t.Fatalf("the resumed sync counted %d upserts, want the last page's 2", sum.Upserts)
	}
	if left, err := d.readPagesLeft(); err != nil || left != nil {
		t.Fatalf("pages left after the load: %+v %v", left, err)
	}
}

// TestSharedPageGoneReloads: a page answered 410 page_gone abandons the
// load; the device loads its view again in the same sync and holds that
// load only.
func TestSharedPageGoneReloads(t *testing.T) {
	p, d := pagedDevice(t, http.StatusGone)
	if _, err := d.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := p.took(); !slices.Equal(got, []string{"pull ", "page p1", "page p2", "pull "}) {
		t.Fatalf("requests %v", got)
	}
	if held := heldAccounts(t, d); !slices.Equal(held, []int{1, 4}) {
		t.Fatalf("holds %v, want the second load's rows only", held)
	}
	if c, _ := d.cursor(); c != "c6" {
		t.Fatalf("cursor %q", c)
	}
}

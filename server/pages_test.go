package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// newPagedNode starts another server over e (another node of the same
// data, with caches of its own) that serves groups of any size as pages
// of 40 rows.
func newPagedNode(t *testing.T, e *engine.Engine) *httptest.Server {
	t.Helper()
	ts, _ := newPagedServer(t, e)
	return ts
}

// newPagedServer is newPagedNode, with its Server.
func newPagedServer(t *testing.T, e *engine.Engine) (*httptest.Server, *Server) {
	t.Helper()
	cfg := DefaultConfig(testToken)
	cfg.PageRows = 40
	cfg.Now = func() time.Time { return time.UnixMilli(1_700_000_000_000) }
	s, err := New(cfg, directWriter{e}, e, alwaysReady(true))
	if err != nil {
		t.Fatal(err)
	}
	s.groups.minRows = 1
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, s
}

// fieldSalesPair returns two Field Sales members of one business unit and
// one of another.
func fieldSalesPair(t *testing.T, ts *httptest.Server) (a, b, other string) {
	t.Helper()
	var p engine.Profile
	var users []engine.User
	if getJSON(t, ts.URL+"/v1/admin/profiles/Field%20Sales", &p) != 200 || getJSON(t, ts.URL+"/v1/admin/users", &users) != 200 {
		t.Fatal("read the Field Sales members")
	}
	bu := map[string]string{}
	for _, u := range users {
		bu[u.ID] = u.BusinessUnit
	}
	for i, x := range p.Users {
		for _, y := range p.Users[i+1:] {
			if bu[x] == bu[y] {
				a, b = x, y
			}
		}
	}
	for _, x := range p.Users {
		if a != "" && bu[x] != bu[a] {
			other = x
		}
	}
	if a == "" || other == "" {
		t.Fatalf("no two Field Sales members of one business unit and one of another among %d", len(p.Users))
	}
	return a, b, other
}

// pagedLoad runs a first load asking for pages and returns its answers'
// rows by entity and id, and the pages the last answer lists.
func pagedLoad(t *testing.T, url, token string) (map[string]map[string]codec.Row, []codec.PageRef) {
	t.Helper()
	rows := map[string]map[string]codec.Row{}
	cursor := ""
	for {
		pr := pagedPull(t, url, token, cursor)
		addRows(t, rows, pr)
		if !pr.More {
			return rows, pr.Pages
		}
		cursor = pr.Cursor
	}
}

// pagedPull is one pull from cursor asking for pages.
func pagedPull(t *testing.T, url, token, cursor string) codec.PullResponse {
	t.Helper()
	body, _ := codec.Marshal(codec.PullRequest{Cursor: cursor, Pages: true, Kinds: codec.ColumnKinds})
	req, _ := http.NewRequest("POST", url+"/v1/sync/pull", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/msgpack")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("pull: %d %s", resp.StatusCode, raw)
	}
	return decodeAnswer(t, resp.Header.Get("Content-Encoding"), raw)
}

func decodeAnswer(t *testing.T, enc string, raw []byte) codec.PullResponse {
	t.Helper()
	if enc == "zstd" {
		var err error
		if raw, err = codec.Decompress(codec.Zstd, raw, 1<<30); err != nil {
			t.Fatal(err)
		}
	}
	pr, err := codec.DecodePullResponse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

func addRows(t *testing.T, rows map[string]map[string]codec.Row, pr codec.PullResponse) {
	t.Helper()
	for _, ec := range pr.Entities {
		if rows[ec.Entity] == nil {
			rows[ec.Entity] = map[string]codec.Row{}
		}
		for _, w := range ec.Rows {
			r := wireToRow(t, w, ec.Columns, pr.Refs)
			rows[ec.Entity][r.ID] = r
		}
	}
}

// getPage fetches a shared page as sent (no transparent decompression).
func getPage(t *testing.T, url, token, id string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	return doClientWith(t, hc, "GET", url+"/v1/sync/pages/"+id, token, hdr)
}

// TestSharedPagesAreIdenticalAndGuarded: two Field Sales users of one
// business unit get first loads that list the same shared pages; each
// page is the same bytes for both, immutable and cacheable, with an
// ETag; another node (caches of its own) serves the same bytes; a user
// of another business unit, and made-up ids, get 410 page_gone; and the
// answer's rows with the pages' rows are exactly the user's whole first
// load (as JSON gives it, without pages).
func TestSharedPagesAreIdenticalAndGuarded(t *testing.T) {
	ts, e := newDemoServerWith(t, nil)
	a, b, other := fieldSalesPair(t, ts)
	tokA, _ := mintToken(t, ts, a)
	tokB, _ := mintToken(t, ts, b)
	tokO, _ := mintToken(t, ts, other)
	node1, node2 := newPagedNode(t, e), newPagedNode(t, e)

	rowsA, pagesA := pagedLoad(t, node1.URL, tokA)
	_, pagesB := pagedLoad(t, node1.URL, tokB)
	if len(pagesA) < 2 || !reflect.DeepEqual(pagesA, pagesB) {
		t.Fatalf("the two users' loads list pages %v and %v", pagesA, pagesB)
	}
	for _, ref := range pagesA {
		respA, bodyA := getPage(t, node1.URL, tokA, ref.ID, nil)
		respB, bodyB := getPage(t, node1.URL, tokB, ref.ID, nil)
		respN, bodyN := getPage(t, node2.URL, tokB, ref.ID, nil) // not held there yet
		for _, r := range []*http.Response{respA, respB, respN} {
			if r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "zstd" || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") || r.Header.Get("ETag") != `"`+ref.ID+`.zstd"` {
				t.Fatalf("page %s: %d %v", ref.ID, r.StatusCode, r.Header)
			}
		}
		if !bytes.Equal(bodyA, bodyB) || !bytes.Equal(bodyA, bodyN) {
			t.Fatalf("page %s differs between users or nodes", ref.ID)
		}
		pr := decodeAnswer(t, "zstd", bodyA)
		n := 0
		for _, ec := range pr.Entities {
			n += len(ec.Rows)
		}
		if n != ref.Rows {
			t.Fatalf("page %s holds %d rows, its reference says %d", ref.ID, n, ref.Rows)
		}
		addRows(t, rowsA, pr)
		if r, _ := getPage(t, node1.URL, tokA, ref.ID, map[string]string{"If-None-Match": respA.Header.Get("ETag")}); r.StatusCode != http.StatusNotModified {
			t.Fatalf("If-None-Match: %d", r.StatusCode)
		}
		if r, body := getPage(t, node1.URL, tokA, ref.ID, map[string]string{"Accept-Encoding": "gzip"}); r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "gzip" || len(body) == 0 {
			t.Fatalf("gzip: %d %v", r.StatusCode, r.Header)
		}
		for _, node := range []string{node1.URL, node2.URL} {
			r, body := getPage(t, node, tokO, ref.ID, nil)
			var eb ErrorBody
			if r.StatusCode != http.StatusGone || json.Unmarshal(body, &eb) != nil || eb.Code != CodePageGone {
				t.Fatalf("a user of another business unit got %d %s", r.StatusCode, body)
			}
		}
	}
	if r, _ := getPage(t, node1.URL, tokA, strings.Repeat("0", 32), nil); r.StatusCode != http.StatusGone {
		t.Fatalf("a made-up id: %d", r.StatusCode)
	}
	// Node 1 computed the group once: the second user's load found it,
	// and every page fetch found its page.
	fams := scrape(t, node1.URL)
	if value(t, fams, "offsync_cache_hits_total", "cache", "groups") < 1 || value(t, fams, "offsync_cache_hits_total", "cache", "shared_pages") < float64(3*len(pagesA)) {
		t.Fatalf("group hits %v, page hits %v", value(t, fams, "offsync_cache_hits_total", "cache", "groups"), value(t, fams, "offsync_cache_hits_total", "cache", "shared_pages"))
	}
	// The whole load, as JSON gives it (JSON never pages).
	_, js, _ := devicePullRaw(t, ts.URL, tokA, "", map[string]string{"Accept": "application/json"})
	var want jsonPull
	if err := json.Unmarshal([]byte(js.Cursor), &want); err != nil {
		t.Fatal(err)
	}
	if want.More {
		t.Fatal("the JSON load is paged")
	}
	for _, je := range want.Entities {
		got := rowsA[je.Entity]
		if len(got) != len(je.Upserts) {
			t.Fatalf("%s: %d rows with pages, %d in the whole load", je.Entity, len(got), len(je.Upserts))
		}
		for _, w := range je.Upserts {
			g := got[w.ID]
			if g.ID != w.ID || g.Version != w.Version || g.OwnerID != w.OwnerID || !slices.Equal(sortedKeys(g.Attrs), sortedKeys(w.Attrs)) {
				t.Fatalf("%s %s: %+v with pages, %+v in the whole load", je.Entity, w.ID, g, w)
			}
		}
	}
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestPagesOfEqualRowsStayWithTheirGroups: two groups of other parameters
// whose rows are the same make pages of the same ids; each group's users
// find them, and nobody else does.
func TestPagesOfEqualRowsStayWithTheirGroups(t *testing.T) {
	sch := &engine.Schema{Entities: []engine.EntityDef{{Name: "account", Attributes: []engine.Attribute{{Name: "name", Type: engine.TypeString}}}}}
	d := engine.EntityDelta{Entity: "account"}
	for i := range 30 {
		d.Upserts = append(d.Upserts, codec.Row{ID: fmt.Sprintf("10000000-0000-4000-8000-%012d", i), Version: uint64(i + 1), Attrs: map[string]any{"name": fmt.Sprintf("n%d", i)}})
	}
	c := newGroupCache(1<<20, 10, func() *engine.Schema { return sch }, slog.Default())
	c.minRows = 1
	for _, p := range []string{"A", "B"} {
		c.Put("key "+p, &engine.SharedGroup{Key: "key " + p, Params: p, Entities: []engine.EntityDelta{d}})
	}
	ga, _ := c.Get("key A")
	gb, _ := c.Get("key B")
	ra, rb := ga.Attached.(*pageSet).refs, gb.Attached.(*pageSet).refs
	if len(ra) != 3 || !reflect.DeepEqual(ra, rb) {
		t.Fatalf("pages %v and %v", ra, rb)
	}
	for _, ref := range ra {
		for _, p := range []string{"A", "B"} {
			if _, ok := c.page(ref.ID, p); !ok {
				t.Fatalf("page %s is not found for the users of group %s", ref.ID, p)
			}
		}
		if _, ok := c.page(ref.ID, "C"); ok {
			t.Fatalf("page %s is found for a group that never listed it", ref.ID)
		}
	}
}

// TestEvictedPageOfAKeptGroupIsServed: a page the node evicted while it
// kept its group (the two caches evict apart) is found again from the
// caller's own load, with the same bytes.
func TestEvictedPageOfAKeptGroupIsServed(t *testing.T) {
	ts, e := newDemoServerWith(t, nil)
	a, _, _ := fieldSalesPair(t, ts)
	tok, _ := mintToken(t, ts, a)
	node, s := newPagedServer(t, e)
	_, pages := pagedLoad(t, node.URL, tok)
	if len(pages) == 0 {
		t.Fatal("no pages")
	}
	_, want := getPage(t, node.URL, tok, pages[0].ID, nil)
	s.groups.pages = newLRU[*sharedPage](s.groups.pages.limit) // evicted, the group kept
	if r, got := getPage(t, node.URL, tok, pages[0].ID, nil); r.StatusCode != 200 || !bytes.Equal(got, want) {
		t.Fatalf("an evicted page of a kept group: %d, same bytes %v", r.StatusCode, bytes.Equal(got, want))
	}
}

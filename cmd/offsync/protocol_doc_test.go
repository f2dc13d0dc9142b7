package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/offsync/offsync/server"
	"github.com/vmihailenco/msgpack/v5"
)

// This file is a device written from docs/protocol.md alone, as a
// third-party client author would write it: net/http, a msgpack library
// and a zstd library, none of offsync's packages. TestProtocolDocClient
// checks that it converges with the reference device (offsync device
// sync, then device query).

// docRow is a local row: the system fields and the attribute values,
// GUIDs as canonical strings.
type docRow struct {
	id, owner, bu         string
	createdOn, modifiedOn int64
	version               uint64
	attrs                 map[string]any
}

// docClient is the device's store and its requests.
type docClient struct {
	t          *testing.T
	base       string
	token      string
	rows       map[string]map[string]*docRow // entity -> id -> row
	cursor     string
	mv         uint64           // the metadataVersion held
	etag       string           // the metadata's ETag
	entities   map[string]bool  // the entities the metadata lists
	due        map[string]int64 // next due time per entity
	minVersion uint64           // the highest push version
	resumed    int              // pages asked again with If-None-Match (304)
}

func newDocClient(t *testing.T, base, token string) *docClient {
	return &docClient{t: t, base: base, token: token, rows: map[string]map[string]*docRow{}, due: map[string]int64{}}
}

// do sends a request: msgpack body, msgpack and zstd answers ("Transport
// and authentication"). It returns the status, the decoded body and the
// headers.
func (c *docClient) do(method, path string, body any, hdr map[string]string) (int, map[string]any, http.Header) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := msgpack.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept-Encoding", "zstd")
	if body != nil {
		req.Header.Set("Content-Type", "application/msgpack")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, resp.Header // errors are JSON; 304 has no body
	}
	if resp.Header.Get("Content-Encoding") == "zstd" {
		dec, _ := zstd.NewReader(nil)
		defer dec.Close()
		if raw, err = dec.DecodeAll(raw, nil); err != nil {
			c.t.Fatal(err)
		}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/msgpack" {
		c.t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	// Integers come in their smallest form (int8 to uint64), binary
	// values as []byte.
	var out map[string]any
	if err := msgpack.Unmarshal(raw, &out); err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, out, resp.Header
}

// metadata fetches GET /v1/sync/metadata and keeps its version, and drops
// the tables of entities it no longer lists ("Applying an answer").
func (c *docClient) metadata() {
	c.t.Helper()
	status, md, hdr := c.do("GET", "/v1/sync/metadata", nil, nil)
	if status != 200 {
		c.t.Fatalf("metadata: %d", status)
	}
	c.mv = num(md["metadataVersion"])
	c.etag = hdr.Get("ETag")
	c.entities = map[string]bool{}
	for _, e := range md["entities"].([]any) {
		em := e.(map[string]any)
		c.entities[em["name"].(string)] = true
		for _, a := range em["attributes"].([]any) {
			if _, ok := a.(map[string]any)["n"].(string); !ok {
				c.t.Fatalf("metadata attribute without n: %v", a)
			}
		}
	}
	for e := range c.rows {
		if !c.entities[e] {
			delete(c.rows, e)
		}
	}
	// The metadata is unchanged: If-None-Match gets 304.
	if status, _, _ := c.do("GET", "/v1/sync/metadata", nil, map[string]string{"If-None-Match": c.etag}); status != http.StatusNotModified {
		c.t.Fatalf("metadata with If-None-Match %s: %d, want 304", c.etag, status)
	}
}

// push sends mutations and returns their results; the top-level version
// becomes the next pulls' minVersion.
func (c *docClient) push(muts ...map[string]any) []map[string]any {
	c.t.Helper()
	status, ans, _ := c.do("POST", "/v1/sync/push", map[string]any{"mutations": muts}, nil)
	if status != 200 {
		c.t.Fatalf("push: %d", status)
	}
	c.minVersion = max(c.minVersion, num(ans["version"]))
	var out []map[string]any
	for _, r := range ans["results"].([]any) {
		out = append(out, r.(map[string]any))
	}
	if len(out) != len(muts) {
		c.t.Fatalf("push: %d results for %d mutations", len(out), len(muts))
	}
	return out
}

// sync pulls until an answer without more, applying each; it returns the
// number of answers and whether one was a reset.
func (c *docClient) sync() (pulls int, reset bool) {
	c.t.Helper()
	for {
		req := map[string]any{"cursor": c.cursor}
		if c.minVersion > 0 {
			req["minVersion"] = c.minVersion
		}
		status, ans, hdr := c.do("POST", "/v1/sync/pull", req, nil)
		if status != 200 {
			c.t.Fatalf("pull: %d", status)
		}
		if tag := hdr.Get("ETag"); tag != "" && c.cursor != "" && ans["reset"] != true {
			// A page asked for with a cursor: the same request with its
			// ETag is a 304 ("Caching"), and the page already held stands.
			if st, _, _ := c.do("GET", "/v1/sync/pull?cursor="+url.QueryEscape(c.cursor), nil, map[string]string{"If-None-Match": tag}); st != http.StatusNotModified {
				c.t.Fatalf("page again with If-None-Match %s: %d, want 304", tag, st)
			}
			c.resumed++
		}
		pulls++
		reset = reset || ans["reset"] == true
		c.apply(ans)
		if num(ans["mv"]) != c.mv {
			c.metadata()
		}
		if ans["more"] != true {
			return pulls, reset
		}
	}
}

// apply applies one pull answer, as "Applying an answer" says.
func (c *docClient) apply(ans map[string]any) {
	c.t.Helper()
	if ans["reset"] == true {
		c.rows = map[string]map[string]*docRow{}
	}
	var refs []string
	if rs, ok := ans["refs"].([]any); ok {
		for _, r := range rs {
			refs = append(refs, guid(c.t, r))
		}
	}
	ref := func(v any) string {
		i := int64(num(v))
		if v == nil || i < 0 {
			return ""
		}
		return refs[i]
	}
	names := func(v any) []string {
		var out []string
		if a, ok := v.([]any); ok {
			for _, s := range a {
				out = append(out, s.(string))
			}
		}
		return out
	}
	es, _ := ans["e"].([]any)
	for _, x := range es {
		e := x.(map[string]any)
		n := e["n"].(string)
		if c.rows[n] == nil {
			c.rows[n] = map[string]*docRow{}
		}
		tbl := c.rows[n]
		if rs, ok := e["r"].([]any); ok {
			for _, id := range rs {
				delete(tbl, guid(c.t, id))
			}
		}
		// put or merge a row [id, owner, bu, createdon, modifiedon, version, values...]
		row := func(a []any, cols []string, merge bool) {
			id := guid(c.t, a[0])
			r := tbl[id]
			if !merge || r == nil {
				if merge {
					c.t.Fatalf("%s: a patch of a row not held: %s", n, id)
				}
				r = &docRow{attrs: map[string]any{}}
				tbl[id] = r
			}
			r.id, r.owner, r.bu = id, ref(a[1]), ref(a[2])
			r.createdOn, r.modifiedOn, r.version = int64(num(a[3])), int64(num(a[4])), num(a[5])
			for i, col := range cols {
				val := a[6+i]
				if b, ok := val.([]byte); ok {
					val = guid(c.t, b)
				}
				if val == nil {
					delete(r.attrs, col)
				} else {
					r.attrs[col] = val
				}
			}
		}
		// u and p are columnar blocks ("Rows: the columnar block").
		block := func(key string, cols []string) [][]any {
			b, ok := e[key].([]byte)
			if !ok {
				return nil
			}
			rows, err := decodeDocBlock(b, 6+len(cols))
			if err != nil {
				c.t.Fatalf("%s: %s: %v", n, key, err)
			}
			return rows
		}
		cols, pcols := names(e["cols"]), names(e["pcols"])
		for _, u := range block("u", cols) {
			row(u, cols, false)
		}
		for _, p := range block("p", pcols) {
			row(p, pcols, true)
		}
		if cut := int64(num(e["cut"])); cut != 0 {
			for id, r := range tbl {
				if r.modifiedOn < cut {
					delete(tbl, id)
				}
			}
		}
		if due := int64(num(e["due"])); due != 0 {
			c.due[n] = due
		}
	}
	c.cursor = ans["c"].(string)
}

// num reads a msgpack integer of any width (absent: 0).
func num(v any) uint64 {
	switch x := v.(type) {
	case int8:
		return uint64(x)
	case int16:
		return uint64(x)
	case int32:
		return uint64(x)
	case int64:
		return uint64(x)
	case uint8:
		return uint64(x)
	case uint16:
		return uint64(x)
	case uint32:
		return uint64(x)
	case uint64:
		return x
	case nil:
		return 0
	}
	panic(fmt.Sprintf("not an integer: %T %v", v, v))
}

// guid converts a 16-byte bin to the canonical GUID text ("GUIDs and
// times").
func guid(t *testing.T, v any) string {
	b, ok := v.([]byte)
	if !ok || len(b) != 16 {
		t.Fatalf("not a 16-byte GUID: %T %v", v, v)
	}
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// asQueried is r in the JSON form of offsync device query, decoded.
func (r *docRow) asQueried(t *testing.T) map[string]any {
	m := map[string]any{"id": r.id, "createdon": r.createdOn, "modifiedon": r.modifiedOn, "version": r.version}
	if r.owner != "" {
		m["ownerid"] = r.owner
	}
	if r.bu != "" {
		m["owningbusinessunit"] = r.bu
	}
	if len(r.attrs) > 0 {
		m["attributes"] = r.attrs
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestProtocolDocClient: a device written from docs/protocol.md alone
// makes a paged first load (resuming a page with If-None-Match), pushes a
// create without ownerid and an update, pulls a delta with a back-office
// change, follows a move to another profile (mv changes: it fetches the
// metadata again and drops the entity that left), and after each step
// holds exactly the rows offsync device query shows for the reference
// device of the same user.
func TestProtocolDocClient(t *testing.T) {
	a := newAdminEnvWith(t, func(c *server.Config) { c.PageRows = 40 })
	var prof struct{ Users []string }
	a.json(&prof, "profile", "get", "Field Sales")
	user := prof.Users[0]
	token := func() string {
		var tok struct{ Token string }
		a.json(&tok, "token", "create", "--user", user)
		return tok.Token
	}
	doc := newDocClient(t, a.base, token())
	refToken, store := token(), filepath.Join(t.TempDir(), "ref")
	// converged syncs both devices and compares every entity either one
	// may hold.
	converged := func(step string) {
		t.Helper()
		if out, err := run(t, context.Background(), "device", "sync", "--server", a.base, "--token", refToken, "--store", store); err != nil {
			t.Fatalf("%s: device sync: %v\n%s", step, err, out)
		}
		for _, entity := range []string{"account", "contact", "opportunity", "task"} {
			want := map[string]map[string]any{}
			out, err := run(t, context.Background(), "device", "query", "--store", store, "--entity", entity)
			if err == nil {
				for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
					var row map[string]any
					if err := json.Unmarshal([]byte(line), &row); err != nil {
						t.Fatalf("%s: query line %q: %v", step, line, err)
					}
					want[row["id"].(string)] = row
				}
			}
			got := map[string]map[string]any{}
			for id, r := range doc.rows[entity] {
				got[id] = r.asQueried(t)
			}
			if err != nil && len(got) > 0 {
				t.Fatalf("%s: the doc client holds %d %s rows, device query: %v\n%s", step, len(got), entity, err, out)
			}
			if !reflect.DeepEqual(got, want) {
				for id, w := range want {
					if !reflect.DeepEqual(got[id], w) {
						t.Fatalf("%s: %s %s: doc client %v, device query %v (%d vs %d rows)", step, entity, id, got[id], w, len(got), len(want))
					}
				}
				t.Fatalf("%s: %s: the doc client holds %d rows, device query %d", step, entity, len(got), len(want))
			}
		}
	}

	// First load: paged (40 rows a page), with a reset.
	doc.metadata()
	if pulls, reset := doc.sync(); pulls < 2 || !reset || doc.resumed == 0 {
		t.Fatalf("first load: %d pulls, reset %v, %d pages resumed", pulls, reset, doc.resumed)
	}
	converged("first load")

	// Push a create without ownerid and an update of a task it holds.
	var task *docRow
	for _, r := range doc.rows["task"] {
		if r.owner == user && (task == nil || r.id < task.id) {
			task = r
		}
	}
	if task == nil {
		t.Fatal("the user holds no task of their own")
	}
	newID := "0d4f2b1e-3c5a-4e6f-8a7b-9c0d1e2f3a4b"
	res := doc.push(
		map[string]any{"id": "m-1", "entity": "task", "rowId": newID, "op": "create", "attributes": map[string]any{"subject": "Visit Contoso", "prioritycode": 2}},
		map[string]any{"id": "m-2", "entity": "task", "rowId": task.id, "op": "update", "attributes": map[string]any{"subject": "Renamed offline", "scheduledend": nil}, "baseVersion": task.version},
	)
	for _, r := range res {
		if r["applied"] != true {
			t.Fatalf("push: %v", r)
		}
	}
	// A back-office change too, so that the delta carries more than the
	// device's own writes.
	if err := a.ingest(fmt.Sprintf(`{"records":[{"entity":"task","id":"7b0c7e52-1d1f-4c55-9a3e-2f6d1c0b9a11","ownerid":%q,"attributes":{"subject":"Call Contoso"}}]}`, user)); err != nil {
		t.Fatal(err)
	}
	mv := doc.mv
	if _, reset := doc.sync(); reset {
		t.Fatal("the pull after a push reloaded instead of a delta")
	}
	if r := doc.rows["task"][newID]; r == nil || r.owner != user || r.attrs["subject"] != "Visit Contoso" {
		t.Fatalf("the created task: %+v (a create without ownerid is the user's)", r)
	}
	if r := doc.rows["task"][task.id]; r == nil || r.attrs["subject"] != "Renamed offline" || r.attrs["scheduledend"] != nil {
		t.Fatalf("the updated task: %+v", r)
	}
	if doc.mv != mv {
		t.Fatalf("mv moved from %d to %d with no metadata change", mv, doc.mv)
	}
	converged("delta")

	// A move to Managers, who carry no contacts: mv changes, the doc
	// client fetches metadata and drops contact.
	a.ok("profile", "add-member", "Managers", "--user", user, "--move")
	if _, reset := doc.sync(); reset {
		t.Fatal("the pull after a move reloaded instead of a delta")
	}
	if doc.mv == mv || doc.entities["contact"] || len(doc.rows["contact"]) != 0 {
		t.Fatalf("after a move: mv %d (was %d), metadata %v, %d contacts held", doc.mv, mv, doc.entities, len(doc.rows["contact"]))
	}
	converged("profile move")
}

package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// fieldSalesToken mints a device token for a Field Sales member.
func fieldSalesToken(t testing.TB, ts *httptest.Server) (string, string) {
	t.Helper()
	var p engine.Profile
	if getJSON(t, ts.URL+"/v1/admin/profiles/"+"Field%20Sales", &p) != 200 || len(p.Users) == 0 {
		t.Fatal("no Field Sales member")
	}
	_, b := do(t, "POST", ts.URL+"/v1/admin/users/"+p.Users[0]+"/tokens", nil, nil)
	var tr TokenResponse
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	return tr.Token, p.Users[0]
}

// devicePullRaw posts a pull and returns the status and decoded body.
func devicePullRaw(t *testing.T, url, token, cursor string, hdr map[string]string) (int, codec.PullResponse, http.Header) {
	t.Helper()
	body, _ := codec.Marshal(codec.PullRequest{Cursor: cursor})
	req, _ := http.NewRequest("POST", url+"/v1/sync/pull", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/msgpack")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	// No transparent gzip: the test sees what the server sent.
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw bytes.Buffer
	_, _ = raw.ReadFrom(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, codec.PullResponse{}, resp.Header
	}
	data := raw.Bytes()
	switch resp.Header.Get("Content-Encoding") {
	case "zstd":
		dec, _ := zstd.NewReader(nil)
		if data, err = dec.DecodeAll(data, nil); err != nil {
			t.Fatal(err)
		}
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	if resp.Header.Get("Content-Type") == "application/json" {
		return resp.StatusCode, codec.PullResponse{Cursor: string(data)}, resp.Header
	}
	pr, err := codec.DecodePullResponse(data)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, pr, resp.Header
}

func TestDevicePullPagesTheFirstLoadAndMatchesTheView(t *testing.T) {
	ts, e := newDemoServerWith(t, func(c *Config) { c.PageRows = 25 })
	token, user := fieldSalesToken(t, ts)
	ids := map[string]bool{}
	cursor, pages := "", 0
	for {
		code, pr, hdr := devicePullRaw(t, ts.URL, token, cursor, nil)
		if code != 200 || hdr.Get("Content-Encoding") != "zstd" {
			t.Fatalf("pull: %d %v", code, hdr)
		}
		if pr.Reset != (pages == 0) {
			t.Fatalf("page %d reset=%v", pages, pr.Reset)
		}
		for _, ec := range pr.Entities {
			if len(ec.Rows) > 25 {
				t.Fatalf("page of %d rows", len(ec.Rows))
			}
			for _, r := range ec.Rows {
				id, _ := codec.GUIDString(r[0].([]byte))
				ids[ec.Entity+"/"+id] = true
			}
		}
		pages++
		cursor = pr.Cursor
		if !pr.More {
			break
		}
	}
	want := map[string]bool{}
	_, err := e.View(user, "", time.UnixMilli(1_700_000_000_000).UnixMilli(), func(vr engine.ViewRow) error {
		want[vr.Rule.Entity+"/"+vr.Row.ID] = true
		return nil
	})

	if err != nil {
		t.Fatal(err)
	}
	if pages < 3 || len(ids) != len(want) {
		t.Fatalf("%d pages brought %d rows, the view has %d", pages, len(ids), len(want))
	}
	for k := range want {
		if !ids[k] {
			t.Fatalf("row %s of the view never arrived", k)
		}
	}
	// Up to date: the next pull carries nothing.
	_, pr, _ := devicePullRaw(t, ts.URL, token, cursor, nil)
	for _, ec := range pr.Entities {
		if len(ec.Rows)+len(ec.Removals) != 0 || pr.Reset || pr.More {
			t.Fatalf("no-change pull carried %+v", ec)
		}
	}
}

func TestDevicePullEncodingsAndErrors(t *testing.T) {
	ts, _ := newDemoServerWith(t, nil)
	token, _ := fieldSalesToken(t, ts)
	if code, _, hdr := devicePullRaw(t, ts.URL, token, "", map[string]string{"Accept-Encoding": "gzip"}); code != 200 || hdr.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %d %v", code, hdr)
	}
	code, pr, hdr := devicePullRaw(t, ts.URL, token, "", map[string]string{"Accept": "application/json", "Accept-Encoding": "identity"})
	var jp jsonPull
	if code != 200 || hdr.Get("Content-Encoding") != "" || json.Unmarshal([]byte(pr.Cursor), &jp) != nil || len(jp.Entities) == 0 || !jp.Reset {
		t.Fatalf("json: %d %v %s", code, hdr, pr.Cursor)
	}
	cases := []struct {
		token, cursor string
		status        int
	}{
		{"", "", 401},
		{"ofs_nope", "", 401},
		{token, "!!not-a-cursor", 400},
	}
	for _, c := range cases {
		if code, _, _ := devicePullRaw(t, ts.URL, c.token, c.cursor, nil); code != c.status {
			t.Errorf("token %q cursor %q: %d, want %d", c.token, c.cursor, code, c.status)
		}
	}
	// A user with no profile gets a clear 403.
	var bus []engine.BusinessUnit
	getJSON(t, ts.URL+"/v1/admin/businessunits", &bus)
	const loner = "a9000000-0000-4000-8000-000000000001"
	if resp, b := do(t, "PUT", ts.URL+"/v1/admin/users/"+loner, []byte(`{"name":"Loner","enabled":true,"businessUnit":"`+bus[0].ID+`"}`), nil); resp.StatusCode != 200 {
		t.Fatalf("put user: %d %s", resp.StatusCode, b)
	}
	_, b := do(t, "POST", ts.URL+"/v1/admin/users/"+loner+"/tokens", nil, nil)
	var tr TokenResponse
	_ = json.Unmarshal(b, &tr)
	if code, _, _ := devicePullRaw(t, ts.URL, tr.Token, "", nil); code != 403 {
		t.Fatalf("user without a profile: %d", code)
	}
}

func TestDeviceMetadataCarriesOnlyTheProfile(t *testing.T) {
	ts, _ := newDemoServerWith(t, nil)
	token, _ := fieldSalesToken(t, ts)
	req, _ := http.NewRequest("GET", ts.URL+"/v1/sync/metadata", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var md Metadata
	if err := json.NewDecoder(resp.Body).Decode(&md); err != nil || md.Profile != dataset.ProfileFieldSales || len(md.Entities) != 4 || md.MetadataVersion == 0 {
		t.Fatalf("metadata: %+v %v", md, err)
	}
	for _, e := range md.Entities {
		if e.Name == "opportunity" && e.WindowDays != 30 {
			t.Fatalf("opportunity window = %d", e.WindowDays)
		}
	}
}

func TestDevicePullPagesHaveETags(t *testing.T) {
	ts, _ := newDemoServerWith(t, func(c *Config) { c.PageRows = 25 })
	token, _ := fieldSalesToken(t, ts)
	_, first, hdr := devicePullRaw(t, ts.URL, token, "", nil)
	if hdr.Get("ETag") == "" || !first.More {
		t.Fatalf("first page: etag %q more %v", hdr.Get("ETag"), first.More)
	}
	get := func(etag string) (int, http.Header) {
		req, _ := http.NewRequest("GET", ts.URL+"/v1/sync/pull?cursor="+first.Cursor, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	code, h := get("")
	if code != 200 || h.Get("ETag") == "" || h.Get("ETag") == hdr.Get("ETag") {
		t.Fatalf("second page by GET: %d %q", code, h.Get("ETag"))
	}
	if code, _ := get(h.Get("ETag")); code != http.StatusNotModified {
		t.Fatalf("If-None-Match on an unchanged page: %d", code)
	}
}

func TestDevicePullPatchesHeldRows(t *testing.T) {
	ts, e := newDemoServerWith(t, nil)
	token, user := fieldSalesToken(t, ts)
	_, first, _ := devicePullRaw(t, ts.URL, token, "", nil)
	// Change one attribute of an account the user holds.
	var acct string
	_, _ = e.View(user, "", time.UnixMilli(1_700_000_000_000).UnixMilli(), func(vr engine.ViewRow) error {
		if acct == "" && vr.Rule.Entity == "account" {
			acct = vr.Row.ID
		}
		return nil
	})

	body := []byte(`{"records":[{"entity":"account","id":"` + acct + `","attributes":{"telephone1":"+1 555-0100"}}]}`)
	if r, b := do(t, "POST", ts.URL+"/v1/records", body, nil); r.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", r.StatusCode, b)
	}
	_, pr, _ := devicePullRaw(t, ts.URL, token, first.Cursor, nil)
	for _, ec := range pr.Entities {
		if ec.Entity != "account" {
			continue
		}
		if len(ec.Rows) != 0 || len(ec.Patches) != 1 || len(ec.PatchColumns) != 1 || ec.PatchColumns[0] != "telephone1" {
			t.Fatalf("account changes: %d upserts, patches %d of %v", len(ec.Rows), len(ec.Patches), ec.PatchColumns)
		}
		if p := ec.Patches[0]; len(p) != 7 || p[6] != "+1 555-0100" {
			t.Fatalf("patch row %v", p)
		}
		return
	}
	t.Fatal("no account changes")
}

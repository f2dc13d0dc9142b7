package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// getMetadata fetches the device's metadata (JSON), with If-None-Match
// when etag is set; md is filled on 200.
func getMetadata(t *testing.T, ts *httptest.Server, token, etag string) (int, Metadata, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.URL+"/v1/sync/metadata", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Encoding", "identity")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var md Metadata
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(&md); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, md, resp.Header.Get("ETag")
}

// TestMetadataVersionFollowsProfileMoveAndRepublish: a device that
// refetches metadata when a pull's mv differs from the metadataVersion it
// holds (docs/protocol.md) gets the new metadata after a move to another
// profile and after a republish, not only after a schema publish; and
// mv stays the same while nothing it describes changed.
func TestMetadataVersionFollowsProfileMoveAndRepublish(t *testing.T) {
	ts, _ := newDemoServerWith(t, nil)
	token, user := fieldSalesToken(t, ts)
	status, md, etag := getMetadata(t, ts, token, "")
	if status != 200 || md.Profile != dataset.ProfileFieldSales || md.MetadataVersion == 0 || etag != `"m`+strconv.FormatUint(md.MetadataVersion, 10)+`"` {
		t.Fatalf("metadata: %d %+v etag %s", status, md, etag)
	}
	if status, _, _ := getMetadata(t, ts, token, etag); status != http.StatusNotModified {
		t.Fatalf("If-None-Match of the current ETag: %d, want 304", status)
	}
	status, pr, _ := devicePullRaw(t, ts.URL, token, "", nil)
	if status != 200 || pr.MetadataVersion != md.MetadataVersion {
		t.Fatalf("first pull: %d mv %d, metadata %d", status, pr.MetadataVersion, md.MetadataVersion)
	}
	cursor := pr.Cursor
	for pr.More {
		_, pr, _ = devicePullRaw(t, ts.URL, token, cursor, nil)
		cursor = pr.Cursor
	}
	// A write that changes no metadata keeps mv.
	rec := fmt.Sprintf(`{"records":[{"entity":"task","id":"6f9619ff-8b86-4011-b42d-00c04fc964ff","ownerid":%q,"attributes":{"subject":"Call"}}]}`, user)
	if resp, b := do(t, "POST", ts.URL+"/v1/records", []byte(rec), nil); resp.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", resp.StatusCode, b)
	}
	_, pr, _ = devicePullRaw(t, ts.URL, token, cursor, nil)
	if pr.MetadataVersion != md.MetadataVersion {
		t.Fatalf("mv moved from %d to %d with no metadata change", md.MetadataVersion, pr.MetadataVersion)
	}
	cursor = pr.Cursor

	// check pulls, and asserts that the pull's mv differs from held and
	// names the metadata GET now answers, whose profile is want.
	check := func(what string, held Metadata, heldTag, want string) (Metadata, string) {
		t.Helper()
		_, pr, _ := devicePullRaw(t, ts.URL, token, cursor, nil)
		cursor = pr.Cursor
		if pr.MetadataVersion == held.MetadataVersion {
			t.Fatalf("%s: mv stayed %d: a device keeps stale metadata", what, pr.MetadataVersion)
		}
		status, md, etag := getMetadata(t, ts, token, heldTag)
		if status != 200 || md.MetadataVersion != pr.MetadataVersion || md.Profile != want {
			t.Fatalf("%s: metadata %d %+v, pull mv %d", what, status, md, pr.MetadataVersion)
		}
		return md, etag
	}
	resp, b := do(t, "POST", ts.URL+"/v1/admin/profiles/Managers/members", []byte(fmt.Sprintf(`{"users":[%q],"move":true}`, user)), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("move: %d %s", resp.StatusCode, b)
	}
	md, etag = check("move to Managers", md, etag, dataset.ProfileManagers)
	for _, e := range md.Entities {
		if e.Name == "contact" {
			t.Fatal("Managers' metadata names contact")
		}
	}

	var p engine.Profile
	getJSON(t, ts.URL+"/v1/admin/profiles/Managers", &p)
	p.Rules[0].SyncIntervalMinutes++
	body, _ := json.Marshal(p)
	if resp, b := do(t, "PUT", ts.URL+"/v1/admin/profiles/"+p.ID, body, nil); resp.StatusCode != 200 {
		t.Fatalf("draft: %d %s", resp.StatusCode, b)
	}
	if resp, b := do(t, "POST", ts.URL+"/v1/admin/profiles/"+p.ID+"/publish", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("publish: %d %s", resp.StatusCode, b)
	}
	md, _ = check("republish", md, etag, dataset.ProfileManagers)
	if md.Entities[0].SyncIntervalMinutes != p.Rules[0].SyncIntervalMinutes {
		t.Fatalf("republished metadata: %+v", md.Entities[0])
	}
}

// TestMetadataEventOnProfileMove: an event stream announces a move to
// another profile with a metadata event carrying the new metadata
// version, the one GET /v1/sync/metadata then answers.
func TestMetadataEventOnProfileMove(t *testing.T) {
	ts, _ := newDemoServerWith(t, nil)
	token, user := fieldSalesToken(t, ts)
	_, before, _ := getMetadata(t, ts, token, "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/v1/sync/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %v %v", err, resp)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	if name, data := readEvent(t, sc); name != "ready" || !strings.Contains(data, fmt.Sprintf(`"metadataVersion":%d`, before.MetadataVersion)) {
		t.Fatalf("ready: %s %s, metadata version %d", name, data, before.MetadataVersion)
	}
	if r, b := do(t, "POST", ts.URL+"/v1/admin/profiles/Managers/members", []byte(fmt.Sprintf(`{"users":[%q],"move":true}`, user)), nil); r.StatusCode != 200 {
		t.Fatalf("move: %d %s", r.StatusCode, b)
	}
	name, data := readEvent(t, sc)
	_, after, _ := getMetadata(t, ts, token, "")
	if name != "metadata" || after.MetadataVersion == before.MetadataVersion || !strings.Contains(data, fmt.Sprintf(`"metadataVersion":%d`, after.MetadataVersion)) {
		t.Fatalf("after a move: %s %s, metadata version %d", name, data, after.MetadataVersion)
	}
}

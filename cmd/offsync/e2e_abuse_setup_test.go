package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/server"
)

// adminGet GETs path with the admin token into out.
func adminGet(t *testing.T, base, path string, out any) {
	t.Helper()
	code, b, err := adminReq("GET", base+path, nil)
	if err != nil || code != 200 || json.Unmarshal(b, out) != nil {
		t.Fatalf("GET %s: %d %.300s %v", path, code, b, err)
	}
}

// mintDeviceToken mints a device token for user and returns its secret
// and id.
func mintDeviceToken(t *testing.T, base, user string) (secret, id string) {
	t.Helper()
	code, b, err := adminReq("POST", base+"/v1/admin/users/"+user+"/tokens", nil)
	var tok struct{ Token, ID string }
	if err != nil || code != 200 || json.Unmarshal(b, &tok) != nil {
		t.Fatalf("mint a token for %s: %d %s %v", user, code, b, err)
	}
	return tok.Token, tok.ID
}

// profileUsers returns the members of the demo profile name.
func profileUsers(t *testing.T, base, name string) []string {
	t.Helper()
	var prof struct{ Users []string }
	adminGet(t, base, "/v1/admin/profiles/"+url.PathEscape(name), &prof)
	if len(prof.Users) == 0 {
		t.Fatalf("the demo's %s profile has no users", name)
	}
	return prof.Users
}

// firstLoad pulls tok's whole first load (JSON, every page) and returns
// the answers and the last cursor.
func (ab *abuser) firstLoad(t *testing.T, tok string) ([][]byte, string) {
	t.Helper()
	var pages [][]byte
	cursor := ""
	for {
		body, _ := json.Marshal(codec.PullRequest{Cursor: cursor})
		a, err := ab.send("POST", "/v1/sync/pull", tok, map[string]string{"Content-Type": mJSON, "Accept": mJSON}, body)
		var p struct {
			Cursor string
			More   bool
		}
		if err != nil || a.status != 200 || json.Unmarshal(a.body, &p) != nil {
			t.Fatalf("first load: %v %v", a, err)
		}
		pages, cursor = append(pages, a.body), p.Cursor
		if !p.More {
			return pages, cursor
		}
	}
}

// newAbuser mints the tokens the attacks use (a Field Sales caller, as
// the README does; a revoked token of the caller's; another Field Sales
// user's; a manager's), takes their first loads, and finds the rows
// outside the caller's view: every row of the demo dataset that the
// caller's first load does not name (the ids its rows look up are its
// to see).
func newAbuser(t *testing.T, base string) *abuser {
	t.Helper()
	ab := &abuser{base: base, addr: strings.TrimPrefix(base, "http://"), admin: e2eToken,
		hc: &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: abuseWorkers * 2}}}
	t.Cleanup(ab.hc.CloseIdleConnections)
	user, token := crashDeviceUser(t, base, e2eToken)
	ab.token = token
	var revokedID string
	ab.revoked, revokedID = mintDeviceToken(t, base, user)
	if code, b, err := adminReq("DELETE", base+"/v1/admin/tokens/"+revokedID, nil); err != nil || code != 200 {
		t.Fatalf("revoke a token: %d %s %v", code, b, err)
	}
	ab.streams, _ = mintDeviceToken(t, base, user)
	for _, u := range profileUsers(t, base, dataset.ProfileFieldSales) {
		if u != user {
			ab.other, _ = mintDeviceToken(t, base, u)
			break
		}
	}
	mgr, _ := mintDeviceToken(t, base, profileUsers(t, base, dataset.ProfileManagers)[0])
	_, ab.otherCursor = ab.firstLoad(t, ab.other)
	_, ab.mgrCursor = ab.firstLoad(t, mgr)
	pages, cursor := ab.firstLoad(t, ab.token)
	ab.cursor = cursor

	// Whom the caller cannot reach: a user, and a business unit, outside
	// the caller's business unit and the units under it.
	var users []userRow
	var bus []struct{ ID, Parent string }
	adminGet(t, base, "/v1/admin/users", &users)
	adminGet(t, base, "/v1/admin/businessunits", &bus)
	parent := map[string]string{}
	for _, bu := range bus {
		parent[bu.ID] = bu.Parent
	}
	mine := ""
	for _, u := range users {
		if u.ID == user {
			mine = u.BusinessUnit
		}
	}
	under := func(bu string) bool { // bu is mine or below it
		for ; bu != ""; bu = parent[bu] {
			if bu == mine {
				return true
			}
		}
		return false
	}
	for _, u := range users {
		if !under(u.BusinessUnit) {
			ab.hiddenUser = u.ID
			ab.otherBU, _ = codec.GUIDBytes(u.BusinessUnit)
		}
	}

	seen := map[string]bool{}
	for _, pg := range pages {
		for _, m := range guidText.FindAll(pg, -1) {
			seen[strings.ToLower(string(m))] = true
		}
		var p struct {
			Entities []struct {
				Entity  string
				Upserts []struct{ ID string }
			}
		}
		_ = json.Unmarshal(pg, &p)
		for _, e := range p.Entities {
			if e.Entity == "account" && len(e.Upserts) > 0 && ab.visibleAccount == "" {
				ab.visibleAccount = e.Upserts[0].ID
			}
		}
	}
	ab.hidden = leakSet{str: map[string]bool{}, bin: map[[16]byte]bool{}}
	dc, err := dataset.ConfigFor(dataset.SizeDemo) // ids do not depend on the time
	if err != nil {
		t.Fatal(err)
	}
	err = dataset.Generate(dc, 1000, func(recs []codec.Record) error {
		for _, r := range recs {
			if !seen[r.ID] {
				ab.hidden.add(r.ID)
				if r.Entity == "account" && ab.hiddenAccount == "" {
					ab.hiddenAccount = r.ID
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ab.visibleAccount == "" || ab.hiddenAccount == "" || ab.hiddenUser == "" || len(ab.hidden.str) < 100 {
		t.Fatalf("the demo lacks rows to attack: visible %q hidden %q user %q, %d hidden", ab.visibleAccount, ab.hiddenAccount, ab.hiddenUser, len(ab.hidden.str))
	}
	// The generated ids are the server's.
	if code, b, err := adminReq("GET", base+"/v1/records/account/"+ab.hiddenAccount, nil); err != nil || code != 200 {
		t.Fatalf("the dataset's account %s is not on the server: %d %s %v", ab.hiddenAccount, code, b, err)
	}
	t.Logf("caller %s: %d ids in its first load, %d rows outside its view", user, len(seen), len(ab.hidden.str))
	made := time.Now()
	if ab.zstdBomb, ab.zstdBombSized, ab.gzipBomb, err = makeBombs(bombBytes); err != nil {
		t.Fatal(err)
	}
	t.Logf("bombs of %d MiB: zstd %d bytes (%d declaring its size), gzip %d bytes; made in %s",
		bombBytes>>20, len(ab.zstdBomb), len(ab.zstdBombSized), len(ab.gzipBomb), time.Since(made).Round(time.Millisecond))
	return ab
}

// snapshotRows is what the server holds of the rows the pushes attack.
func (ab *abuser) snapshotRows(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, id := range []string{ab.hiddenAccount, ab.visibleAccount} {
		code, row, err := adminReq("GET", ab.base+"/v1/records/account/"+id, nil)
		if err != nil || code != 200 {
			t.Fatalf("GET account %s: %d %s %v", id, code, row, err)
		}
		b.Write(row)
	}
	return b.String()
}

// holdStreams opens as many event streams with the streams token as it
// may hold, and returns what closes them.
func (ab *abuser) holdStreams(t *testing.T) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	hc := &http.Client{Transport: &http.Transport{}}
	var bodies []func() error
	for range server.DefaultMaxStreamsPerToken {
		req, _ := http.NewRequestWithContext(ctx, "GET", ab.base+"/v1/sync/events", nil)
		req.Header.Set("Authorization", "Bearer "+ab.streams)
		resp, err := hc.Do(req)
		if err != nil || resp.StatusCode != 200 {
			cancel()
			t.Fatalf("open an event stream: %v %v", resp, err)
		}
		if line, _ := bufio.NewReader(resp.Body).ReadString('\n'); line != "event: ready\n" {
			cancel()
			t.Fatalf("an event stream began with %q", line)
		}
		bodies = append(bodies, resp.Body.Close)
	}
	done := func() {
		cancel()
		for _, c := range bodies {
			_ = c()
		}
		hc.CloseIdleConnections()
	}
	t.Cleanup(done)
	return done
}

// slowClients, with OFFSYNC_ABUSE_SLOW set, trickles push bodies (a byte
// every 5 s) past the server's read timeout while the other attacks run;
// the returned function waits for their answers: 400 bad_request each.
func (ab *abuser) slowClients(t *testing.T) func() []string {
	if os.Getenv("OFFSYNC_ABUSE_SLOW") == "" {
		t.Logf("slow clients trickle for %s each (OFFSYNC_ABUSE_SLOW=1: past the server's %s read timeout too)",
			trickleBytes*trickleEvery, server.DefaultReadBodyTimeout)
		return func() []string { return nil }
	}
	body := []byte(fmt.Sprintf(`{"mutations":[{"id":"slow","entity":"account","rowId":%q,"op":"delete"}]}`, ab.hiddenAccount))
	var pieces [][]byte
	for i := range body {
		pieces = append(pieces, body[i:i+1])
	}
	var mu sync.Mutex
	var problems []string
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			head := rawHead("POST", "/v1/sync/push", ab.token, map[string]string{"Content-Type": mJSON}, int64(len(body)))
			start := time.Now()
			a, err := ab.raw(head, pieces, 5*time.Second)
			if err == nil {
				err = ab.refused(a, body, 400, server.CodeBadRequest)
			}
			if err == nil && time.Since(start) < server.DefaultReadBodyTimeout {
				err = fmt.Errorf("answered after %s, before the read timeout", time.Since(start))
			}
			if err != nil {
				mu.Lock()
				problems = append(problems, "a body trickled past the read timeout: "+err.Error())
				mu.Unlock()
			}
		})
	}
	return func() []string {
		wg.Wait()
		t.Logf("8 bodies trickled past the read timeout: %d answered wrongly", len(problems))
		return problems
	}
}

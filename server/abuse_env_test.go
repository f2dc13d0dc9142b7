package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// The TestAbuse* tests attack a running server (a real engine behind a
// one-node Raft cluster, loaded with the demo dataset) as a hostile device
// and a careless client would: every refusal is a 4xx with a JSON
// {code, message}, never a 5xx; a refused request writes nothing; and no
// answer to the device carries the id of a row outside its user's view.

// Caps of the abuse server: small, so that oversized bodies and bombs
// are cheap to send.
const (
	abuseMaxBody    = 64 << 10
	abuseMaxDecoded = 1 << 20
)

// abuseEnv is the server under attack and what the attacks aim at.
type abuseEnv struct {
	ts *httptest.Server
	e  *engine.Engine
	// The caller: a Field Sales user and a live device token of theirs.
	user, token, tokenID string
	// Another Field Sales user's token, and a revoked token of the caller.
	otherUser, other, revoked string
	// A live named admin token, and a revoked one.
	adminToken, adminTokenID, revokedAdmin string
	profileID                              string
	// hidden holds the ids of the rows outside the caller's view.
	hidden leakSet
	// An account of the caller's view, and an account and a user the
	// caller cannot read at all.
	visibleAccount, hiddenAccount, hiddenUser string
}

// newAbuseEnv starts the server under attack, with tune applied to its
// config.
func newAbuseEnv(t *testing.T, tune ...func(*Config)) *abuseEnv {
	t.Helper()
	ecfg := engine.DefaultConfig(t.TempDir())
	ecfg.MemTableSize, ecfg.BlockCacheSize = 16<<20, 1<<20
	e, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	rcfg := replication.DefaultConfig("n1", t.TempDir())
	rcfg.RaftAddr, rcfg.Bootstrap = "127.0.0.1:0", true
	node, err := replication.Open(rcfg, e)
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close(); e.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := node.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	dc, _ := dataset.ConfigFor(dataset.SizeDemo)
	dc.Now = time.UnixMilli(1_700_000_000_000)
	if _, err := dataset.Load(ctx, node, dc, 1000, nil); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(testToken)
	cfg.MaxBodyBytes, cfg.MaxDecodedBytes = abuseMaxBody, abuseMaxDecoded
	cfg.Now = func() time.Time { return dc.Now }
	for _, f := range tune {
		f(&cfg)
	}
	logs := new(lockedBuffer)
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	s, err := New(cfg, node, e, node)
	if err != nil {
		t.Fatal(err)
	}
	// Served as offsync serve serves it: its timeouts, connection limit
	// and deadlines.
	env := &abuseEnv{e: e, ts: httptest.NewUnstartedServer(nil)}
	env.ts.Config = s.HTTPServer()
	env.ts.Listener = s.LimitListener(env.ts.Listener)
	env.ts.Start()
	t.Cleanup(func() {
		env.ts.Close()
		// A panic or a 500 is logged as an error: none may happen.
		if strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("the server logged errors:\n%s", logs)
		}
	})
	var p engine.Profile
	if getJSON(t, env.ts.URL+"/v1/admin/profiles/Field%20Sales", &p) != 200 || len(p.Users) < 2 {
		t.Fatal("no Field Sales members")
	}
	env.profileID, env.user, env.otherUser = p.ID, p.Users[0], p.Users[1]
	env.token, env.tokenID = mintToken(t, env.ts, env.user)
	env.other, _ = mintToken(t, env.ts, env.otherUser)
	var revokedID string
	env.revoked, revokedID = mintToken(t, env.ts, env.user)
	if r, b := do(t, "DELETE", env.ts.URL+"/v1/admin/tokens/"+revokedID, nil, nil); r.StatusCode != 200 {
		t.Fatalf("revoke: %d %s", r.StatusCode, b)
	}
	env.adminToken, env.adminTokenID = mintAdminToken(t, env.ts)
	var revokedAdminID string
	env.revokedAdmin, revokedAdminID = mintAdminToken(t, env.ts)
	if r, b := do(t, "DELETE", env.ts.URL+"/v1/admin/admin-tokens/"+revokedAdminID, nil, nil); r.StatusCode != 200 {
		t.Fatalf("revoke admin token: %d %s", r.StatusCode, b)
	}
	env.findHidden(t, dc.Now.UnixMilli())
	// A first pull creates the cursor key and registers its access
	// context: later pulls write nothing.
	code, first, _ := devicePullRaw(t, env.ts.URL, env.token, "", nil)
	if code != 200 {
		t.Fatalf("first pull: %d", code)
	}
	awaitCursorContext(t, e, env.user, first.Cursor)
	return env
}

// mintAdminToken issues a named admin token and returns its secret and id.
func mintAdminToken(t *testing.T, ts *httptest.Server) (string, string) {
	t.Helper()
	resp, b := do(t, "POST", ts.URL+"/v1/admin/admin-tokens", []byte(`{"name":"abuse"}`), nil)
	var tr AdminTokenResponse
	if resp.StatusCode != 200 || json.Unmarshal(b, &tr) != nil {
		t.Fatalf("mint admin token: %d %s", resp.StatusCode, b)
	}
	return tr.Token, tr.ID
}

// findHidden collects the rows outside the caller's view (the ids that
// the view's own lookups name are the caller's to see), and picks rows
// the caller's roles cannot read at all.
func (env *abuseEnv) findHidden(t *testing.T, now int64) {
	t.Helper()
	in := map[string]bool{} // the view's rows, and the rows they look up
	acc, err := env.e.View(env.user, "", now, func(vr engine.ViewRow) error {
		in[vr.Row.ID] = true
		for _, v := range vr.Row.Attrs { // a lookup's value is the row's
			switch v := v.(type) {
			case string:
				in[strings.ToLower(v)] = true
			case []byte:
				if id, err := codec.GUIDString(v); err == nil {
					in[id] = true
				}
			}
		}
		if vr.Rule.Entity == "account" && env.visibleAccount == "" {
			env.visibleAccount = vr.Row.ID
		}
		return nil
	})

	if err != nil {
		t.Fatal(err)
	}
	env.hidden = leakSet{str: map[string]bool{}, bin: map[[16]byte]bool{}}
	sch := env.e.Schema()
	for _, def := range sch.Entities {
		err := env.e.Scan(def.Name, func(r codec.Row) error {
			if in[r.ID] {
				return nil
			}
			env.hidden.add(r.ID)
			if def.Name == "account" && env.hiddenAccount == "" && !acc.Can(engine.PrivRead, sch.Entity(def.Name), &r) {
				env.hiddenAccount = r.ID
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	users, _ := env.e.Users()
	for _, u := range users {
		if u.BusinessUnit != acc.User.BusinessUnit && !acc.Subtree[u.BusinessUnit] {
			env.hiddenUser = u.ID
		}
	}
	if env.visibleAccount == "" || env.hiddenAccount == "" || env.hiddenUser == "" || len(env.hidden.str) < 100 {
		t.Fatalf("the demo dataset lacks rows to attack: visible %q hidden %q user %q, %d hidden", env.visibleAccount, env.hiddenAccount, env.hiddenUser, len(env.hidden.str))
	}
}

// leakSet finds ids in answers, as text or as the 16 bytes of msgpack.
type leakSet struct {
	str map[string]bool
	bin map[[16]byte]bool
}

func (l leakSet) add(id string) {
	l.str[id] = true
	if b, err := codec.GUIDBytes(id); err == nil && len(b) == 16 {
		l.bin[[16]byte(b)] = true
	}
}

var guidText = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// find returns an id of the set that answer holds and asked does not (an
// id the caller sent itself is no leak), or "".
func (l leakSet) find(answer, asked []byte) string {
	for _, m := range guidText.FindAll(answer, -1) {
		id := strings.ToLower(string(m))
		if l.str[id] && !bytes.Contains(bytes.ToLower(asked), []byte(id)) {
			return id
		}
	}
	for i := 0; i+16 <= len(answer); i++ {
		if k := [16]byte(answer[i : i+16]); l.bin[k] && !bytes.Contains(asked, k[:]) {
			id, _ := codec.GUIDString(k[:])
			return id
		}
	}
	return ""
}

// abuseReq is one hostile request. auth is the whole Authorization
// header ("" for none).
type abuseReq struct {
	method, path string
	body         []byte
	hdr          map[string]string
	auth         string
}

func bearer(tok string) string { return "Bearer " + tok }

// send sends rq and returns the status, headers and the body as sent
// (no transparent decompression).
func (env *abuseEnv) send(t *testing.T, rq abuseReq) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, rq.method, env.ts.URL+rq.path, bytes.NewReader(rq.body))
	if err != nil {
		t.Fatal(err)
	}
	if rq.auth != "" {
		req.Header.Set("Authorization", rq.auth)
	}
	req.Header.Set("Accept-Encoding", "identity")
	for k, v := range rq.hdr {
		req.Header.Set(k, v)
	}
	resp, err := abuseClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer resp.Body.Close()
	// An event stream that was let in says "ready" first: enough.
	if resp.Header.Get("Content-Type") == "text/event-stream" {
		line, _ := bufio.NewReader(resp.Body).ReadString('\n')
		return resp.StatusCode, resp.Header, []byte(line)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", rq.method, rq.path, err)
	}
	return resp.StatusCode, resp.Header, b
}

var abuseClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// sendRaw writes a whole request by hand (for bodies shorter than their
// Content-Length), half-closes the connection and reads the answer.
func (env *abuseEnv) sendRaw(t *testing.T, raw string) (int, http.Header, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", env.ts.Listener.Addr().String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("raw request: no answer: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// refused checks a refusal: the status (any 4xx when want is 0), a JSON
// {code, message} (code one of codes when given), no hidden id, and
// nothing written (the applied version did not move).
func (env *abuseEnv) refused(t *testing.T, asked []byte, before uint64, status int, hdr http.Header, body []byte, want int, codes ...string) {
	t.Helper()
	var eb ErrorBody
	switch {
	case status >= 500:
		t.Fatalf("got %d (a server error) %s", status, body)
	case want != 0 && status != want, want == 0 && (status < 400 || status > 499):
		t.Fatalf("got %d %s, want %d", status, body, want)
	case !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") || json.Unmarshal(body, &eb) != nil || eb.Code == "" || eb.Message == "":
		t.Fatalf("got %d %q, not a JSON {code, message}", status, body)
	case len(codes) > 0 && !contains(codes, eb.Code):
		t.Fatalf("got %d %s, want a code in %v", status, body, codes)
	}
	if id := env.hidden.find(body, asked); id != "" {
		t.Fatalf("the answer names row %s, outside the caller's view: %s", id, body)
	}
	if v := env.e.Applied(); v != before {
		t.Fatalf("a refused request was written: version %d -> %d", before, v)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// check sends rq and checks that it is refused with want (and one of
// codes).
func (env *abuseEnv) check(t *testing.T, rq abuseReq, want int, codes ...string) {
	t.Helper()
	before := env.e.Applied()
	status, hdr, body := env.send(t, rq)
	env.refused(t, append([]byte(rq.path), rq.body...), before, status, hdr, body, want, codes...)
}

// checkLogged is check for requests the engine itself refuses: such a
// command takes its place in the replicated log (the version moves), but
// the organization, tokens, settings and rows stay as they were.
func (env *abuseEnv) checkLogged(t *testing.T, rq abuseReq, want int, codes ...string) {
	t.Helper()
	before := env.state(t)
	status, hdr, body := env.send(t, rq)
	env.refused(t, append([]byte(rq.path), rq.body...), env.e.Applied(), status, hdr, body, want, codes...)
	if after := env.state(t); after != before {
		t.Fatalf("a refused request changed the state:\n%s\n->\n%s", before, after)
	}
}

// state summarizes what an administrator or a device can change.
func (env *abuseEnv) state(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	add := func(v any, err error) {
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(v)
		b.Write(j)
		b.WriteByte('\n')
	}
	add(env.e.BusinessUnits())
	add(env.e.Teams())
	add(env.e.Users())
	add(env.e.Roles())
	add(env.e.Profiles())
	add(env.e.Tokens(""))
	add(env.e.Settings())
	add(env.e.Schema(), nil)
	for _, def := range env.e.Schema().Entities {
		var n, sum uint64
		add(nil, env.e.Scan(def.Name, func(r codec.Row) error { n, sum = n+1, sum+r.Version; return nil }))
		fmt.Fprintf(&b, "%s: %d rows, versions %d\n", def.Name, n, sum)
	}
	return b.String()
}

// rawRequest is the text of a request with headers hdr and body, whose
// Content-Length is declared (and may lie).
func rawRequest(method, path, auth string, hdr map[string]string, declared int64, body []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: offsync\r\nConnection: close\r\nContent-Length: %d\r\n", method, path, declared)
	if auth != "" {
		fmt.Fprintf(&b, "Authorization: %s\r\n", auth)
	}
	for k, v := range hdr {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.String()
}

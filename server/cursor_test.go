package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// profileToken mints a device token for the first member of profile name.
func profileToken(t *testing.T, ts *httptest.Server, name string) (token, user string) {
	t.Helper()
	var p engine.Profile
	if getJSON(t, ts.URL+"/v1/admin/profiles/"+name, &p) != 200 || len(p.Users) == 0 {
		t.Fatalf("no member of %s", name)
	}
	_, b := do(t, "POST", ts.URL+"/v1/admin/users/"+p.Users[0]+"/tokens", nil, nil)
	var tr TokenResponse
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	return tr.Token, p.Users[0]
}

// syncAll pulls from cursor until the answer has no more pages and returns
// the last cursor.
func syncAll(t *testing.T, url, token, cursor string) string {
	t.Helper()
	for range 1000 {
		code, pr, _ := devicePullRaw(t, url, token, cursor, nil)
		if code != 200 {
			t.Fatalf("pull: %d", code)
		}
		cursor = pr.Cursor
		if !pr.More {
			return cursor
		}
	}
	t.Fatal("pull never ended")
	return ""
}

// viewIDs is the set of "entity/id" of user's current view.
func viewIDs(t *testing.T, e *engine.Engine, user string, now time.Time) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	if _, err := e.View(user, "", now.UnixMilli(), func(vr engine.ViewRow) error {
		ids[vr.Rule.Entity+"/"+vr.Row.ID] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

// answerIDs lists every row id an answer names: upserts, patches and
// removals.
func answerIDs(pr codec.PullResponse) []string {
	var out []string
	add := func(entity string, b []byte) {
		id, _ := codec.GUIDString(b)
		out = append(out, entity+"/"+id)
	}
	for _, ec := range pr.Entities {
		for _, r := range ec.Rows {
			add(ec.Entity, r[0].([]byte))
		}
		for _, r := range ec.Patches {
			add(ec.Entity, r[0].([]byte))
		}
		for _, id := range ec.Removals {
			add(ec.Entity, id)
		}
	}
	return out
}

// forgeWith seals c for user under a key that is not the cluster's.
func forgeWith(t *testing.T, user string, c wireCursor) string {
	t.Helper()
	s, err := sealCursor([]byte("not the cluster key, 32 bytes..."), user, engine.DefaultAppID, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestForgedCursorNeverLeaks replays the finding of issue 12: a Field
// Sales device forges a cursor that claims a manager's access context (a
// business unit, profile, publish and Read depths it never had). Every
// forged or altered cursor must get a 400 or a reload of the caller's own
// view: no row, patch or removal outside that view.
func TestForgedCursorNeverLeaks(t *testing.T) {
	ts, e := newDemoServer(t)
	now := time.UnixMilli(1_700_000_000_000)
	fsToken, fsUser := profileToken(t, ts, "Field%20Sales")
	mgToken, mgUser := profileToken(t, ts, "Managers")
	own := viewIDs(t, e, fsUser, now)
	mgView := viewIDs(t, e, mgUser, now)
	outside := 0
	for id := range mgView {
		if !own[id] {
			outside++
		}
	}
	if outside == 0 {
		t.Fatal("the manager's view holds nothing outside the Field Sales view: the test proves nothing")
	}
	fsCursor := syncAll(t, ts.URL, fsToken, "")
	mgCursor := syncAll(t, ts.URL, mgToken, "")

	check := func(name, cursor string) {
		t.Helper()
		code, pr, _ := devicePullRaw(t, ts.URL, fsToken, cursor, nil)
		switch {
		case code == 400:
			return
		case code != 200:
			t.Fatalf("%s: status %d, want 200 or 400", name, code)
		case !pr.Reset:
			t.Fatalf("%s: accepted as a delta cursor", name)
		}
		for _, id := range answerIDs(pr) {
			if !own[id] {
				t.Fatalf("%s: the answer names %s, outside the caller's view", name, id)
			}
		}
		for _, ec := range pr.Entities {
			if len(ec.Removals) > 0 {
				t.Fatalf("%s: a reload carries removals", name)
			}
		}
	}

	// The manager's genuine cursor, presented by the Field Sales device.
	check("another user's cursor", mgCursor)

	// The manager's context, rewritten to name the Field Sales user, as
	// an attacker who knows the format would: without the cluster key the
	// MAC cannot match.
	key := e.CursorKey()
	mg, ok, err := openCursor(key, mgUser, engine.DefaultAppID, mgCursor)
	if err != nil || !ok || mg.C == nil {
		t.Fatalf("open the manager's cursor: %v %v", ok, err)
	}
	check("a forged manager context", forgeWith(t, fsUser, mg))
	payload, _ := appendCursor(nil, mg)
	check("a forged context without a MAC", base64.RawURLEncoding.EncodeToString(payload))
	// Sealed under the cluster's own key (as with a leaked key): the
	// manager's registered context names the manager, not the caller.
	// (An admin change first, so that the pull computes the view: a
	// pull with nothing new since the cursor's version answers from the
	// cursor alone, and sends no row at all.)
	waitRegistered(t, e, mg.C.Context)
	profileToken(t, ts, "Managers")
	underKey, err := sealCursor(key, fsUser, engine.DefaultAppID, mg)
	if err != nil {
		t.Fatal(err)
	}
	check("the manager's context under the cluster key", underKey)
	fs, _, _ := openCursor(key, fsUser, engine.DefaultAppID, fsCursor)
	fs.C.Version = 1 // an old version: every change since would be a candidate
	check("an older version", forgeWith(t, fsUser, fs))

	// Every byte of a genuine cursor, changed.
	raw, err := base64.RawURLEncoding.DecodeString(fsCursor)
	if err != nil {
		t.Fatal(err)
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= byte(1 + rng.Intn(255))
		check("a changed byte", base64.RawURLEncoding.EncodeToString(b))
	}
	// Characters of the base64 text, changed, including the unused bits
	// of the last one.
	for i := range len(fsCursor) {
		b := []byte(fsCursor)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		check("a changed character", string(b))
	}
	check("a truncated cursor", fsCursor[:len(fsCursor)-3])
	check("an extended cursor", fsCursor+"AAAA")

	// The genuine cursor still works as a delta cursor.
	code, pr, _ := devicePullRaw(t, ts.URL, fsToken, fsCursor, nil)
	if code != 200 || pr.Reset {
		t.Fatalf("the genuine cursor: %d reset=%v", code, pr.Reset)
	}
}

// TestCursorKeyIsSharedAndCreatedOnce: the first pull creates the key
// through the log; later pulls and a second server over the same engine
// use the same key, so a cursor from one is a delta cursor on the other.
func TestCursorKeyIsSharedAndCreatedOnce(t *testing.T) {
	ts, e := newDemoServer(t)
	if e.CursorKey() != nil {
		t.Fatal("a key before any pull")
	}
	token, _ := fieldSalesToken(t, ts)
	cursor := syncAll(t, ts.URL, token, "")
	key := append([]byte(nil), e.CursorKey()...)
	if len(key) != engine.CursorKeyLen {
		t.Fatalf("key of %d bytes", len(key))
	}
	// A second proposal (another node racing) changes nothing.
	if _, err := e.Apply(e.Applied()+1, &engine.Command{Kind: engine.KindSetCursorKey, CursorKey: make([]byte, engine.CursorKeyLen)}); err != nil {
		t.Fatal(err)
	}
	if string(e.CursorKey()) != string(key) {
		t.Fatal("a later proposal replaced the key")
	}
	s2, err := New(DefaultConfig(testToken), directWriter{e}, e, alwaysReady(true))
	if err != nil {
		t.Fatal(err)
	}
	ts2 := httptest.NewServer(s2.Handler())
	t.Cleanup(ts2.Close)
	code, pr, _ := devicePullRaw(t, ts2.URL, token, cursor, nil)
	if code != 200 || pr.Reset {
		t.Fatalf("the cursor on another server: %d reset=%v", code, pr.Reset)
	}
}

// waitRegistered waits until the context fp is in e's registry (a
// server registers it in the background after handing out a cursor).
func waitRegistered(t *testing.T, e *engine.Engine, fp uint64) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if ok, err := e.ContextRegistered(fp); err != nil || ok {
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("context %x never registered", fp)
		}
	}
}

// pullWire pulls as a device does (msgpack, zstd or gzip accepted) and
// returns the status, the body as sent and the decoded answer.
func pullWire(t *testing.T, url, token, cursor string) (int, []byte, codec.PullResponse) {
	t.Helper()
	body, _ := codec.Marshal(codec.PullRequest{Cursor: cursor})
	req, _ := http.NewRequest("POST", url+"/v1/sync/pull", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/msgpack")
	req.Header.Set("Accept", "application/msgpack")
	req.Header.Set("Accept-Encoding", "zstd, gzip")
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	wire, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, wire, codec.PullResponse{}
	}
	enc, err := codec.ParseEncoding(resp.Header.Get("Content-Encoding"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := codec.ReadBody(bytes.NewReader(wire), enc, 1<<30, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := codec.DecodePullResponse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return 200, wire, pr
}

// TestCursorAndNoChangeAnswerAreSmall: a delta cursor and a paged-load
// cursor are at most 64 characters, and a pull with nothing new is at
// most 64 bytes on the wire, with the cursor the device needs next; the
// bound holds up to version 2^27 with the largest metadata version.
func TestCursorAndNoChangeAnswerAreSmall(t *testing.T) {
	ts, _ := newDemoServerWith(t, func(c *Config) { c.PageRows = 25 })
	token, _ := fieldSalesToken(t, ts)
	_, _, first := pullWire(t, ts.URL, token, "")
	if !first.More || len(first.Cursor) > 64 {
		t.Fatalf("paged cursor of %d characters (more %v)", len(first.Cursor), first.More)
	}
	t.Logf("paged-load cursor: %d characters", len(first.Cursor))
	cursor := syncAll(t, ts.URL, token, first.Cursor)
	if len(cursor) > 64 {
		t.Fatalf("delta cursor of %d characters: %s", len(cursor), cursor)
	}
	t.Logf("delta cursor: %d characters", len(cursor))
	for range 2 {
		code, wire, pr := pullWire(t, ts.URL, token, cursor)
		if code != 200 || pr.Reset || pr.More || len(pr.Entities) != 0 || pr.Cursor == "" || pr.Version == 0 || pr.MetadataVersion == 0 {
			t.Fatalf("no-change pull: %d %+v", code, pr)
		}
		if len(wire) > 64 {
			t.Fatalf("no-change answer of %d bytes on the wire: %q", len(wire), wire)
		}
		t.Logf("no-change answer: %d bytes on the wire", len(wire))
		cursor = pr.Cursor
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, v := range []uint64{1, 1 << 14, 1 << 16, 1<<27 - 1} {
		c, err := sealCursor(key, "u", "a", wireCursor{C: &engine.Cursor{Version: v, Time: 4_102_444_800_000, Context: 1<<64 - 1}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := codec.MarshalCompact(&quietWire{Version: v, MetadataVersion: 0x7fffffff, Cursor: c})
		if len(c) > 64 || len(b) > 64 {
			t.Fatalf("version %d: cursor %d characters, answer %d bytes", v, len(c), len(b))
		}
	}
}

// TestCursorEditsNeverGiveADelta (property): whatever edit a device makes
// to its cursor (bytes changed, inserted, removed, characters changed),
// the answer is a 400 or a reload of the caller's own view, never a
// delta. OFFSYNC_CURSOR_ROUNDS runs more rounds.
func TestCursorEditsNeverGiveADelta(t *testing.T) {
	ts, e := newDemoServer(t)
	now := time.UnixMilli(1_700_000_000_000)
	token, user := fieldSalesToken(t, ts)
	own := viewIDs(t, e, user, now)
	cursor := syncAll(t, ts.URL, token, "")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		t.Fatal(err)
	}
	rounds := 300
	if n, err := strconv.Atoi(os.Getenv("OFFSYNC_CURSOR_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d (%d rounds)", seed, rounds)
	rng := rand.New(rand.NewSource(seed))
	for i := range rounds {
		var edited string
		b := append([]byte(nil), raw...)
		switch rng.Intn(4) {
		case 0: // some bytes changed
			for range 1 + rng.Intn(3) {
				b[rng.Intn(len(b))] ^= byte(1 + rng.Intn(255))
			}
			edited = base64.RawURLEncoding.EncodeToString(b)
		case 1: // a byte inserted
			at := rng.Intn(len(b) + 1)
			b = append(b[:at], append([]byte{byte(rng.Intn(256))}, b[at:]...)...)
			edited = base64.RawURLEncoding.EncodeToString(b)
		case 2: // a byte removed
			at := rng.Intn(len(b))
			edited = base64.RawURLEncoding.EncodeToString(append(b[:at], b[at+1:]...))
		default: // a character of the text changed
			c := []byte(cursor)
			at := rng.Intn(len(c))
			alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/!"
			for c[at] == cursor[at] {
				c[at] = alphabet[rng.Intn(len(alphabet))]
			}
			edited = string(c)
		}
		if edited == cursor {
			continue
		}
		code, pr, _ := devicePullRaw(t, ts.URL, token, edited, nil)
		switch {
		case code == 400:
			continue
		case code != 200:
			t.Fatalf("round %d (%q): status %d", i, edited, code)
		case !pr.Reset:
			t.Fatalf("round %d: the edited cursor %q was accepted as a delta cursor", i, edited)
		}
		for _, id := range answerIDs(pr) {
			if !own[id] {
				t.Fatalf("round %d: the answer names %s, outside the caller's view", i, id)
			}
		}
	}
}

// joinTeam adds user to a new team of the user's business unit: an
// access change (the context's teams) that leaves a Field Sales view as it
// is, so its delta is smaller than a reload. (A move to another business
// unit changes the whole view: that pull reloads, as a delta bigger than
// a reload would.)
func joinTeam(t *testing.T, w Writer, e *engine.Engine, user string) {
	t.Helper()
	users, _ := e.Users()
	for _, u := range users {
		if u.ID != user {
			continue
		}
		team := engine.Team{ID: "7ea70000-0000-4000-8000-000000000001", Name: "Joiners", BusinessUnit: u.BusinessUnit, Members: []string{user}}
		res, err := w.Propose(context.Background(), &engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{Teams: []engine.Team{team}}})
		if err != nil || res.Err != nil {
			t.Fatalf("add the user to a team: %v %v", err, res)
		}
		return
	}
	t.Fatal("no such user")
}

// TestAccessChangeIsADeltaOnceTheContextIsRegistered: the server
// registers the access context of the cursors it hands out; after the
// user joins a team, the pull from that cursor is a delta within the old
// and new views. A cursor naming a context that
// was never registered reloads the caller's view instead.
func TestAccessChangeIsADeltaOnceTheContextIsRegistered(t *testing.T) {
	ts, e := newDemoServer(t)
	now := time.UnixMilli(1_700_000_000_000)
	token, user := fieldSalesToken(t, ts)
	before := viewIDs(t, e, user, now)
	cursor := syncAll(t, ts.URL, token, "")
	wc, ok, err := openCursor(e.CursorKey(), user, engine.DefaultAppID, cursor)
	if err != nil || !ok || wc.C == nil {
		t.Fatalf("open the cursor: %v %v", ok, err)
	}
	waitRegistered(t, e, wc.C.Context)
	unknown := wc
	unknown.C = &engine.Cursor{Version: wc.C.Version, Time: wc.C.Time, Context: wc.C.Context ^ 1}
	unregistered, err := sealCursor(e.CursorKey(), user, engine.DefaultAppID, unknown)
	if err != nil {
		t.Fatal(err)
	}
	joinTeam(t, directWriter{e}, e, user)
	after := viewIDs(t, e, user, now)

	code, pr, _ := devicePullRaw(t, ts.URL, token, cursor, nil)
	if code != 200 || pr.Reset {
		t.Fatalf("the pull after joining a team: %d reset %v, want a delta", code, pr.Reset)
	}
	for _, id := range answerIDs(pr) {
		if !before[id] && !after[id] {
			t.Fatalf("the delta names %s, in neither view", id)
		}
	}
	code, pr, _ = devicePullRaw(t, ts.URL, token, unregistered, nil)
	if code != 200 || !pr.Reset {
		t.Fatalf("an unregistered context: %d reset %v, want a reload", code, pr.Reset)
	}
	for _, id := range answerIDs(pr) {
		if !after[id] {
			t.Fatalf("the reload names %s, outside the view", id)
		}
	}
}

// TestNoChangeAnswersKeepTheDeviceExact: as days pass with no write, a
// pull leaves out the entities with nothing to apply, but still sends a
// window cutoff that drops rows the device holds; a device that applies
// the answers holds exactly its view at each pull's time.
func TestNoChangeAnswersKeepTheDeviceExact(t *testing.T) {
	var clock atomic.Int64
	clock.Store(1_700_000_000_000)
	ts, e := newDemoServerWith(t, func(c *Config) { c.Now = func() time.Time { return time.UnixMilli(clock.Load()) } })
	token, user := fieldSalesToken(t, ts)
	held := map[string]int64{} // entity/id -> modifiedon
	apply := func(pr codec.PullResponse) {
		if pr.Reset {
			clear(held)
		}
		for _, ec := range pr.Entities {
			for _, id := range ec.Removals {
				s, _ := codec.GUIDString(id)
				delete(held, ec.Entity+"/"+s)
			}
			for _, rows := range [][][]any{ec.Rows, ec.Patches} {
				for _, r := range rows {
					s, _ := codec.GUIDString(r[0].([]byte))
					held[ec.Entity+"/"+s], _ = codec.AsInt64(r[4])
				}
			}
			for k, m := range held {
				if ec.Cutoff != 0 && strings.HasPrefix(k, ec.Entity+"/") && m < ec.Cutoff {
					delete(held, k)
				}
			}
		}
	}
	cursor := ""
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	compact, cut := 0, 0
	for round := range 40 {
		code, wire, pr := pullWire(t, ts.URL, token, cursor)
		if code != 200 || pr.More {
			t.Fatalf("round %d: %d more %v", round, code, pr.More)
		}
		apply(pr)
		cursor = pr.Cursor
		if len(pr.Entities) == 0 {
			compact++
			if len(wire) > 64 {
				t.Fatalf("round %d: a no-change answer of %d bytes", round, len(wire))
			}
		}
		for _, ec := range pr.Entities {
			if ec.Cutoff != 0 && len(ec.Rows)+len(ec.Patches)+len(ec.Removals) == 0 {
				cut++
			}
		}
		want := viewIDs(t, e, user, time.UnixMilli(clock.Load()).Truncate(time.Second))
		for k := range held {
			if !want[k] {
				t.Fatalf("round %d: the device holds %s, out of its view", round, k)
			}
		}
		if len(held) != len(want) {
			t.Fatalf("round %d: the device holds %d rows, its view %d", round, len(held), len(want))
		}
		// Mostly short steps (nothing ages out), sometimes days.
		step := int64(rng.Intn(5_000))
		if rng.Intn(3) == 0 {
			step = int64(rng.Intn(3 * 86_400_000))
		}
		clock.Add(step)
	}
	t.Logf("%d compact answers, %d entities sent for their cutoff alone", compact, cut)
	if compact == 0 || cut == 0 {
		t.Fatalf("the test proves little: %d compact answers, %d entities sent for their cutoff alone", compact, cut)
	}
}

// awaitCursorContext waits until the access context that cursor (user's,
// of the default app) names is registered: a test that then checks that
// a request writes nothing must not see the registration land.
func awaitCursorContext(t *testing.T, e *engine.Engine, user, cursor string) {
	t.Helper()
	wc, ok, err := openCursor(e.CursorKey(), user, engine.DefaultAppID, cursor)
	if err != nil || !ok {
		t.Fatalf("open the cursor: %v %v", ok, err)
	}
	if wc.C != nil {
		waitRegistered(t, e, wc.C.Context)
	}
}

// TestCursorMACsReuseNoOtherKey: MACs computed with reused HMACs equal
// fresh ones, whichever keys came before (nodes of several clusters in
// one process).
func TestCursorMACsReuseNoOtherKey(t *testing.T) {
	keys := [][]byte{bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)}
	fresh := func(key []byte, payload string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(cursorDomain + "u\x00a\x00" + payload))
		return m.Sum(nil)[:cursorMACLen]
	}
	for i := range 50 {
		key := keys[(i/3)%2]
		payload := fmt.Sprintf("p%d", i)
		if got, want := cursorMAC(key, "u", "a", []byte(payload)), fresh(key, payload); !bytes.Equal(got, want) {
			t.Fatalf("round %d: MAC %x, want %x", i, got, want)
		}
	}
}

// TestCursorFormatBeforeStillOpens: a cursor sealed in the format before
// (a 16-byte MAC under cursorDomainV2) opens to the same position, so a
// device keeps its cursor across the upgrade; with any byte changed it
// does not, and a new cursor is 8 bytes of MAC shorter.
func TestCursorFormatBeforeStillOpens(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	c := wireCursor{C: &engine.Cursor{Version: 12345, Time: 1_796_000_000_000, Context: 0xfeedface}}
	payload, err := appendCursor(nil, c)
	if err != nil {
		t.Fatal(err)
	}
	old := append(bytes.Clone(payload), domainMAC(key, cursorDomainV2, cursorMACLenV2, "u", "a", payload)...)
	got, ok, err := openCursor(key, "u", "a", base64.RawURLEncoding.EncodeToString(old))
	if err != nil || !ok || got.C == nil || *got.C != *c.C {
		t.Fatalf("cursor of the format before: %+v %v %v", got, ok, err)
	}
	for i := range old {
		edited := bytes.Clone(old)
		edited[i] ^= 0x01
		if _, ok, _ := openCursor(key, "u", "a", base64.RawURLEncoding.EncodeToString(edited)); ok {
			t.Fatalf("byte %d changed: accepted", i)
		}
	}
	if _, ok, _ := openCursor(key, "v", "a", base64.RawURLEncoding.EncodeToString(old)); ok {
		t.Fatal("another user's cursor of the format before: accepted")
	}
	now, err := sealCursorBytes(key, "u", "a", c)
	if err != nil {
		t.Fatal(err)
	}
	if len(now) != len(old)-8 {
		t.Fatalf("cursor of %d bytes, the format before %d", len(now), len(old))
	}
	s, _ := sealCursor(key, "u", "a", c)
	if s != base64.RawURLEncoding.EncodeToString(now) {
		t.Fatal("sealCursor is not the base64 of sealCursorBytes")
	}
}

package server

import (
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"math/rand"
	"net/http/httptest"
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
	if err != nil || !ok || mg.C == nil || mg.C.Was == nil {
		t.Fatalf("open the manager's cursor: %v %v", ok, err)
	}
	h := fnv.New64a()
	h.Write([]byte(fsUser))
	mg.C.Was.User = h.Sum64()
	check("a forged manager context", forgeWith(t, fsUser, mg))
	payload, _ := codec.MarshalCompact(&mg)
	check("a forged context without a MAC", base64.RawURLEncoding.EncodeToString(payload))
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

package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/server"
)

// abuseRoute is an authenticated route with a harmless request.
type abuseRoute struct {
	method, path string
	body         []byte
}

var (
	deviceRoutes = []abuseRoute{
		{"GET", "/v1/sync/pull", nil}, {"POST", "/v1/sync/pull", []byte(`{}`)}, {"POST", "/v1/sync/push", []byte(`{"mutations":[]}`)},
		{"GET", "/v1/sync/metadata", nil}, {"GET", "/v1/sync/events", nil},
	}
	adminRoutes = []abuseRoute{
		{"GET", "/v1/admin/users", nil}, {"GET", "/v1/admin/tokens", nil}, {"GET", "/v1/admin/sync-errors", nil},
		{"POST", "/v1/records", []byte(`{"records":[]}`)}, {"GET", "/v1/admin/backup", nil},
	}
)

// tokenKind sends the i-th of routes with the token tok gives, and
// expects 401 unauthorized.
func tokenKind(name string, routes []abuseRoute, tok func(ab *abuser) string) abuseKind {
	return abuseKind{name, func(ab *abuser, i int) error {
		rt := routes[i%len(routes)]
		a, err := ab.send(rt.method, rt.path, tok(ab), map[string]string{"Content-Type": mJSON}, rt.body)
		if err == nil {
			err = ab.refused(a, nil, 401, server.CodeUnauthorized)
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", rt.method, rt.path, err)
		}
		return nil
	}}
}

// tokenKinds: no, garbage, revoked and wrong-kind tokens on every route.
func tokenKinds() []abuseKind {
	all := append(append([]abuseRoute{}, deviceRoutes...), adminRoutes...)
	return []abuseKind{
		tokenKind("no token", all, func(*abuser) string { return "" }),
		tokenKind("a garbage token", all, func(*abuser) string { return "ofs_" + strings.Repeat("x", 40) }),
		tokenKind("a revoked token", deviceRoutes, func(ab *abuser) string { return ab.revoked }),
		tokenKind("a device token on admin routes", adminRoutes, func(ab *abuser) string { return ab.token }),
		tokenKind("the admin token on device routes", deviceRoutes, func(ab *abuser) string { return ab.admin }),
		tokenKind("the admin token altered", adminRoutes, func(ab *abuser) string { return ab.admin[:len(ab.admin)-1] + "x" }),
	}
}

// pullJSON pulls with tok and cursor by the i-th way (POST or GET).
func (ab *abuser) pullJSON(tok, cursor string, i int) (answer, error) {
	hdr := map[string]string{"Content-Type": mJSON, "Accept": mJSON}
	if i%2 == 1 {
		return ab.send("GET", "/v1/sync/pull?cursor="+cursor, tok, hdr, nil)
	}
	body, _ := json.Marshal(codec.PullRequest{Cursor: cursor})
	return ab.send("POST", "/v1/sync/pull", tok, hdr, body)
}

// resetOr400 accepts a 400 bad_request, or a full load of the caller's
// own view (a reset) that names no row outside it: never a delta.
func (ab *abuser) resetOr400(a answer, asked []byte) error {
	if a.status != 200 {
		return ab.refused(a, asked, 400, server.CodeBadRequest)
	}
	var p struct{ Reset bool }
	if err := json.Unmarshal(a.body, &p); err != nil || !p.Reset {
		return fmt.Errorf("a foreign cursor got a delta: %.300q", a.body)
	}
	return ab.leak(a, asked)
}

// cursorKinds: garbage, bit-flipped, cut, forged and other users'
// cursors, with the caller's token; and the caller's cursor with another
// user's token.
func cursorKinds() []abuseKind {
	return []abuseKind{
		{"garbage and forged cursors", func(ab *abuser, i int) error {
			cs := ab.badCursors()
			c := cs[(i/2)%len(cs)]
			a, err := ab.pullJSON(ab.token, c.cursor, i)
			if err == nil {
				err = ab.resetOr400(a, []byte(c.cursor))
			}
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			return nil
		}},
		{"the caller's cursor with another user's token", func(ab *abuser, i int) error {
			// The answer is the other user's to see: only a 400 or a
			// reset is checked.
			a, err := ab.pullJSON(ab.other, ab.cursor, i)
			if err != nil || a.status != 200 {
				return firstErr(err, ab.refused(a, nil, 400, server.CodeBadRequest))
			}
			var p struct{ Reset bool }
			if json.Unmarshal(a.body, &p) != nil || !p.Reset {
				return fmt.Errorf("another user's token got a delta from the caller's cursor: %.300q", a.body)
			}
			return nil
		}},
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

type namedCursor struct{ name, cursor string }

// badCursors are the cursors no device was given: garbage, the caller's
// own edited (under its MAC), and other users'.
func (ab *abuser) badCursors() []namedCursor {
	raw, _ := base64.RawURLEncoding.DecodeString(ab.cursor)
	edit := func(f func([]byte) []byte) string {
		return base64.RawURLEncoding.EncodeToString(f(append([]byte(nil), raw...)))
	}
	flip := func(at int) string { return edit(func(b []byte) []byte { b[at] ^= 0x01; return b }) }
	// The cursor's wire form: a msgpack payload, then a 16-byte MAC.
	const macLen = 16
	forge := func(f func(c *engine.Cursor)) string {
		var wc struct {
			C    *engine.Cursor `msgpack:"c,omitempty"`
			Snap string         `msgpack:"s,omitempty"`
			Page int            `msgpack:"p,omitempty"`
		}
		if len(raw) <= macLen || codec.Unmarshal(raw[:len(raw)-macLen], &wc) != nil || wc.C == nil {
			return "not-a-sealed-engine-cursor" // still a bad cursor
		}
		f(wc.C)
		b, _ := codec.MarshalCompact(&wc)
		return base64.RawURLEncoding.EncodeToString(append(b, raw[len(raw)-macLen:]...))
	}
	return []namedCursor{
		// Issue 12, finding 1: an organization-depth access context of
		// another business unit, seen from the first version.
		{"forged access context", forge(func(c *engine.Cursor) {
			c.Context, c.Version = c.Context+1, 1
			if c.Was == nil {
				c.Was = &engine.CursorContext{Depths: []uint8{4, 4, 4, 4}}
			}
			c.Was.BU = ab.otherBU
			for i := range c.Was.Depths {
				c.Was.Depths[i] = 4
			}
		})},
		{"forged version", forge(func(c *engine.Cursor) { c.Version = 1 })},
		{"forged time", forge(func(c *engine.Cursor) { c.Time += 86_400_000 })},
		{"garbage", "!!not-a-cursor"},
		{"random bytes", base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("\x93\xff\x00", 30)))},
		{"first byte flipped", flip(0)},
		{"middle byte flipped", flip(len(raw) / 2)},
		{"last byte flipped", flip(len(raw) - 1)},
		{"cut short", ab.cursor[:len(ab.cursor)/2]},
		{"with a suffix", ab.cursor + "AAAA"},
		{"oversized", strings.Repeat("A", 4096)},
		{"another Field Sales user's", ab.otherCursor},
		{"a manager's", ab.mgrCursor},
	}
}

// outsideKinds: pushes at rows, lookups and owners outside the caller's
// view get results that change nothing and name nothing else outside it;
// and the caller's own load, in msgpack, names nothing outside it.
func outsideKinds(fresh *atomic.Int64) []abuseKind {
	return []abuseKind{
		{"pushes at ids outside the view", func(ab *abuser, i int) error {
			n := fresh.Add(1)
			id := fmt.Sprintf("0ddba11d-0000-4000-8000-%012d", n)
			mid := fmt.Sprintf("abuse-%d", n)
			type attrs = map[string]any
			ms := []codec.Mutation{
				{Entity: "account", RowID: ab.hiddenAccount, Op: "update", Attrs: attrs{"name": "x"}},
				{Entity: "account", RowID: ab.hiddenAccount, Op: "delete"},
				{Entity: "account", RowID: ab.hiddenAccount, Op: "create", Attrs: attrs{"name": "x"}},
				{Entity: "contact", RowID: id, Op: "create", Attrs: attrs{"lastname": "x", "parentcustomerid": ab.hiddenAccount}},
				{Entity: "account", RowID: id, Op: "create", Attrs: attrs{"name": "x", "ownerid": ab.hiddenUser}},
				{Entity: "account", RowID: ab.visibleAccount, Op: "update", Attrs: attrs{"ownerid": ab.hiddenUser}},
			}
			m := ms[i%len(ms)]
			m.ID = mid
			req := codec.PushRequest{Mutations: []codec.Mutation{m}}
			hdr := map[string]string{"Content-Type": mJSON, "Accept": mJSON}
			body, _ := json.Marshal(req)
			if i%2 == 1 {
				hdr = map[string]string{"Content-Type": mMsgpack}
				body, _ = codec.Marshal(req)
			}
			a, err := ab.send("POST", "/v1/sync/push", ab.token, hdr, body)
			if err != nil {
				return err
			}
			if a.status != 200 {
				return fmt.Errorf("push %s %s: %s", m.Op, m.Entity, a)
			}
			var pr codec.PushResponse
			dec := json.Unmarshal
			if i%2 == 1 {
				dec = codec.Unmarshal
			}
			if err := dec(a.body, &pr); err != nil || len(pr.Results) != 1 || pr.Results[0].Applied || pr.Results[0].Code == "" {
				return fmt.Errorf("push %s %s outside the view: %s (%v)", m.Op, m.Entity, a, err)
			}
			return ab.leak(a, body)
		}},
		{"the caller's first load (msgpack)", func(ab *abuser, _ int) error {
			a, err := ab.send("POST", "/v1/sync/pull", ab.token, map[string]string{"Content-Type": mJSON}, []byte(`{}`))
			switch {
			case err != nil:
				return err
			case a.status != 200:
				return fmt.Errorf("first load: %s", a)
			}
			return ab.leak(a, nil)
		}},
	}
}

// streamKinds: a token that holds its limit of event streams asks for
// one more.
func streamKinds() []abuseKind {
	return []abuseKind{{"one event stream too many", func(ab *abuser, _ int) error {
		a, err := ab.send("GET", "/v1/sync/events", ab.streams, nil, nil)
		if err == nil {
			err = ab.refused(a, nil, 429, server.CodeTooManyStreams)
		}
		return err
	}}}
}

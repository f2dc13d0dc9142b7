package server

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// abuseBody is one way to spoil a route's body.
type abuseBody struct {
	name string
	// make returns the body and its extra headers; nil when the attack
	// does not apply to the route.
	make  func(rt abuseRoute) ([]byte, map[string]string)
	raw   int64 // when > 0, sent by hand with this Content-Length
	want  int
	codes []string
	bomb  bool // a decompression bomb: memory is checked too
}

// bodyRoutes are the routes that read a body, authenticated as they
// must be: each JSON-or-msgpack route in both formats.
func (env *abuseEnv) bodyRoutes(t *testing.T) []abuseRoute {
	t.Helper()
	var out []abuseRoute
	for _, rt := range env.routes(t) {
		if rt.ct == "" {
			continue
		}
		out = append(out, rt)
		if rt.path == "/v1/records" || rt.path == "/v1/sync/push" || rt.path == "/v1/sync/pull" {
			alt := rt
			var v any
			if rt.ct == "application/json" {
				_ = json.Unmarshal(rt.valid, &v)
				alt.ct, alt.valid = "application/msgpack", must(codec.Marshal(v))
			} else {
				_ = codec.Unmarshal(rt.valid, &v)
				alt.ct, alt.valid = "application/json", must(json.Marshal(v))
			}
			out = append(out, alt)
		}
	}
	return out
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// retype gives every top-level field of a JSON or msgpack object a value
// of the wrong type.
func retype(rt abuseRoute) []byte {
	var m map[string]any
	dec := func(b []byte, v any) error { return json.Unmarshal(b, v) }
	enc := func(v any) ([]byte, error) { return json.Marshal(v) }
	if rt.ct == "application/msgpack" {
		dec, enc = codec.Unmarshal, func(v any) ([]byte, error) { return codec.Marshal(v) }
	}
	if dec(rt.valid, &m) != nil || len(m) == 0 {
		return nil
	}
	for k, v := range m {
		switch v.(type) {
		case string:
			m[k] = map[string]any{"x": []any{1}}
		case []any, map[string]any:
			m[k] = "x"
		default:
			m[k] = []any{"x"}
		}
	}
	return must(enc(m))
}

func zstdBomb(n int) []byte {
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	return enc.EncodeAll(make([]byte, n), nil)
}

func gzipBomb(n int) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = zw.Write(make([]byte, n))
	_ = zw.Close()
	return b.Bytes()
}

// TestAbuseBodies: every route that reads a body refuses garbage,
// truncated, wrongly typed, deeply nested, oversized and short bodies,
// length claims, unknown encodings and media types, and compression
// bombs, with the right 4xx and {code, message}; nothing is written, and
// a bomb costs the server little memory.
func TestAbuseBodies(t *testing.T) {
	env := newAbuseEnv(t)
	rng := rand.New(rand.NewPCG(12, 1))
	garbage := make([]byte, 2048)
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	bad := []string{CodeBadRequest, CodeInvalid}
	isMsgpack := func(rt abuseRoute) bool { return rt.ct == "application/msgpack" }
	formatted := func(rt abuseRoute) bool { // the routes that read JSON or msgpack
		return rt.path == "/v1/records" || strings.HasPrefix(rt.path, "/v1/sync/")
	}
	zb, gb := zstdBomb(64<<20), gzipBomb(16<<20)
	kinds := []abuseBody{
		{name: "garbage", make: func(abuseRoute) ([]byte, map[string]string) { return garbage, nil }, want: 400, codes: bad},
		{name: "truncated", make: func(rt abuseRoute) ([]byte, map[string]string) { return rt.valid[:len(rt.valid)/2], nil }, want: 400, codes: bad},
		{name: "trailing data", make: func(rt abuseRoute) ([]byte, map[string]string) {
			if isMsgpack(rt) {
				return append(bytes.Clone(rt.valid), 0x93, 1, 2, 3), nil
			}
			return append(bytes.Clone(rt.valid), `{"x":1}`...), nil
		}, want: 400, codes: bad},
		{name: "an array for an object", make: func(rt abuseRoute) ([]byte, map[string]string) {
			if isMsgpack(rt) {
				return []byte{0x93, 1, 2, 3}, nil
			}
			return []byte(`[1,2,3]`), nil
		}, want: 400, codes: bad},
		{name: "fields of the wrong type", make: func(rt abuseRoute) ([]byte, map[string]string) { return retype(rt), nil }, want: 400, codes: bad},
		{name: "deep nesting", make: func(rt abuseRoute) ([]byte, map[string]string) {
			if isMsgpack(rt) {
				return append(bytes.Repeat([]byte{0x81, 0xa1, 'x'}, 10000), 0xc0), nil
			}
			return []byte(strings.Repeat(`{"x":`, 10000) + "1" + strings.Repeat("}", 10000)), nil
		}, want: 400, codes: bad},
		{name: "length claims", make: func(rt abuseRoute) ([]byte, map[string]string) {
			if isMsgpack(rt) {
				return []byte{0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'x', 0xdd, 0xff, 0xff, 0xff, 0xff}, nil
			}
			return nil, nil
		}, want: 400, codes: bad},
		{name: "oversized", make: func(rt abuseRoute) ([]byte, map[string]string) {
			return append(bytes.Clone(rt.valid), bytes.Repeat([]byte(" "), abuseMaxBody)...), nil
		}, want: 413, codes: []string{CodeTooLarge}},
		{name: "huge Content-Length", raw: 1 << 40, make: func(rt abuseRoute) ([]byte, map[string]string) { return rt.valid, nil }, want: 413, codes: []string{CodeTooLarge}},
		{name: "body shorter than its Content-Length", raw: -1, make: func(rt abuseRoute) ([]byte, map[string]string) { return rt.valid, nil }, want: 400, codes: []string{CodeBadRequest}},
		{name: "zstd bomb", bomb: true, make: func(abuseRoute) ([]byte, map[string]string) {
			return zb, map[string]string{"Content-Encoding": "zstd"}
		}, want: 413, codes: []string{CodeTooLarge}},
		{name: "gzip bomb", bomb: true, make: func(abuseRoute) ([]byte, map[string]string) {
			return gb, map[string]string{"Content-Encoding": "gzip"}
		}, want: 413, codes: []string{CodeTooLarge}},
		{name: "corrupt zstd", make: func(abuseRoute) ([]byte, map[string]string) {
			return append([]byte{0x28, 0xb5, 0x2f, 0xfd}, garbage...), map[string]string{"Content-Encoding": "zstd"}
		}, want: 400, codes: bad},
		{name: "unknown encoding", make: func(rt abuseRoute) ([]byte, map[string]string) {
			return rt.valid, map[string]string{"Content-Encoding": "br"}
		}, want: 415, codes: []string{CodeUnsupportedMedia}},
		{name: "stacked encodings", make: func(rt abuseRoute) ([]byte, map[string]string) {
			return rt.valid, map[string]string{"Content-Encoding": "gzip, zstd"}
		}, want: 415, codes: []string{CodeUnsupportedMedia}},
		{name: "unknown media type", make: func(rt abuseRoute) ([]byte, map[string]string) {
			if !formatted(rt) {
				return nil, nil // admin routes read JSON whatever the type says
			}
			return rt.valid, map[string]string{"Content-Type": "text/csv"}
		}, want: 415, codes: []string{CodeUnsupportedMedia}},
	}
	for _, rt := range env.bodyRoutes(t) {
		auth := bearer(testToken)
		if rt.device {
			auth = bearer(env.token)
		}
		for _, k := range kinds {
			body, extra := k.make(rt)
			if body == nil {
				continue // the attack does not apply to the route
			}
			t.Run(rt.String()+"/"+rt.ct+"/"+k.name, func(t *testing.T) {
				hdr := map[string]string{"Content-Type": rt.ct}
				for h, v := range extra {
					hdr[h] = v
				}
				before := env.e.Applied()
				var status int
				var rh http.Header
				var answer []byte
				grew := allocated(func() {
					switch {
					case k.raw > 0:
						status, rh, answer = env.sendRaw(t, rawRequest(rt.method, rt.path, auth, hdr, k.raw, body[:min(len(body), 16)]))
					case k.raw < 0:
						status, rh, answer = env.sendRaw(t, rawRequest(rt.method, rt.path, auth, hdr, int64(len(body)+100), body))
					default:
						status, rh, answer = env.send(t, abuseReq{method: rt.method, path: rt.path, body: body, hdr: hdr, auth: auth})
					}
				})
				env.refused(t, append([]byte(rt.path), body...), before, status, rh, answer, k.want, k.codes...)
				if k.bomb && grew > 64<<20 {
					t.Fatalf("a %d-byte bomb made the server allocate %d MiB", len(body), grew>>20)
				}
			})
		}
	}
	// Count bombs: more items than a request may carry, in few bytes. A
	// claim of more items than the body holds may also be refused as
	// truncated, before anything is allocated.
	mutations := fmt.Sprintf(`{"mutations":[%s{}]}`, strings.Repeat("{},", engine.MaxMutationsPerPush))
	records := fmt.Sprintf(`{"records":[%s{}]}`, strings.Repeat("{},", DefaultMaxBatchRecords))
	mpMutations := func(claim []byte, n int) []byte { // {"mutations": [claim header] {} x n}
		return append(append([]byte{0x81, 0xa9, 'm', 'u', 't', 'a', 't', 'i', 'o', 'n', 's'}, claim...), bytes.Repeat([]byte{0x80}, n)...)
	}
	msgpack := map[string]string{"Content-Type": "application/msgpack"}
	for _, tc := range []struct {
		name  string
		rq    abuseReq
		want  int
		codes []string
	}{
		{"push of too many mutations", abuseReq{method: "POST", path: "/v1/sync/push", body: []byte(mutations), auth: bearer(env.token)}, 413, []string{CodeTooLarge}},
		{"ingest of too many records", abuseReq{method: "POST", path: "/v1/records", body: []byte(records), auth: bearer(testToken)}, 413, []string{CodeTooLarge}},
		{"msgpack push of too many mutations", abuseReq{method: "POST", path: "/v1/sync/push", hdr: msgpack, auth: bearer(env.token),
			body: mpMutations(binary.BigEndian.AppendUint16([]byte{0xdc}, engine.MaxMutationsPerPush+1), engine.MaxMutationsPerPush+1)}, 413, []string{CodeTooLarge}},
		{"msgpack push of a million empty mutations", abuseReq{method: "POST", path: "/v1/sync/push", auth: bearer(env.token),
			body: zstdPacked(mpMutations(binary.BigEndian.AppendUint32([]byte{0xdd}, abuseMaxDecoded-64), abuseMaxDecoded-64)),
			hdr:  map[string]string{"Content-Type": "application/msgpack", "Content-Encoding": "zstd"}}, 413, []string{CodeTooLarge}},
		{"msgpack push claiming 60 million mutations", abuseReq{method: "POST", path: "/v1/sync/push", auth: bearer(env.token),
			body: zstdPacked(mpMutations([]byte{0xdd, 0x03, 0x93, 0x87, 0x00}, abuseMaxDecoded-64)),
			hdr:  map[string]string{"Content-Type": "application/msgpack", "Content-Encoding": "zstd"}}, 0, []string{CodeTooLarge, CodeBadRequest}},
	} {
		t.Run("count bomb/"+tc.name, func(t *testing.T) {
			if tc.rq.hdr == nil {
				tc.rq.hdr = map[string]string{"Content-Type": "application/json"}
			}
			grew := allocated(func() { env.check(t, tc.rq, tc.want, tc.codes...) })
			if grew > 64<<20 {
				t.Fatalf("a %d-byte body made the server allocate %d MiB", len(tc.rq.body), grew>>20)
			}
		})
	}
}

// allocated returns the bytes this process allocated while f ran.
func allocated(f func()) uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	f()
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc - before
}

func zstdPacked(b []byte) []byte {
	enc, _ := zstd.NewWriter(nil)
	return enc.EncodeAll(b, nil)
}

// TestAbuseSlowClients: on every route that reads a body, a body sent
// slower than ReadBodyTimeout allows gets 400 bad_request and the
// connection is closed; nothing is written.
func TestAbuseSlowClients(t *testing.T) {
	const timeout = 300 * time.Millisecond
	env := newAbuseEnv(t, func(c *Config) { c.ReadBodyTimeout = timeout })
	before := env.e.Applied()
	t.Run("routes", func(t *testing.T) {
		for _, rt := range env.bodyRoutes(t) {
			t.Run(rt.String()+"/"+rt.ct, func(t *testing.T) {
				t.Parallel()
				auth := bearer(testToken)
				if rt.device {
					auth = bearer(env.token)
				}
				c := dial(t, env.ts.Listener.Addr().String())
				head := rawRequest(rt.method, rt.path, auth, map[string]string{"Content-Type": rt.ct}, int64(len(rt.valid)), nil)
				if _, err := io.WriteString(c, strings.Replace(head, "Connection: close\r\n", "", 1)); err != nil {
					t.Fatal(err)
				}
				done := make(chan struct{})
				defer close(done)
				go trickle(c, rt.valid, timeout/3, done) // at least 9 bytes: 3 timeouts
				status, eb := readAnswer(t, c)
				if status != 400 || eb.Code != CodeBadRequest || eb.Message == "" {
					t.Fatalf("a slow body: %d %+v, want 400 bad_request", status, eb)
				}
				wantClosed(t, c, "after a slow body")
			})
		}
	})
	if v := env.e.Applied(); v != before {
		t.Fatalf("slow bodies were written: version %d -> %d", before, v)
	}
}

package server

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
)

// emptyMapsBomb is the msgpack body {key: [n empty maps]}: an array32
// header, then n bytes 0x80.
func emptyMapsBomb(key string, n int) []byte {
	b := []byte{0x81, 0xa0 | byte(len(key))}
	b = append(b, key...)
	b = append(b, 0xdd)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return append(b, bytes.Repeat([]byte{0x80}, n)...)
}

// zstdOf compresses b.
func zstdOf(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := codec.Compress(codec.Zstd, nil, b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// allocatedDuring reports the bytes the process allocated while f ran
// (client and server alike: nothing else runs during these tests).
func allocatedDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// wantCode fails t unless the answer is status with a JSON {code,
// message} of that code.
func wantCode(t *testing.T, what string, status int, body []byte, wantStatus int, wantCode string) {
	t.Helper()
	var eb ErrorBody
	if err := json.Unmarshal(body, &eb); err != nil || status != wantStatus || eb.Code != wantCode || eb.Message == "" {
		t.Errorf("%s: %d %q, want %d {code: %s, message}", what, status, body[:min(len(body), 200)], wantStatus, wantCode)
	}
}

// TestBodyBombsAreRefusedWithLittleMemory sends bodies of a few KiB of
// zstd that claim tens of millions of empty mutations or records (the
// bomb of issue 12: 7.2 GB of RSS before its 413). Each must get 413
// too_large, and the server must allocate about the body's decoded size at
// most, never the millions of items.
func TestBodyBombsAreRefusedWithLittleMemory(t *testing.T) {
	ts, _ := newDemoServer(t)
	token, _ := fieldSalesToken(t, ts)
	device := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/msgpack", "Content-Encoding": "zstd"}
	admin := map[string]string{"Content-Type": "application/msgpack", "Content-Encoding": "zstd"}
	for _, c := range []struct {
		name, path string
		hdr        map[string]string
		body       []byte
		bound      uint64
	}{
		// 64 MiB decoded: past the push route's cap, refused while
		// decompressing.
		{"push, 60M maps", "/v1/sync/push", device, emptyMapsBomb("mutations", 60_000_000), 32 << 20},
		// Within the push route's cap: refused by the mutation count.
		{"push, 7M maps", "/v1/sync/push", device, emptyMapsBomb("mutations", 7_000_000), 64 << 20},
		// Within the ingest cap (64 MiB): refused by the record count;
		// the decompressed body itself is 60 MB.
		{"ingest, 60M maps", "/v1/records", admin, emptyMapsBomb("records", 60_000_000), 256 << 20},
	} {
		wire := zstdOf(t, c.body)
		var status int
		var body []byte
		n := allocatedDuring(func() {
			resp, b := do(t, "POST", ts.URL+c.path, wire, c.hdr)
			status, body = resp.StatusCode, b
		})
		wantCode(t, c.name, status, body, 413, CodeTooLarge)
		t.Logf("%s: %d bytes as sent, %d MiB allocated", c.name, len(wire), n>>20)
		if n > c.bound {
			t.Errorf("%s (%d bytes as sent): allocated %d MiB, want < %d MiB", c.name, len(wire), n>>20, c.bound>>20)
		}
	}
}

// TestJSONBodyBombs is the JSON equivalent: [{},{},...] with more items
// than the caps.
func TestJSONBodyBombs(t *testing.T) {
	ts, _ := newDemoServer(t)
	token, _ := fieldSalesToken(t, ts)
	list := func(key string, n int) []byte {
		return []byte(`{"` + key + `":[` + strings.Repeat("{},", n) + `{}]}`)
	}
	device := map[string]string{"Authorization": "Bearer " + token, "Content-Encoding": "zstd"}
	admin := map[string]string{"Content-Encoding": "zstd"}
	for _, c := range []struct {
		name, path string
		hdr        map[string]string
		body       []byte
	}{
		{"push", "/v1/sync/push", device, list("mutations", 2_000_000)},
		{"ingest", "/v1/records", admin, list("records", 20_000_000)},
	} {
		wire := zstdOf(t, c.body)
		var status int
		var body []byte
		n := allocatedDuring(func() {
			resp, b := do(t, "POST", ts.URL+c.path, wire, c.hdr)
			status, body = resp.StatusCode, b
		})
		wantCode(t, c.name, status, body, 413, CodeTooLarge)
		if bound := uint64(len(c.body))*3 + 32<<20; n > bound {
			t.Errorf("%s: allocated %d MiB, want < %d MiB", c.name, n>>20, bound>>20)
		}
	}
}

// TestBodyCapsByRoute checks that each route refuses bodies over its own
// decoded cap, as sent or after decompression, before decoding them.
func TestBodyCapsByRoute(t *testing.T) {
	ts, _ := newDemoServer(t)
	token, _ := fieldSalesToken(t, ts)
	dev := "Bearer " + token
	pad := func(n int) []byte { return bytes.Repeat([]byte(" "), n) }
	for _, c := range []struct {
		name, path, auth, enc string
		body                  []byte
	}{
		{"pull as sent", "/v1/sync/pull", dev, "", append([]byte(`{"cursor":""}`), pad(DefaultMaxPullDecodedBytes)...)},
		{"pull decoded", "/v1/sync/pull", dev, "zstd", append([]byte(`{"cursor":""}`), pad(DefaultMaxPullDecodedBytes)...)},
		{"push as sent", "/v1/sync/push", dev, "", append([]byte(`{"mutations":[]}`), pad(DefaultMaxPushDecodedBytes)...)},
		{"push decoded", "/v1/sync/push", dev, "gzip", append([]byte(`{"mutations":[]}`), pad(DefaultMaxPushDecodedBytes)...)},
		{"admin decoded", "/v1/admin/org", "", "zstd", append([]byte(`{}`), pad(DefaultMaxAdminDecodedBytes)...)},
		{"schema decoded", "/v1/admin/schema/draft", "", "zstd", append([]byte(`{}`), pad(DefaultMaxAdminDecodedBytes)...)},
	} {
		body := c.body
		switch c.enc {
		case "zstd":
			body = zstdOf(t, body)
		case "gzip":
			body, _ = codec.Compress(codec.Gzip, nil, body)
		}
		method := "POST"
		if strings.HasSuffix(c.path, "/draft") {
			method = "PUT"
		}
		hdr := map[string]string{"Content-Encoding": c.enc}
		if c.auth != "" {
			hdr["Authorization"] = c.auth
		}
		resp, b := do(t, method, ts.URL+c.path, body, hdr)
		wantCode(t, c.name, resp.StatusCode, b, 413, CodeTooLarge)
	}
	// Ingest keeps MaxDecodedBytes: a body over the push cap is decoded
	// (and refused as an empty batch).
	big := append([]byte(`{"records":[]}`), pad(DefaultMaxPushDecodedBytes)...)
	if resp, b := do(t, "POST", ts.URL+"/v1/records", zstdOf(t, big), map[string]string{"Content-Encoding": "zstd"}); resp.StatusCode == 413 {
		t.Errorf("ingest of %d bytes: %d %s", len(big), resp.StatusCode, b)
	}
}

func TestLimitsValidateNameTheField(t *testing.T) {
	for field, tune := range map[string]func(*Config){
		"MaxPushDecodedBytes":  func(c *Config) { c.MaxPushDecodedBytes = 0 },
		"MaxPullDecodedBytes":  func(c *Config) { c.MaxPullDecodedBytes = -1 },
		"MaxAdminDecodedBytes": func(c *Config) { c.MaxAdminDecodedBytes = 0 },
		"ReadHeaderTimeout":    func(c *Config) { c.ReadHeaderTimeout = 0 },
		"ReadBodyTimeout":      func(c *Config) { c.ReadBodyTimeout = 0 },
		"ResponseTimeout":      func(c *Config) { c.ResponseTimeout = -1 },
		"IdleTimeout":          func(c *Config) { c.IdleTimeout = 0 },
		"MaxHeaderBytes":       func(c *Config) { c.MaxHeaderBytes = 100 },
		"MaxConnections":       func(c *Config) { c.MaxConnections = 0 },
	} {
		c := DefaultConfig(testToken)
		tune(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: Validate() = %v", field, err)
		}
	}
	if err := DefaultConfig(testToken).Validate(); err != nil {
		t.Fatal(err)
	}
}

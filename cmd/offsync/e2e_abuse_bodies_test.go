package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/server"
)

// abuseKind is one kind of hostile request; do sends its i-th instance
// (kinds rotate over routes and variants by i) and returns what was
// wrong with the answer, or nil.
type abuseKind struct {
	name string
	do   func(ab *abuser, i int) error
}

// bodyTarget is a route that reads a body, with a body it would accept
// (never sent whole by the attacks) and the route's decoded-size cap.
type bodyTarget struct {
	path, auth, ct string
	valid          []byte
	wire           int64 // the cap on the body as sent
}

const (
	mJSON    = "application/json"
	mMsgpack = "application/msgpack"
)

// targets are the push, pull and ingest routes, each in JSON and msgpack.
func (ab *abuser) targets() []bodyTarget {
	push := map[string]any{"mutations": []any{map[string]any{"id": "m-abuse", "entity": "account", "rowId": ab.visibleAccount,
		"op": "update", "attributes": map[string]any{"name": "abuse"}}}}
	pull := map[string]any{"cursor": ab.cursor}
	ingest := map[string]any{"records": []any{map[string]any{"entity": "task", "id": "0ddba11d-0000-4000-8000-0000000a0000",
		"ownerid": ab.hiddenUser, "attributes": map[string]any{"subject": "abuse"}}}}
	var out []bodyTarget
	for _, r := range []struct {
		path, auth string
		v          any
		wire       int64
	}{
		{"/v1/sync/push", ab.token, push, server.DefaultMaxPushDecodedBytes},
		{"/v1/sync/pull", ab.token, pull, server.DefaultMaxPullDecodedBytes},
		{"/v1/records", ab.admin, ingest, server.DefaultMaxBodyBytes},
	} {
		j, _ := json.Marshal(r.v)
		m, _ := codec.Marshal(r.v)
		out = append(out, bodyTarget{r.path, r.auth, mJSON, j, r.wire}, bodyTarget{r.path, r.auth, mMsgpack, m, r.wire})
	}
	return out
}

// bodyKind sends to the i-th target the body made by mk (with its extra
// headers) and expects want with one of codes.
func bodyKind(name string, want int, codes []string, mk func(ab *abuser, t bodyTarget, i int) ([]byte, map[string]string)) abuseKind {
	return abuseKind{name, func(ab *abuser, i int) error {
		ts := ab.targets()
		t := ts[i%len(ts)]
		body, extra := mk(ab, t, i/len(ts))
		hdr := map[string]string{"Content-Type": t.ct, "Accept": mJSON}
		for k, v := range extra {
			hdr[k] = v
		}
		a, err := ab.send("POST", t.path, t.auth, hdr, body)
		if err == nil {
			err = ab.refused(a, body, want, codes...)
		}
		return wrapTarget(t, err)
	}}
}

func wrapTarget(t bodyTarget, err error) error {
	if err != nil {
		return fmt.Errorf("%s (%s): %w", t.path, t.ct, err)
	}
	return nil
}

// rawKind writes to the i-th target, by hand, the head made by head and
// the body's pieces; it expects want with one of codes.
func rawKind(name string, want int, codes []string, mk func(ab *abuser, t bodyTarget) (string, [][]byte)) abuseKind {
	return abuseKind{name, func(ab *abuser, i int) error {
		ts := ab.targets()
		t := ts[i%len(ts)]
		head, pieces := mk(ab, t)
		a, err := ab.raw(head, pieces, trickleEvery)
		if err == nil {
			err = ab.refused(a, bytes.Join(pieces, nil), want, codes...)
		}
		return wrapTarget(t, err)
	}}
}

// bodyKinds spoil the bodies of the routes that read one: garbage,
// truncated, wrongly typed, deeply nested, length claims of 4 G,
// oversized, lying lengths, bombs, unknown encodings.
func bodyKinds() []abuseKind {
	bad := []string{server.CodeBadRequest, server.CodeInvalid}
	tooLarge := []string{server.CodeTooLarge}
	garbage := make([]byte, 2048)
	rng := rand.New(rand.NewPCG(12, 1))
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	hdr := func(k, v string) map[string]string { return map[string]string{k: v} }
	return []abuseKind{
		bodyKind("garbage body", 400, bad, func(*abuser, bodyTarget, int) ([]byte, map[string]string) { return garbage, nil }),
		bodyKind("truncated body", 400, bad, func(_ *abuser, t bodyTarget, _ int) ([]byte, map[string]string) { return t.valid[:len(t.valid)/2], nil }),
		bodyKind("wrongly typed fields", 400, bad, func(_ *abuser, t bodyTarget, _ int) ([]byte, map[string]string) { return retype(t), nil }),
		bodyKind("deep nesting", 400, bad, func(_ *abuser, t bodyTarget, _ int) ([]byte, map[string]string) {
			if t.ct == mMsgpack {
				return append(bytes.Repeat([]byte{0x81, 0xa1, 'x'}, 10000), 0xc0), nil
			}
			return []byte(strings.Repeat(`{"x":`, 10000) + "1" + strings.Repeat("}", 10000)), nil
		}),
		bodyKind("msgpack length claims of 4 G", 0, append(bad, server.CodeTooLarge), func(_ *abuser, t bodyTarget, i int) ([]byte, map[string]string) {
			claims := [][]byte{
				{0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'x', 0xdd, 0xff, 0xff, 0xff, 0xff}, // map and array
				append(mpList(t), 0xdd, 0xff, 0xff, 0xff, 0xff, 0x80),                   // the list
				{0x81, 0xa1, 'x', 0xdb, 0xff, 0xff, 0xff, 0xff, 'y'},                    // a string
				{0x81, 0xa1, 'x', 0xc6, 0xff, 0xff, 0xff, 0xff, 'y'},                    // bytes
			}
			return claims[i%len(claims)], hdr("Content-Type", mMsgpack)
		}),
		bodyKind("zstd bomb", 413, tooLarge, func(ab *abuser, _ bodyTarget, _ int) ([]byte, map[string]string) {
			return ab.zstdBomb, hdr("Content-Encoding", "zstd")
		}),
		bodyKind("zstd bomb, its size declared", 413, tooLarge, func(ab *abuser, _ bodyTarget, _ int) ([]byte, map[string]string) {
			return ab.zstdBombSized, hdr("Content-Encoding", "zstd")
		}),
		bodyKind("gzip bomb", 413, tooLarge, func(ab *abuser, _ bodyTarget, _ int) ([]byte, map[string]string) {
			return ab.gzipBomb, hdr("Content-Encoding", "gzip")
		}),
		bodyKind("corrupt zstd", 400, bad, func(*abuser, bodyTarget, int) ([]byte, map[string]string) {
			return append([]byte{0x28, 0xb5, 0x2f, 0xfd}, garbage...), hdr("Content-Encoding", "zstd")
		}),
		bodyKind("unknown or stacked encodings", 415, []string{server.CodeUnsupportedMedia}, func(_ *abuser, t bodyTarget, i int) ([]byte, map[string]string) {
			return t.valid, hdr("Content-Encoding", []string{"br", "gzip, zstd", "zstd, zstd"}[i%3])
		}),
		rawKind("oversized body", 413, tooLarge, func(ab *abuser, t bodyTarget) (string, [][]byte) {
			pad := padded(t.valid, t.wire+1024)
			return rawHead("POST", t.path, t.auth, map[string]string{"Content-Type": t.ct}, int64(len(pad))), [][]byte{pad}
		}),
		rawKind("oversized chunked body", 413, tooLarge, func(ab *abuser, t bodyTarget) (string, [][]byte) {
			pad := padded(t.valid, t.wire+1024)
			chunk := append(append([]byte(fmt.Sprintf("%x\r\n", len(pad))), pad...), "\r\n0\r\n\r\n"...)
			return rawHead("POST", t.path, t.auth, map[string]string{"Content-Type": t.ct}, -1), [][]byte{chunk}
		}),
		rawKind("a Content-Length of 1 TiB", 413, tooLarge, func(ab *abuser, t bodyTarget) (string, [][]byte) {
			return rawHead("POST", t.path, t.auth, map[string]string{"Content-Type": t.ct}, 1<<40), [][]byte{t.valid[:16]}
		}),
		rawKind("a body shorter than its Content-Length", 400, []string{server.CodeBadRequest}, func(ab *abuser, t bodyTarget) (string, [][]byte) {
			return rawHead("POST", t.path, t.auth, map[string]string{"Content-Type": t.ct}, int64(len(t.valid)+100)), [][]byte{t.valid}
		}),
		// A slow client: the body trickles in, a byte at a time, then the
		// client gives up before the end.
		rawKind("a trickled body, cut short", 400, []string{server.CodeBadRequest}, func(ab *abuser, t bodyTarget) (string, [][]byte) {
			var pieces [][]byte
			for i := range min(trickleBytes, len(t.valid)-1) {
				pieces = append(pieces, t.valid[i:i+1])
			}
			return rawHead("POST", t.path, t.auth, map[string]string{"Content-Type": t.ct}, int64(len(t.valid))), pieces
		}),
	}
}

// burstKind is what a burst of devices sends all at once: compression
// bombs on the push route, each decoding to past the route's cap.
func burstKind() abuseKind {
	return abuseKind{"a burst of push bombs at once", func(ab *abuser, i int) error {
		body, enc := ab.zstdBomb, "zstd"
		if i%2 == 1 {
			body, enc = ab.gzipBomb, "gzip"
		}
		a, err := ab.send("POST", "/v1/sync/push", ab.token, map[string]string{"Content-Type": mMsgpack, "Content-Encoding": enc}, body)
		if err == nil {
			err = ab.refused(a, nil, 413, server.CodeTooLarge)
		}
		return err
	}}
}

// padded is b followed by spaces up to n bytes (JSON and msgpack
// decoders see trailing data; the caps see size first).
func padded(b []byte, n int64) []byte {
	return append(bytes.Clone(b), bytes.Repeat([]byte(" "), int(n)-len(b))...)
}

// mpList is the msgpack head of t's body up to its list's value:
// {"mutations": or {"records": (a pull has no list: "cursor").
func mpList(t bodyTarget) []byte {
	key := map[string]string{"/v1/sync/push": "mutations", "/v1/records": "records"}[t.path]
	if key == "" {
		key = "cursor"
	}
	return append([]byte{0x81, 0xa0 | byte(len(key))}, key...)
}

// retype gives every top-level field of t's valid body a value of the
// wrong type.
func retype(t bodyTarget) []byte {
	var m map[string]any
	dec, enc := json.Unmarshal, json.Marshal
	if t.ct == mMsgpack {
		dec, enc = codec.Unmarshal, func(v any) ([]byte, error) { return codec.Marshal(v) }
	}
	if dec(t.valid, &m) != nil {
		return []byte("{")
	}
	for k, v := range m {
		switch v.(type) {
		case string:
			m[k] = map[string]any{"x": []any{1}}
		default:
			m[k] = "x"
		}
	}
	b, _ := enc(m)
	return b
}

// countKinds are count bombs: more items than a request may carry, in
// few bytes once compressed (the counts are checked while decoding).
func countKinds() []abuseKind {
	tooLarge := []string{server.CodeTooLarge}
	zstdHdr := func(ct string) map[string]string {
		return map[string]string{"Content-Type": ct, "Content-Encoding": "zstd"}
	}
	mp := func(key string, claim []byte, n int) []byte { // {key: [claim header] {} x n}
		return append(append(append([]byte{0x81, 0xa0 | byte(len(key))}, key...), claim...), bytes.Repeat([]byte{0x80}, n)...)
	}
	u32 := func(n uint32) []byte { return binary.BigEndian.AppendUint32([]byte{0xdd}, n) }
	count := func(name, path, ct string, codes []string, body []byte) abuseKind {
		packed := zstdPack(body)
		return abuseKind{name, func(ab *abuser, _ int) error {
			auth := ab.token
			if path == "/v1/records" {
				auth = ab.admin
			}
			a, err := ab.send("POST", path, auth, zstdHdr(ct), packed)
			if err == nil {
				err = ab.refused(a, nil, 0, codes...)
			}
			return err
		}}
	}
	const million = 1_000_000
	return []abuseKind{
		count("a million empty mutations (msgpack)", "/v1/sync/push", mMsgpack, tooLarge, mp("mutations", u32(million), million)),
		count("a million empty mutations (JSON)", "/v1/sync/push", mJSON, tooLarge, []byte(`{"mutations":[`+strings.Repeat("{},", million-1)+"{}]}")),
		count("60 million mutations claimed", "/v1/sync/push", mMsgpack, []string{server.CodeTooLarge, server.CodeBadRequest},
			mp("mutations", u32(60_000_000), server.DefaultMaxPushDecodedBytes-64)),
		count("a mutation of a million attributes", "/v1/sync/push", mMsgpack, tooLarge, millionAttributes()),
		count("a million empty records (msgpack)", "/v1/records", mMsgpack, tooLarge, mp("records", u32(million), million)),
		count("a million empty records (JSON)", "/v1/records", mJSON, tooLarge, []byte(`{"records":[`+strings.Repeat("{},", million-1)+"{}]}")),
		count("one more mutation than allowed", "/v1/sync/push", mJSON, tooLarge,
			[]byte(`{"mutations":[`+strings.Repeat("{},", engine.MaxMutationsPerPush)+"{}]}")),
	}
}

// millionAttributes is a msgpack push of one mutation with a million
// attributes (a nil each).
func millionAttributes() []byte {
	b := append([]byte{0x81, 0xa9}, "mutations"...)
	b = append(append(b, 0x91, 0x81, 0xaa), "attributes"...)
	b = binary.BigEndian.AppendUint32(append(b, 0xdf), 1_000_000)
	return append(b, bytes.Repeat([]byte{0xa1, 'a', 0xc0}, 1_000_000)...)
}

func zstdPack(b []byte) []byte {
	enc, _ := zstd.NewWriter(nil)
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// makeBombs returns n zero bytes (n a multiple of 1 MiB) compressed
// with zstd (frames of 1 MiB, no size declared), with zstd in one frame
// that declares its size, and with gzip (members of 1 MiB). A decoder
// reads every frame or member, so the first and last decode to n bytes
// as surely as one frame would, and cost the test little to make.
func makeBombs(n int64) (zs, zsSized, gz []byte, err error) {
	zeros := make([]byte, 1<<20)
	var frame, sized, member bytes.Buffer
	enc, err := zstd.NewWriter(&frame, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := enc.Write(zeros); err != nil {
		return nil, nil, nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, nil, nil, err
	}
	enc.ResetContentSize(&sized, n)
	for range n >> 20 {
		if _, err := enc.Write(zeros); err != nil {
			return nil, nil, nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, nil, nil, err
	}
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	if _, err := zw.Write(zeros); err != nil {
		return nil, nil, nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, nil, nil, err
	}
	return bytes.Repeat(frame.Bytes(), int(n>>20)), sized.Bytes(), bytes.Repeat(member.Bytes(), int(n>>20)), nil
}

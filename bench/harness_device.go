package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
)

// benchDevice is one device of a run: a user's token and cursor, and the
// rows its first load showed the user owns (what it pushes changes to).
type benchDevice struct {
	index   int
	user    string
	profile string
	token   string
	cursor  string

	mu      sync.Mutex // guards owned and pushSeq (the push loop)
	owned   []ownedRow
	pushSeq int
}

// ownedRow is a row of a device's view that its user owns.
type ownedRow struct {
	entity, id string
	version    uint64
}

// maxOwnedRows caps the push candidates a device keeps.
const maxOwnedRows = 32

// pullAnswer is one pull as the device saw it.
type pullAnswer struct {
	resp codec.PullResponse
	// wire is the body as received (compressed) and encoding its
	// Content-Encoding: the static baseline serves them again.
	wire     []byte
	encoding string
	// dict is the dictionary the answer was coded with, or nil
	// (harness_dict.go).
	dict    *codec.Dict
	latency time.Duration
	// page marks a shared page (GET /v1/sync/pages/{id}) rather than a
	// pull answer; pageBytes is, on a pull answer, the wire bytes of the
	// shared pages it listed and the device fetched (latency includes
	// them).
	page      bool
	pageBytes int64
}

// changes counts the rows an answer upserts, patches or removes.
func (a *pullAnswer) changes() int {
	n := 0
	for _, e := range a.resp.Entities {
		n += len(e.Rows) + len(e.Patches) + len(e.Removals)
	}
	return n
}

// puller pulls as the Go device does (msgpack request, zstd answer,
// decompressed and decoded) but stores nothing. The same loop drives
// offsync and the static baseline.
type puller struct {
	hc  *http.Client
	url string // the pull endpoint
	// pages asks for shared pages (PullRequest.Pages), as the Go device
	// does: a first load's last answer then lists pages to fetch
	// (fetchPages).
	pages bool
	// record, when set, keeps the body of every page fetched: what the
	// static baseline serves again.
	record *pageRecord
	// dicts, when set, are the devices' answer dictionaries: pulls say
	// which one they hold and decode answers coded with one
	// (harness_dict.go).
	dicts *dictSet
}

// newHTTPClient returns a client keeping one idle connection per device.
func newHTTPClient(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost, tr.DisableCompression = conns, conns, true
	return &http.Client{Transport: tr, Timeout: 5 * time.Minute}
}

// pull sends one pull with cursor and returns the decoded answer.
func (p *puller) pull(ctx context.Context, token, cursor string) (pullAnswer, error) {
	req := codec.PullRequest{Cursor: cursor, Pages: p.pages, Kinds: codec.ColumnKinds}
	if d := p.dicts.held(token); d != nil {
		req.Dict = d.ID
	}
	body, err := codec.Marshal(req)
	if err != nil {
		return pullAnswer{}, err
	}
	hdr := http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/msgpack"},
		"Accept": {"application/msgpack"}, "Accept-Encoding": {"zstd, gzip"}}
	start := time.Now()
	raw, wire, enc, dict, err := p.dicts.dictCall(ctx, p.hc, p.url, hdr, body)
	if err != nil {
		return pullAnswer{}, fmt.Errorf("pull: %w", err)
	}
	res, err := codec.DecodePullResponse(raw)
	if err != nil {
		return pullAnswer{}, fmt.Errorf("pull: %w", err)
	}
	took := time.Since(start)
	if err := p.dicts.note(ctx, p.hc, token, res.MetadataVersion); err != nil {
		return pullAnswer{}, fmt.Errorf("pull: %w", err)
	}
	return pullAnswer{resp: res, wire: wire, encoding: enc, dict: dict, latency: took}, nil
}

// deviceCall POSTs body and returns the answer decompressed (raw), as
// received (wire) and its Content-Encoding. A non-200 answer is an error.
func deviceCall(ctx context.Context, hc *http.Client, url string, hdr http.Header, body []byte) (raw, wire []byte, enc string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, "", err
	}
	req.Header = hdr
	return deviceDo(hc, req)
}

// deviceDo sends req and returns the answer as deviceCall does.
func deviceDo(hc *http.Client, req *http.Request) (raw, wire []byte, enc string, err error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, "", err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, nil, "", fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, "", fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(buf.Bytes()))
	}
	enc = resp.Header.Get("Content-Encoding")
	e, err := codec.ParseEncoding(enc)
	if err != nil {
		return nil, nil, "", err
	}
	wire = buf.Bytes()
	if raw, err = codec.ReadBody(bytes.NewReader(wire), e, client.DefaultMaxResponseBytes, client.DefaultMaxResponseBytes); err != nil {
		return nil, nil, "", err
	}
	return raw, wire, enc, nil
}

// post sends body to url and returns the status and, unless 200, the
// answer's text.
func post(ctx context.Context, hc *http.Client, url string, hdr http.Header, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header = hdr
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, "", nil
	}
	return resp.StatusCode, string(bytes.TrimSpace(b)), nil
}

// noteOwned keeps (up to maxOwnedRows) the rows of an answer that the
// device's user owns.
func (d *benchDevice) noteOwned(a *pullAnswer, user []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range a.resp.Entities {
		for _, row := range e.Rows {
			if len(d.owned) >= maxOwnedRows || len(row) < 6 {
				return
			}
			ref, _ := codec.AsInt64(row[1])
			id, _ := row[0].([]byte)
			v, _ := codec.AsInt64(row[5])
			if ref < 0 || int(ref) >= len(a.resp.Refs) || !bytes.Equal(a.resp.Refs[ref], user) {
				continue
			}
			if s, err := codec.GUIDString(id); err == nil {
				d.owned = append(d.owned, ownedRow{entity: e.Entity, id: s, version: uint64(v)})
			}
		}
	}
}

// forEach runs fn(i) for i in [0, n) on workers goroutines and returns
// the first error (the others then stop taking work). done is called
// after each success with the count so far.
func forEach(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error, done func(int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next, finished atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
				done(int(finished.Add(1)))
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil && finished.Load() < int64(n) {
		return ctx.Err()
	}
	return first
}

package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/offsync/offsync/codec"
)

// Shared pages (docs/protocol.md, "Shared pages of a first load"). The
// harness's devices ask for them, as the Go device does: a first load's
// last answer lists pages, and the device fetches every one with GET
// /v1/sync/pages/{id}, decompresses and decodes it like an answer. The
// static baseline serves the recorded page bodies again at the same URLs.

// pagesPath is the path of a shared page, before its id.
const pagesPath = "/v1/sync/pages/"

// pageURL returns the URL of page id on the server whose pull endpoint is
// p.url.
func (p *puller) pageURL(id string) string {
	return strings.TrimSuffix(p.url, "/v1/sync/pull") + pagesPath + id
}

// fetchPage fetches and decodes one shared page, as the Go device does
// (client.Device.fetchPage), and records its body when p.record is set.
func (p *puller) fetchPage(ctx context.Context, token, id string) (pullAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.pageURL(id), nil)
	if err != nil {
		return pullAnswer{}, err
	}
	req.Header = http.Header{"Authorization": {"Bearer " + token}, "Accept": {"application/msgpack"}, "Accept-Encoding": {"zstd, gzip"}}
	start := time.Now()
	raw, wire, enc, err := deviceDo(p.hc, req)
	if err != nil {
		return pullAnswer{}, fmt.Errorf("fetch page %s: %w", id, err)
	}
	res, err := codec.DecodePullResponse(raw)
	if err != nil {
		return pullAnswer{}, fmt.Errorf("fetch page %s: %w", id, err)
	}
	if p.record != nil {
		p.record.put(id, pageBody{wire: wire, encoding: enc})
	}
	return pullAnswer{resp: res, wire: wire, encoding: enc, latency: time.Since(start), page: true}, nil
}

// fetchPages fetches every page a lists, calling each (when not nil)
// with the page's id and the page, and adds their bytes and time to a (pageBytes, latency).
func (p *puller) fetchPages(ctx context.Context, token string, a *pullAnswer, each func(id string, pg *pullAnswer)) error {
	for _, ref := range a.resp.Pages {
		pg, err := p.fetchPage(ctx, token, ref.ID)
		if err != nil {
			return err
		}
		a.pageBytes += int64(len(pg.wire))
		a.latency += pg.latency
		if each != nil {
			each(ref.ID, &pg)
		}
	}
	return nil
}

// pageBody is a shared page as received: body and Content-Encoding.
type pageBody struct {
	wire     []byte
	encoding string
}

// pageRecord keeps page bodies by id; it is safe for concurrent use.
type pageRecord struct {
	mu    sync.Mutex
	pages map[string]pageBody
}

func newPageRecord() *pageRecord { return &pageRecord{pages: map[string]pageBody{}} }

func (r *pageRecord) put(id string, b pageBody) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.pages[id]; !ok {
		r.pages[id] = b
	}
}

func (r *pageRecord) get(id string) (pageBody, bool) {
	if r == nil {
		return pageBody{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.pages[id]
	return b, ok
}

// len returns how many pages r holds.
func (r *pageRecord) len() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pages)
}

// pageTally counts the shared pages of the first loads: fetches, distinct
// ids, bytes and rows. It is safe for concurrent use.
type pageTally struct {
	mu      sync.Mutex
	fetches int
	bytes   int64
	rows    int
	ids     map[string]struct{}
}

// add counts one fetched page.
func (t *pageTally) add(id string, pg *pullAnswer) {
	rows := 0
	for _, e := range pg.resp.Entities {
		rows += len(e.Rows)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ids == nil {
		t.ids = map[string]struct{}{}
	}
	t.ids[id] = struct{}{}
	t.fetches++
	t.bytes += int64(len(pg.wire))
	t.rows += rows
}

// fill writes the tally into d; total is every first-load byte.
func (t *pageTally) fill(d *FirstLoadDetail, total int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	d.PageFetches, d.DistinctPages = t.fetches, len(t.ids)
	d.SharingRatio = ratio(float64(t.fetches), float64(len(t.ids)))
	d.PageBytes, d.PageRows = t.bytes, t.rows
	d.PageByteShare = ratio(float64(t.bytes), float64(total))
}

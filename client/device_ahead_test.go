package client

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
)

// aheadServer serves a first load of one answer that lists one shared
// page, and metadata of version 77. Its metadata answer waits until the
// page was asked for (at most a few seconds, then it answers anyway and
// notes that it waited in vain).
type aheadServer struct {
	t         *testing.T
	pageAsked chan struct{}
	once      sync.Once
	mu        sync.Mutex
	metaStuck bool
	dicts     []uint32 // PullRequest.Dict of each pull
}

// stuckAfter is how long the test's handlers wait for a request that
// should come at once: only a device that waits for the wrong thing
// ever reaches it (no timing is asserted).
const stuckAfter = 5 * time.Second

func (s *aheadServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	write := func(v any) {
		b, err := codec.MarshalCompact(v)
		if err != nil {
			s.t.Error(err)
		}
		w.Header().Set("Content-Type", "application/msgpack")
		_, _ = w.Write(b)
	}
	switch r.URL.Path {
	case "/v1/sync/pull":
		body, _ := io.ReadAll(r.Body)
		req, err := codec.DecodePullRequest(body, codec.FormatMsgpack)
		if err != nil {
			s.t.Error(err)
		}
		s.mu.Lock()
		s.dicts = append(s.dicts, req.Dict)
		s.mu.Unlock()
		if req.Cursor != "" {
			write(codec.PullResponse{Version: 5, MetadataVersion: 77, Cursor: req.Cursor})
			return
		}
		write(codec.PullResponse{Version: 5, MetadataVersion: 77, Cursor: "c5", Reset: true, Entities: accountAnswer(1),
			Pages: []codec.PageRef{{ID: "p1", Rows: 1}}})
	case "/v1/sync/pages/p1":
		s.once.Do(func() { close(s.pageAsked) })
		write(codec.PullResponse{Entities: accountAnswer(2)})
	case "/v1/sync/metadata":
		select {
		case <-s.pageAsked:
		case <-time.After(stuckAfter):
			s.mu.Lock()
			s.metaStuck = true
			s.mu.Unlock()
		}
		write(map[string]any{"metadataVersion": 77, "profile": "P", "entities": []any{
			map[string]any{"name": "account", "attributes": []any{map[string]any{"n": "name", "t": "string"}}}}})
	default:
		http.NotFound(w, r)
	}
}

// TestFirstLoadFetchesAhead: a first load's shared page is asked for
// while its answer is being written (the Progress callback after the
// answer waits for the page's request), and the metadata of a new
// version is fetched beside the load rather than before the page (its
// answer waits for the page's request too). Sync still returns with the
// dictionary in hand: the next pull names it.
func TestFirstLoadFetchesAhead(t *testing.T) {
	s := &aheadServer{t: t, pageAsked: make(chan struct{})}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	answerStuck := false
	progress := func(upserts int, more bool) {
		if upserts != 1 {
			return
		}
		select { // the answer is written: its page must be on its way
		case <-s.pageAsked:
		case <-time.After(stuckAfter):
			answerStuck = true
		}
	}
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: "t", Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	sum, err := d.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Upserts != 2 || sum.Pages != 1 {
		t.Fatalf("first load: %d upserts, %d pages", sum.Upserts, sum.Pages)
	}
	if held := heldAccounts(t, d); len(held) != 2 {
		t.Fatalf("holds %v after the first load", held)
	}
	if answerStuck {
		t.Error("the page was asked for only after the answer was written")
	}
	s.mu.Lock()
	stuck := s.metaStuck
	s.mu.Unlock()
	if stuck {
		t.Error("the page was asked for only after the metadata")
	}
	if dict := d.heldDict(); dict == nil || dict.ID != 77 {
		t.Fatalf("after the sync the device holds dictionary %v", dict)
	}
	if _, err := d.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.dicts) != 2 || s.dicts[0] != codec.DictCurrent || s.dicts[1] != 77 {
		t.Fatalf("pulls named dictionaries %v, want [current 77]", s.dicts)
	}
}

// TestFirstPageFetchedBeforeTheAnswerIsRead: a page the answer's header
// names is asked for before the answer's body is read (the server sends
// the body only once the page was asked for, or after a few seconds).
func TestFirstPageFetchedBeforeTheAnswerIsRead(t *testing.T) {
	pageAsked := make(chan struct{})
	var once sync.Once
	var stuck atomic.Bool
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write := func(v any) {
			b, _ := codec.MarshalCompact(v)
			_, _ = w.Write(b)
		}
		w.Header().Set("Content-Type", "application/msgpack")
		switch r.URL.Path {
		case "/v1/sync/pull":
			pages := []codec.PageRef{{ID: "0123456789abcdef0123456789abcdef", Rows: 1}}
			w.Header().Set(codec.PagesHeader, codec.PagesHeaderValue(pages))
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			select {
			case <-pageAsked:
			case <-time.After(stuckAfter):
				stuck.Store(true)
			}
			write(codec.PullResponse{Version: 5, Cursor: "c5", Reset: true, Entities: accountAnswer(1), Pages: pages})
		case "/v1/sync/pages/0123456789abcdef0123456789abcdef":
			once.Do(func() { close(pageAsked) })
			write(codec.PullResponse{Entities: accountAnswer(2)})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if held := heldAccounts(t, d); len(held) != 2 {
		t.Fatalf("holds %v", held)
	}
	if stuck.Load() {
		t.Error("the page named in the answer's header was asked for only after the answer was read")
	}
}

package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
)

// TestAnswerReadBeforeItsDictionary: a first load's answer coded with
// the dictionary is read off its connection before the device waits for
// the metadata, so that the connection serves the shared page it names.
// The device may open two connections; the metadata answers only once
// the page was asked for (or after a few seconds), which it cannot be
// while the answer holds its connection unread.
func TestAnswerReadBeforeItsDictionary(t *testing.T) {
	md, err := codec.Marshal(map[string]any{"metadataVersion": 77, "profile": "P", "entities": []any{
		map[string]any{"name": "account", "attributes": []any{map[string]any{"n": "name", "t": "string"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	dict, err := codec.DictFromMetadata(md)
	if err != nil {
		t.Fatal(err)
	}
	const pageID = "0123456789abcdef0123456789abcdef"
	pageAsked := make(chan struct{})
	var once sync.Once
	var stuck atomic.Bool
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/msgpack")
		switch r.URL.Path {
		case "/v1/sync/pull":
			pages := []codec.PageRef{{ID: pageID, Rows: 1}}
			b, _ := codec.MarshalCompact(codec.PullResponse{Version: 5, MetadataVersion: 77, Cursor: "c5", Reset: true,
				Entities: accountAnswer(1), Pages: pages})
			w.Header().Set(codec.PagesHeader, codec.PagesHeaderValue(pages))
			w.Header().Set("Content-Encoding", "zstd")
			w.Header().Set(DictHeader, dict.Name())
			_, _ = w.Write(codec.CompressDict(dict, nil, b))
		case "/v1/sync/pages/" + pageID:
			once.Do(func() { close(pageAsked) })
			b, _ := codec.MarshalCompact(codec.PullResponse{Entities: accountAnswer(2)})
			_, _ = w.Write(b)
		case "/v1/sync/metadata":
			select {
			case <-pageAsked:
			case <-time.After(stuckAfter):
				stuck.Store(true)
			}
			_, _ = w.Write(md)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	hc := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 2}}
	t.Cleanup(hc.CloseIdleConnections)
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: "t", HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	sum, err := d.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Upserts != 2 || heldAccounts(t, d) == nil {
		t.Fatalf("first load: %d upserts", sum.Upserts)
	}
	if stuck.Load() {
		t.Error("the page waited for the answer's connection until the metadata came: the answer was read only once the dictionary was in")
	}
}

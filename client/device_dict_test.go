package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/offsync/offsync/codec"
)

// dictServer is a fake server of metadata version mv: pulls that say
// they hold its dictionary get an answer coded with it (one task row),
// others the same answer as plain msgpack; wrongDict names another
// dictionary on coded answers.
type dictServer struct {
	mv        uint64
	wrongDict bool
	metaFails bool // metadata answers 500
	mu        sync.Mutex
	asked     []uint32 // PullRequest.Dict of each pull
	metadata  int      // metadata fetches
}

func (s *dictServer) handler(t *testing.T) http.Handler {
	md, err := codec.Marshal(map[string]any{"metadataVersion": s.mv, "profile": "P", "businessUnit": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
		"entities": []any{map[string]any{"name": "task", "attributes": []any{map[string]any{"n": "subject", "t": "string"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	dict, err := codec.DictFromMetadata(md)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := codec.GUIDBytes("10000000-0000-4000-8000-000000000001")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/sync/metadata":
			s.mu.Lock()
			s.metadata++
			fails := s.metaFails
			s.mu.Unlock()
			if fails {
				http.Error(w, `{"code":"internal","message":"down"}`, http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/msgpack")
			_, _ = w.Write(md)
		case "/v1/sync/pull":
			body, _ := io.ReadAll(r.Body)
			req, err := codec.DecodePullRequest(body, codec.FormatMsgpack)
			if err != nil {
				t.Error(err)
			}
			s.mu.Lock()
			s.asked = append(s.asked, req.Dict)
			s.mu.Unlock()
			ans := codec.PullResponse{Version: 8, MetadataVersion: s.mv, Cursor: "c8", Refs: [][]byte{},
				Entities: []codec.EntityChanges{{Entity: "task", Columns: []string{"subject"}, Removals: [][]byte{},
					Rows: [][]any{{id, int64(-1), int64(-1), int64(1), int64(2), int64(8), "Call back"}}, NextDue: 3}}}
			w.Header().Set("Content-Type", "application/msgpack")
			if uint64(req.Dict) != s.mv && req.Dict != codec.DictCurrent {
				b, _ := codec.MarshalCompact(&ans)
				_, _ = w.Write(b)
				return
			}
			ans.Cursor, ans.CursorBytes = "", []byte{1, 2, 3}
			b, _ := codec.MarshalCompact(&ans)
			packed := codec.CompressDict(dict, nil, b)
			named := dict.Name()
			if s.wrongDict {
				named = strconv.FormatUint(s.mv, 10) + ".0000000000000000" // same id, other bytes
			}
			w.Header().Set("Content-Encoding", "zstd")
			w.Header().Set(DictHeader, named)
			_, _ = w.Write(packed)
		default:
			http.NotFound(w, r)
		}
	})
}

// TestDeviceUsesTheAnswerDictionary: a device fetches the metadata when
// an answer names a metadata version it has no dictionary of, says in
// its next pulls that it holds it, applies answers coded with it (their
// cursor as bytes), keeps it across a restart, and refuses an answer
// coded with a dictionary it does not hold.
func TestDeviceUsesTheAnswerDictionary(t *testing.T) {
	s := &dictServer{mv: 77}
	ts := httptest.NewServer(s.handler(t))
	t.Cleanup(ts.Close)
	store := filepath.Join(t.TempDir(), "dev")
	open := func() *Device {
		d, err := OpenDevice(DeviceConfig{Store: store, Server: ts.URL, Token: "t"})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := open()
	for range 2 {
		if _, err := d.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	cursor, err := d.cursor()
	if err != nil || cursor != "AQID" { // base64url of the bytes 1, 2, 3
		t.Fatalf("cursor %q (%v)", cursor, err)
	}
	n := 0
	if err := d.Rows("task", func(Row) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("%d task rows (%v)", n, err)
	}
	d.Close()
	d = open()
	if _, err := d.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if want := []uint32{codec.DictCurrent, 77, 77}; len(s.asked) != 3 || s.asked[0] != want[0] || s.asked[1] != want[1] || s.asked[2] != want[2] || s.metadata != 1 {
		t.Fatalf("pulls said they held %v, metadata fetched %d times", s.asked, s.metadata)
	}
	s.wrongDict = true
	d = open()
	defer d.Close()
	if _, err := d.Sync(context.Background()); !errors.Is(err, ErrResponse) {
		t.Fatalf("answer coded with another dictionary: %v", err)
	}
}

// TestFirstLoadDictionaryWithoutMetadata: a first load asks for its
// answer coded with the current dictionary while it fetches the
// metadata; when the metadata does not come, the device asks again
// without a dictionary instead of failing the sync.
func TestFirstLoadDictionaryWithoutMetadata(t *testing.T) {
	s := &dictServer{mv: 77, metaFails: true}
	ts := httptest.NewServer(s.handler(t))
	t.Cleanup(ts.Close)
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: "t",
		Retry: RetryConfig{Rounds: 1, BaseDelay: 0, MaxDelay: 0}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := d.Rows("task", func(Row) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("%d task rows (%v)", n, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.asked) != 2 || s.asked[0] != codec.DictCurrent || s.asked[1] != 0 {
		t.Fatalf("pulls said they held %v, want [current 0]", s.asked)
	}
}

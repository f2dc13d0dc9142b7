package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/offsync/offsync/codec"
)

// fakeServer answers pushes with pushStatus and pulls with an empty,
// final answer at version 7.
func fakeServer(t *testing.T, pushStatus int) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/sync/push":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(pushStatus)
			_, _ = w.Write([]byte(`{"code":"unavailable","message":"no leader"}`))
		case "/v1/sync/pull":
			b, err := codec.MarshalCompact(codec.PullResponse{Version: 7, Cursor: "c7"})
			if err != nil {
				t.Error(err)
			}
			w.Header().Set("Content-Type", "application/msgpack")
			_, _ = w.Write(b)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

// TestSyncPullsWhileWritesWait: when the server cannot take writes now
// (503, as during a leader election), Sync keeps the queue, says so, and
// still pulls; any other push failure fails the sync.
func TestSyncPullsWhileWritesWait(t *testing.T) {
	for _, c := range []struct {
		status  int
		wantErr bool
	}{{http.StatusServiceUnavailable, false}, {http.StatusBadRequest, true}} {
		ts := fakeServer(t, c.status)
		d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Queue(codec.Mutation{ID: "m1", Entity: "task", RowID: "10000000-0000-4000-8000-000000000001", Op: "create", Attrs: map[string]any{"subject": "x"}}); err != nil {
			t.Fatal(err)
		}
		sum, err := d.Sync(context.Background())
		pending, _ := d.Pending()
		d.Close()
		if c.wantErr {
			if err == nil || sum.Pulls != 0 {
				t.Fatalf("push answered %d: sync %+v, err %v", c.status, sum, err)
			}
			continue
		}
		if err != nil || sum.Pulls != 1 || sum.Version != 7 || sum.Deferred != 1 || sum.PushError == nil || pending != 1 {
			t.Fatalf("push answered 503: sync %+v, err %v, %d pending", sum, err, pending)
		}
	}
}

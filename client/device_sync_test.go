package client

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
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

// TestSyncAppliesDeltasTooBigForOneTransaction: a delta of 40,000 rows
// does not fit one local Badger transaction (at Badger's own limit, not a
// test cap); it is applied, in several, to a copy of the rows that
// becomes the one readers see with the cursor.
func TestSyncAppliesDeltasTooBigForOneTransaction(t *testing.T) {
	const n = 40_000
	ec := codec.EntityChanges{Entity: "account", Columns: []string{"name", "description"}}
	for i := 0; i < n; i++ {
		id := make([]byte, 16)
		binary.BigEndian.PutUint64(id[8:], uint64(i+1))
		id[6], id[8] = 0x40, 0x80|id[8]
		ec.Rows = append(ec.Rows, []any{id, int64(-1), int64(-1), int64(1), int64(1_700_000_000_000), int64(i + 1), fmt.Sprint("account ", i), strings.Repeat("d", 64)})
	}
	body, err := codec.MarshalCompact(codec.PullResponse{Version: n, Cursor: "big", Entities: []codec.EntityChanges{ec}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/msgpack")
		_, _ = w.Write(body)
	}))
	t.Cleanup(ts.Close)
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sum, err := d.Sync(context.Background())
	if err != nil || sum.Upserts != n {
		t.Fatalf("sync: %+v %v", sum, err)
	}
	rows := 0
	_ = d.Rows("account", func(Row) error { rows++; return nil })
	cur, _ := d.cursor()
	if rows != n || cur != "big" {
		t.Fatalf("%d rows held, cursor %q", rows, cur)
	}
}

package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// appServer is a fake server that records the X-Offsync-App header of
// each device request by path, and answers pulls with pullStatus (an
// empty, final answer when 200), pushes with 503 and event streams with
// one ready event.
type appServer struct {
	*httptest.Server
	mu         sync.Mutex
	seen       map[string][]string
	pullStatus int
}

func newAppServer(t *testing.T) *appServer {
	t.Helper()
	s := &appServer{seen: map[string][]string{}, pullStatus: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen[r.URL.Path] = append(s.seen[r.URL.Path], r.Header.Get(AppHeader))
		status := s.pullStatus
		s.mu.Unlock()
		switch r.URL.Path {
		case "/v1/sync/pull":
			if status != http.StatusOK {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				_, _ = w.Write([]byte(`{"code":"not_found","message":"no app is named \"Nope\""}`))
				return
			}
			b, _ := codec.MarshalCompact(codec.PullResponse{Version: 3, Cursor: "c3"})
			w.Header().Set("Content-Type", "application/msgpack")
			_, _ = w.Write(b)
		case "/v1/sync/push":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"code":"unavailable","message":"no leader"}`))
		case "/v1/sync/events":
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write([]byte("event: ready\ndata: {}\n\n"))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// take returns and forgets the headers seen per path.
func (s *appServer) take() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.seen
	s.seen = map[string][]string{}
	return out
}

// syncOnce opens store for app, queues a change, syncs, reads one event
// and closes; it returns the open error.
func (s *appServer) syncOnce(t *testing.T, store, app string) error {
	t.Helper()
	d, err := OpenDevice(DeviceConfig{Store: store, Server: s.URL, Token: "t", App: app})
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Queue(codec.Mutation{ID: "m1", Entity: "task", RowID: "10000000-0000-4000-8000-000000000001", Op: "create", Attrs: map[string]any{"subject": "x"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Sync(context.Background()); err != nil {
		return err
	}
	stop := errors.New("stop")
	if err := d.Events(context.Background(), func(Event) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("events: %v", err)
	}
	return nil
}

// wantHeaders checks that pull, push and events each named app (""
// meaning no header).
func wantHeaders(t *testing.T, seen map[string][]string, app string) {
	t.Helper()
	for _, path := range []string{"/v1/sync/pull", "/v1/sync/push", "/v1/sync/events"} {
		if len(seen[path]) == 0 {
			t.Fatalf("no %s request", path)
		}
		for _, got := range seen[path] {
			if got != app {
				t.Fatalf("%s named app %q, want %q", path, got, app)
			}
		}
	}
}

// TestAppDeviceNamesItsApp: a device names its app on every request
// (pull, push, events); its store keeps the app of its first sync, so a
// later sync that names none syncs for it too, and one that names another
// app is refused before any request, as is one naming an app on a store
// that synced for none, or synced before apps existed. A first sync the
// server refuses records nothing.
func TestAppDeviceNamesItsApp(t *testing.T) {
	s := newAppServer(t)
	field := filepath.Join(t.TempDir(), "field")
	if err := s.syncOnce(t, field, "Field Service"); err != nil {
		t.Fatal(err)
	}
	wantHeaders(t, s.take(), "Field Service")
	for _, app := range []string{"", "field service"} {
		if err := s.syncOnce(t, field, app); err != nil {
			t.Fatalf("sync naming %q: %v", app, err)
		}
		wantHeaders(t, s.take(), "Field Service")
	}
	if err := s.syncOnce(t, field, "Sales"); !errors.Is(err, ErrOtherApp) {
		t.Fatalf("a Field Service store syncing Sales: %v, want ErrOtherApp", err)
	}
	if seen := s.take(); len(seen) != 0 {
		t.Fatalf("the refused sync sent %v", seen)
	}

	plain := filepath.Join(t.TempDir(), "plain")
	if err := s.syncOnce(t, plain, ""); err != nil {
		t.Fatal(err)
	}
	wantHeaders(t, s.take(), "")
	if err := s.syncOnce(t, plain, "Sales"); !errors.Is(err, ErrOtherApp) {
		t.Fatalf("a store synced for no app syncing Sales: %v, want ErrOtherApp", err)
	}

	// A store synced before apps existed has a cursor and no app.
	legacy := filepath.Join(t.TempDir(), "legacy")
	db, err := badger.Open(badger.DefaultOptions(legacy).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(txn *badger.Txn) error { return txn.Set(keyCursor, []byte("old")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := OpenDevice(DeviceConfig{Store: legacy, App: "Sales"}); !errors.Is(err, ErrOtherApp) {
		t.Fatalf("a store synced before apps, asked for Sales: %v, want ErrOtherApp", err)
	}

	// The server refuses the first sync's app: the store stays free.
	s.mu.Lock()
	s.pullStatus = http.StatusNotFound
	s.mu.Unlock()
	fresh := filepath.Join(t.TempDir(), "fresh")
	if err := s.syncOnce(t, fresh, "Nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an unknown app: %v, want ErrNotFound", err)
	}
	s.mu.Lock()
	s.pullStatus = http.StatusOK
	s.mu.Unlock()
	s.take()
	if err := s.syncOnce(t, fresh, "Sales"); err != nil {
		t.Fatalf("after a refused first sync: %v", err)
	}
	wantHeaders(t, s.take(), "Sales")

	if _, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "bad"), App: "a\nb"}); !errors.Is(err, ErrConfig) {
		t.Fatalf("an app with a line break: %v, want ErrConfig", err)
	}
}

// TestAppRecordedWithTheFirstCursor: the app is recorded in the
// transaction that writes the first answer's cursor, not in one of its
// own: an answer that fails to apply leaves the store free for another
// app, one that applies binds it.
func TestAppRecordedWithTheFirstCursor(t *testing.T) {
	store := filepath.Join(t.TempDir(), "s")
	d, err := OpenDevice(DeviceConfig{Store: store, App: "Field Service"})
	if err != nil {
		t.Fatal(err)
	}
	bad := codec.PullResponse{Reset: true, Cursor: "c1", Entities: []codec.EntityChanges{
		{Entity: "account", Rows: [][]any{{[]byte("short id")}}},
	}}
	if _, _, err := d.apply(bad); !errors.Is(err, ErrResponse) {
		t.Fatalf("a bad answer: %v, want ErrResponse", err)
	}
	d.Close()
	if d, err = OpenDevice(DeviceConfig{Store: store, App: "Sales"}); err != nil {
		t.Fatalf("after an answer that did not apply: %v", err)
	}
	if _, _, err := d.apply(codec.PullResponse{Reset: true, Cursor: "c1"}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := OpenDevice(DeviceConfig{Store: store, App: "Field Service"}); !errors.Is(err, ErrOtherApp) {
		t.Fatalf("a Sales store opened for Field Service: %v, want ErrOtherApp", err)
	}
	if d, err = OpenDevice(DeviceConfig{Store: store}); err != nil || d.App() != "Sales" {
		t.Fatalf("reopened: app %q, %v", d.App(), err)
	}
	d.Close()
}

package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// storedMetadata reports whether the store holds a metadata answer.
func storedMetadata(t *testing.T, d *Device) bool {
	t.Helper()
	err := d.db.View(func(txn *badger.Txn) error { _, err := txn.Get(keyMetadata); return err })
	if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// TestMetadataStoredWithTheAnswer: the metadata a first load fetches for
// its dictionary is stored in the transaction of the answer that waited
// for it: the load takes one commit, and the store then holds it.
func TestMetadataStoredWithTheAnswer(t *testing.T) {
	s := &dictServer{mv: 77}
	ts := httptest.NewServer(s.handler(t))
	t.Cleanup(ts.Close)
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	before := d.db.MaxVersion()
	if _, err := d.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if commits := d.db.MaxVersion() - before; commits != 1 {
		t.Fatalf("the first load took %d commits, want 1 (its answer, with the metadata)", commits)
	}
	if !storedMetadata(t, d) {
		t.Fatal("the metadata is not in the store")
	}
}

// TestMetadataStoredWithoutAnAnswer: metadata fetched by a sync that
// applies no answer (its pull is refused) is still stored when the sync
// ends.
func TestMetadataStoredWithoutAnAnswer(t *testing.T) {
	s := &dictServer{mv: 77}
	h := s.handler(t)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/sync/pull" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code":"bad_request","message":"no"}`))
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Sync(context.Background()); err == nil {
		t.Fatal("a refused pull and the sync succeeded")
	}
	if !storedMetadata(t, d) {
		t.Fatal("the metadata is not in the store")
	}
}

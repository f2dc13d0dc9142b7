package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/server"
)

// fakeBackupServer answers GET /v1/admin/backup with status and body.
func fakeBackupServer(t *testing.T, status int, version string, body []byte) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/admin/backup" || r.Header.Get("Authorization") != "Bearer "+e2eToken {
			http.Error(w, "unexpected request", http.StatusTeapot)
			return
		}
		w.Header().Set(server.HeaderVersion, version)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestBackupCommandChecksTheDownload: a whole file is written to --out; a
// cut one, or an answer that is not 200, leaves neither --out nor its
// .part behind and says why.
func TestBackupCommandChecksTheDownload(t *testing.T) {
	var whole bytes.Buffer
	w := engine.NewBackupWriter(&whole, 42)
	_, _ = w.Write(bytes.Repeat([]byte("badger backup bytes "), 5000))
	_ = w.Close()
	for name, tc := range map[string]struct {
		status  int
		version string
		body    []byte
		want    string
	}{
		"whole":               {200, "42", whole.Bytes(), "Backup of version 42 written"},
		"cut":                 {200, "42", whole.Bytes()[:whole.Len()-20], "cut short or damaged"},
		"another version":     {200, "41", whole.Bytes(), "the server announced 41"},
		"one already running": {429, "", []byte(`{"code":"backup_running","message":"a backup is already running on this node; retry when it ends"}`), "a backup is already running"},
	} {
		t.Run(name, func(t *testing.T) {
			url := fakeBackupServer(t, tc.status, tc.version, tc.body)
			out := filepath.Join(t.TempDir(), "x.backup")
			got, err := run(t, context.Background(), "backup", "--server", url, "--admin-token", e2eToken, "--out", out)
			if name == "whole" {
				b, rerr := os.ReadFile(out)
				if err != nil || rerr != nil || !bytes.Equal(b, whole.Bytes()) || !strings.Contains(got, tc.want) {
					t.Fatalf("backup: %v %q; file %d bytes (%v)", err, got, len(b), rerr)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("backup = %v, want an error saying %q", err, tc.want)
			}
			for _, p := range []string{out, out + ".part"} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Fatalf("a failed backup left %s", p)
				}
			}
		})
	}
}

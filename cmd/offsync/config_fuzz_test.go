package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzServeConfigFile reads arbitrary bytes as a serve config file: it
// never panics, and it either sets flags or fails with a usage error
// naming the file.
func FuzzServeConfigFile(f *testing.F) {
	f.Add([]byte("data: /tmp/x\nhttp: 127.0.0.1:7070\nmax-lag: 10\nbootstrap: false\n"))
	f.Add([]byte("nosuch: 1\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte(""))
	f.Add([]byte("max-staleness: [1, 2]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "offsync.yaml")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		err := applyConfigFile(newServeCmd(), path)
		if err == nil {
			return
		}
		var ee *exitErr
		if !errors.As(err, &ee) || ee.code != exitUsage || !strings.Contains(err.Error(), path) {
			t.Fatalf("config error %v is not a usage error naming the file", err)
		}
	})
}

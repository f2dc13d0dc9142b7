package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestServeMaxConnectionsReachesTheServer checks that --max-connections
// is the server's MaxConnections: 0 is refused by its validation.
func TestServeMaxConnectionsReachesTheServer(t *testing.T) {
	root := newRootCmd()
	root.SetArgs([]string{"serve", "--data", t.TempDir(), "--http", freeAddr(t), "--raft", freeAddr(t), "--max-connections", "0"})
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), "MaxConnections") {
		t.Fatalf("serve --max-connections 0: %v", err)
	}
}

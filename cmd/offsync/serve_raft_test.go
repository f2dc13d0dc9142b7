package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestServeRaftTimeoutFlagsAreChecked: a bad Raft timing is refused
// before serve touches the disk, in the words of its flag.
func TestServeRaftTimeoutFlagsAreChecked(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--raft-heartbeat-timeout", "1ms"}, "--raft-heartbeat-timeout: 1ms is outside 5ms..1m0s"},
		{[]string{"--raft-heartbeat-timeout", "400ms", "--raft-election-timeout", "200ms"}, "--raft-election-timeout: must be at least --raft-heartbeat-timeout"},
		{[]string{"--raft-heartbeat-timeout", "200ms", "--raft-leader-lease", "300ms"}, "--raft-leader-lease: 300ms is outside 5ms..--raft-heartbeat-timeout"},
	} {
		args := append([]string{"serve", "--data", data}, c.args...)
		if code := mustFail(t, args, c.want); code != exitUsage {
			t.Fatalf("serve %v: exit code %d", c.args, code)
		}
		if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("serve %v made the data directory: %v", c.args, err)
		}
	}
}

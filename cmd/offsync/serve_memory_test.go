package main

import (
	"bytes"
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

// TestServeMemoryLimitReachesTheServer checks that --memory-limit is the
// server's MemoryLimit: a limit under 64 MiB (other than 0) is refused by
// its validation, before anything is opened.
func TestServeMemoryLimitReachesTheServer(t *testing.T) {
	root := newRootCmd()
	root.SetArgs([]string{"serve", "--data", t.TempDir(), "--http", freeAddr(t), "--raft", freeAddr(t), "--memory-limit", "1"})
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), "MemoryLimit") {
		t.Fatalf("serve --memory-limit 1: %v", err)
	}
}

// TestServeBadgerFlagsReachTheEngine checks that --memtable-mb,
// --block-cache-mb and --mapped-tables-mb are the engine's
// MemTableSize, BlockCacheSize and MappedTableBytes: values its
// validation refuses come back naming the field.
func TestServeBadgerFlagsReachTheEngine(t *testing.T) {
	for _, tc := range []struct{ flag, value, field string }{
		{"--memtable-mb", "0", "MemTableSize"},
		{"--block-cache-mb", "-1", "BlockCacheSize"},
		{"--block-cache-mb", "0", "BlockCacheSize"}, // Badger panicked on it
		{"--mapped-tables-mb", "-1", "MappedTableBytes"},
	} {
		root := newRootCmd()
		root.SetArgs([]string{"serve", "--data", t.TempDir(), "--http", freeAddr(t), "--raft", freeAddr(t), tc.flag, tc.value})
		root.SetOut(&bytes.Buffer{})
		root.SetErr(&bytes.Buffer{})
		if err := root.Execute(); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("serve %s %s: %v", tc.flag, tc.value, err)
		}
	}
}

// TestApplyMemoryLimit: serve's limit becomes the runtime's until serve
// returns, 0 leaves the runtime's alone, and so does $GOMEMLIMIT (the
// runtime read it at start).
func TestApplyMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	restore := applyMemoryLimit(700 << 20)
	if got := debug.SetMemoryLimit(-1); got != 700<<20 {
		t.Fatalf("limit %d while serving, want %d", got, 700<<20)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Fatalf("limit %d after serving, want %d back", got, prev)
	}
	applyMemoryLimit(0)()
	t.Setenv("GOMEMLIMIT", "2GiB")
	restore = applyMemoryLimit(700 << 20)
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Fatalf("with $GOMEMLIMIT the flag set the limit to %d", got)
	}
	restore()
	if mibBytes(-5) >= 0 || mibBytes(math.MaxInt64) != math.MaxInt64 || mibBytes(1024) != 1<<30 {
		t.Fatal("mibBytes converts wrongly")
	}
}

package replication

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestDiskFullGuardRefusesWritesAndRecovers drives a guarded node with a
// fake free-space reading: below the reserve a write is refused with
// ErrInsufficientStorage and leaves the log and the engine as they were
// (same applied version, no row); reads go on; once space returns, the
// same write commits.
func TestDiskFullGuardRefusesWritesAndRecovers(t *testing.T) {
	dir := t.TempDir()
	n := openNode(t, dir)
	setup(t, n)
	g, err := NewDiskGuard(DiskGuardConfig{Dirs: []string{dir}, MinFreeBytes: 100 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var free atomic.Uint64
	free.Store(1 << 30)
	g.free = func(string) (uint64, error) { return free.Load(), nil }
	gn := GuardWrites(n, g)
	write := func(i int) (*engine.Result, error) {
		return gn.Propose(context.Background(), &engine.Command{Kind: engine.KindIngest, Now: 1,
			Records: []codec.Record{{Entity: "account", ID: rowID(i), OwnerID: owner, Attrs: map[string]any{"name": "x"}}}})
	}
	if _, err := write(1); err != nil {
		t.Fatalf("write with room: %v", err)
	}
	free.Store(99 << 20)
	before, lastIndex := n.Engine().Applied(), n.raft.LastIndex()
	if _, err := write(2); !errors.Is(err, ErrInsufficientStorage) {
		t.Fatalf("write below the reserve: %v, want ErrInsufficientStorage", err)
	}
	if n.Engine().Applied() != before || n.raft.LastIndex() != lastIndex {
		t.Fatalf("a refused write changed the node: applied %d -> %d, last index %d -> %d", before, n.Engine().Applied(), lastIndex, n.raft.LastIndex())
	}
	if _, err := n.Engine().Get("account", rowID(2)); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("the refused row: %v, want not found", err)
	}
	if row, err := n.Engine().Get("account", rowID(1)); err != nil || row.Attrs["name"] != "x" {
		t.Fatalf("reads while the disk is short: %+v %v", row, err)
	}
	free.Store(100 << 20)
	if r, err := write(2); err != nil || r.Err != nil || r.Version <= before {
		t.Fatalf("write once space returned: %+v %v", r, err)
	}
}

// TestDiskFullGuardReadsTheFileSystem checks the real free-space reading:
// a reserve above the file system's free space refuses, none lets through.
func TestDiskFullGuardReadsTheFileSystem(t *testing.T) {
	dir := t.TempDir()
	free, err := freeBytes(dir)
	if err != nil {
		t.Skipf("no free-space reading here: %v", err)
	}
	g, err := NewDiskGuard(DiskGuardConfig{Dirs: []string{dir}, MinFreeBytes: free + 1<<40})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Check(); !errors.Is(err, ErrInsufficientStorage) {
		t.Fatalf("reserve above the free space: %v", err)
	}
	off, _ := NewDiskGuard(DiskGuardConfig{})
	if err := off.Check(); err != nil {
		t.Fatalf("guard off: %v", err)
	}
	if _, err := NewDiskGuard(DiskGuardConfig{MinFreeBytes: 1}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a reserve without Dirs: %v", err)
	}
}

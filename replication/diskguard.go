package replication

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/offsync/offsync/engine"
)

// The disk guard: a node refuses new writes while the file system of its
// data is short of space, before Raft's log store or Badger reach the
// wall. Badger writes its memtable through mmap'd files, so running out
// of space there is a SIGBUS (the process dies, and dies again on restart
// until space is freed); Raft's log store fails its write and the leader
// steps down. Refusing the proposal up front leaves the log and the
// database untouched, keeps reads going, and lets writes in again as soon
// as space returns.

// DefaultMinFreeBytes is the free space below which writes are refused:
// room for a Badger memtable flush (64 MiB) and its compaction, the Raft
// log, and many concurrent requests.
const DefaultMinFreeBytes = 512 << 20

// ErrInsufficientStorage means a write was refused because the node's
// disk is short of space; nothing was written.
var ErrInsufficientStorage = errors.New("insufficient storage")

// DiskGuardConfig configures a DiskGuard.
type DiskGuardConfig struct {
	// Dirs are the directories whose file systems must each keep
	// MinFreeBytes free (the engine's and Raft's).
	Dirs []string
	// MinFreeBytes is the reserve in bytes; 0 turns the guard off.
	MinFreeBytes uint64
	// Logger is told when writes start and stop being refused; nil means
	// slog.Default.
	Logger *slog.Logger
}

// DefaultDiskGuardConfig guards dirs with DefaultMinFreeBytes.
func DefaultDiskGuardConfig(dirs ...string) DiskGuardConfig {
	return DiskGuardConfig{Dirs: dirs, MinFreeBytes: DefaultMinFreeBytes}
}

// Validate checks the config; its messages name the bad field.
func (c DiskGuardConfig) Validate() error {
	if c.MinFreeBytes > 0 && len(c.Dirs) == 0 {
		return fmt.Errorf("disk guard config: Dirs: must be set when MinFreeBytes is: %w", ErrInvalid)
	}
	for i, d := range c.Dirs {
		if d == "" {
			return fmt.Errorf("disk guard config: Dirs[%d]: must not be empty: %w", i, ErrInvalid)
		}
	}
	return nil
}

// DiskGuard checks free space before each write.
type DiskGuard struct {
	cfg  DiskGuardConfig
	log  *slog.Logger
	free func(dir string) (uint64, error) // freeBytes; tests replace it

	mu  sync.Mutex
	low bool // the last check refused
}

// NewDiskGuard validates c and returns its guard.
func NewDiskGuard(c DiskGuardConfig) (*DiskGuard, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	g := &DiskGuard{cfg: c, log: c.Logger, free: freeBytes}
	if g.log == nil {
		g.log = slog.Default()
	}
	return g, nil
}

// Check returns ErrInsufficientStorage (wrapped) when a guarded file
// system has less than MinFreeBytes free. A file system whose free space
// cannot be read (a platform without statfs) is not guarded.
func (g *DiskGuard) Check() error {
	if g.cfg.MinFreeBytes == 0 {
		return nil
	}
	var err error
	for _, dir := range g.cfg.Dirs {
		free, ferr := g.free(dir)
		if ferr == nil && free < g.cfg.MinFreeBytes {
			err = fmt.Errorf("check free space: %s has %d bytes free, below the reserve of %d: %w", dir, free, g.cfg.MinFreeBytes, ErrInsufficientStorage)
			break
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if low := err != nil; low != g.low {
		g.low = low
		if low {
			g.log.Warn("disk short of space: refusing writes (reads go on) until space is freed", "err", err)
		} else {
			g.log.Info("disk space back above the reserve: accepting writes again", "reserve", g.cfg.MinFreeBytes)
		}
	}
	return err
}

// GuardedNode is a Node whose Propose first checks its DiskGuard. Every
// other method is the Node's.
type GuardedNode struct {
	*Node
	guard *DiskGuard
}

// GuardWrites wraps n so that its proposals are refused while g reports
// the disk short of space.
func GuardWrites(n *Node, g *DiskGuard) *GuardedNode {
	return &GuardedNode{Node: n, guard: g}
}

// Propose refuses cmd with ErrInsufficientStorage (nothing is written)
// while the disk is short of space, and otherwise proposes it.
func (g *GuardedNode) Propose(ctx context.Context, cmd *engine.Command) (*engine.Result, error) {
	if err := g.guard.Check(); err != nil {
		return nil, fmt.Errorf("propose command: %w", err)
	}
	return g.Node.Propose(ctx, cmd)
}

package engine

import (
	"fmt"
	"log/slog"
)

// Defaults for Config.
const (
	// DefaultMemTableSize is Badger's memtable size in bytes. A single
	// command's writes must fit in 15% of it.
	DefaultMemTableSize = 64 << 20
	// DefaultBlockCacheSize is Badger's block cache in bytes: the
	// decompressed blocks it keeps live in the Go heap (so count twice
	// against the collector's goal). A miss costs a Snappy decode of a
	// block from the OS page cache, so a small cache is enough for
	// serving (the memory scenario of docs/benchmarks.md; was 128 MiB).
	DefaultBlockCacheSize = 32 << 20
	// DefaultImageCacheBytes and DefaultCurrentCacheBytes bound the
	// deltas' row caches (imagecache.go) by the heap their decoded rows
	// take: about the 16,384 images and 32,768 current rows they held
	// when they were counted in rows, at CRM rows of some 1.2 KB.
	DefaultImageCacheBytes   = 20 << 20
	DefaultCurrentCacheBytes = 40 << 20
	// DefaultMappedTableBytes is how far the process's file-backed
	// resident memory may grow past what it held after the last
	// page-out of Badger's tables (tablepages.go) before the next.
	// Serving touches less than this between first loads of new groups;
	// one such load at CRM-large touches about 400 MiB.
	DefaultMappedTableBytes = 128 << 20
)

// Config configures an Engine.
type Config struct {
	// Dir is the Badger directory. Ignored when InMemory is set.
	Dir string
	// InMemory keeps everything in memory (tests only).
	InMemory bool
	// SyncWrites fsyncs every Badger commit. Off by default: durability
	// comes from the replicated log.
	SyncWrites bool
	// MemTableSize is Badger's memtable size in bytes.
	MemTableSize int64
	// BlockCacheSize is Badger's block cache size in bytes; at least 1
	// (Badger compresses its tables and needs it).
	BlockCacheSize int64
	// ImageCacheBytes and CurrentCacheBytes bound the row caches of
	// deltas (images of changed rows, and current rows around them) by
	// the heap their rows take; 0 turns a cache off.
	ImageCacheBytes   int64
	CurrentCacheBytes int64
	// MappedTableBytes bounds the pages of Badger's memory-mapped tables
	// the process keeps resident (Linux; see tablepages.go): once its
	// file-backed resident memory has grown by more than this since the
	// last page-out, the engine asks the kernel to reclaim the tables'
	// pages, which later reads fault in again. 0 keeps them (Badger's
	// own behaviour: the kernel reclaims them only under pressure).
	MappedTableBytes int64
	// Logger receives Badger's warnings and errors. Nil means slog.Default.
	Logger *slog.Logger
}

// DefaultConfig returns a Config for dir with every default set.
func DefaultConfig(dir string) Config {
	return Config{Dir: dir, MemTableSize: DefaultMemTableSize, BlockCacheSize: DefaultBlockCacheSize,
		ImageCacheBytes: DefaultImageCacheBytes, CurrentCacheBytes: DefaultCurrentCacheBytes,
		MappedTableBytes: DefaultMappedTableBytes}
}

// Validate checks the config; its messages name the bad field.
func (c Config) Validate() error {
	if c.Dir == "" && !c.InMemory {
		return fmt.Errorf("engine config: Dir: must be set unless InMemory")
	}
	if c.MemTableSize < 1<<20 {
		return fmt.Errorf("engine config: MemTableSize: %d is below 1 MiB", c.MemTableSize)
	}
	if c.BlockCacheSize <= 0 {
		// Badger compresses its tables, and panics when it has no cache
		// for the decompressed blocks.
		return fmt.Errorf("engine config: BlockCacheSize: must be positive")
	}
	if c.ImageCacheBytes < 0 {
		return fmt.Errorf("engine config: ImageCacheBytes: must not be negative")
	}
	if c.CurrentCacheBytes < 0 {
		return fmt.Errorf("engine config: CurrentCacheBytes: must not be negative")
	}
	if c.MappedTableBytes < 0 {
		return fmt.Errorf("engine config: MappedTableBytes: must not be negative")
	}
	return nil
}

package replication

import (
	"fmt"
	"path/filepath"

	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

// The Raft log store is raft-boltdb's bbolt file, raft.db. bbolt keeps
// the list of its free pages in memory and, by default, writes the whole
// list into the file at every commit: a log that once held a bulk load
// (hundreds of MB, mostly free after compaction) rewrote a list of some
// 100,000 page ids at every commit of every batch, most of the node's
// allocations while it served (docs/benchmarks.md, memory scenario).
// Config.LogFreelistSync off leaves the list out of the file (bbolt
// rebuilds it when it opens the file, reading the pages' headers), and
// Config.LogFreelistMap keeps it as a map by run length instead of a
// sorted array that each allocation scans.

// logStoreFile is the log store's file in Config.Dir.
const logStoreFile = "raft.db"

// OpenLogStore opens (or creates) the log store in cfg.Dir with cfg's
// bbolt options: the store a Node runs on (bench measures Raft alone over
// it).
func OpenLogStore(cfg Config) (*raftboltdb.BoltStore, error) {
	opts := *bbolt.DefaultOptions
	opts.NoFreelistSync = !cfg.LogFreelistSync
	opts.FreelistType = bbolt.FreelistArrayType
	if cfg.LogFreelistMap {
		opts.FreelistType = bbolt.FreelistMapType
	}
	store, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(cfg.Dir, logStoreFile), BoltOptions: &opts})
	if err != nil {
		return nil, fmt.Errorf("open raft log store: %w", err)
	}
	return store, nil
}

package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// Engine is the database. It is safe for concurrent use: reads run in
// parallel with each other and with Apply; Apply calls are serialized.
type Engine struct {
	db      *badger.DB
	cfg     Config
	applyMu sync.Mutex // serializes ApplyBatch and Restore
	applied atomic.Uint64
	horizon atomic.Uint64
	schema  atomic.Pointer[Schema] // the current published schema
	closed  atomic.Bool
	notes   notifier
	// owners caches the business unit of users and teams for ingests;
	// only Apply uses it (under applyMu), and any other command clears it.
	owners map[string]string
	// orgSeq and access cache users' Access between admin changes (see
	// accesscache.go).
	orgSeq atomic.Uint64
	access accessCache
	// profiles shares decoded profiles among Access loads (profilecache.go).
	profiles profileCache
	// partsFrom is the version from which partition logs are complete
	// (0: none yet; see partition.go).
	partsFrom atomic.Uint64
	// cursorKey is the cluster's cursor key (see cursorkey.go).
	cursorKey atomic.Pointer[[]byte]
	// tokens caches authenticated device tokens (tokencache.go).
	tokens tokenCache
	// images and current cache rows for deltas (imagecache.go).
	images  fifo[imageKey, *codec.Row]
	current fifo[rowRef, currentRow]
	// refs caches the lookups to a target for deltas (refcache.go).
	refs fifo[string, cachedRefs]
	// pager pages Badger's tables out of memory (tablepages.go); nil
	// when off.
	pager *tablePager
	// pipe is the pipelined apply's state (pipeline.go; under applyMu).
	pipe pipeState
	// sums says which targets may hold a reference summary
	// (summaryfilter.go; under applyMu, nil while unknown).
	sums *summaryFilter
	// restoring keeps reads out while Restore replaces the database:
	// Badger's Load moves its transaction timestamps without a lock, so
	// a read transaction opened meanwhile races it.
	restoring sync.RWMutex
}

// readTxn runs fn in a read transaction (never during a Restore). fn must
// not call readTxn again: a Restore waiting in between would deadlock it.
func (e *Engine) readTxn(fn func(*badger.Txn) error) error {
	e.restoring.RLock()
	defer e.restoring.RUnlock()
	return e.db.View(fn)
}

// Open opens (or creates) the database described by cfg and loads the last
// applied version and the current schema.
func Open(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	opts := badger.DefaultOptions(cfg.Dir).
		WithInMemory(cfg.InMemory).
		WithSyncWrites(cfg.SyncWrites).
		WithMemTableSize(cfg.MemTableSize).
		WithBlockCacheSize(cfg.BlockCacheSize).
		WithLogger(badgerLogger{logger.With("component", "badger")}).
		WithMetricsEnabled(false).
		WithDetectConflicts(false) // one writer (Apply): nothing to detect
	if cfg.InMemory {
		opts.Dir, opts.ValueDir = "", ""
	}
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open badger: %w", err)
	}
	e := &Engine{db: db, cfg: cfg, owners: map[string]string{}}
	e.initRowCaches()
	if err := e.loadState(); err != nil {
		db.Close()
		return nil, err
	}
	if !cfg.InMemory {
		e.pager = startTablePager(cfg.Dir, cfg.MappedTableBytes, logger)
	}
	return e, nil
}

// loadState migrates an older storage layout (layout.go), then reads the
// applied version, the current schema and the targets that hold reference
// summaries (summaryfilter.go) into memory.
func (e *Engine) loadState() error {
	e.sums = nil
	if err := migrateLayout(e.db); err != nil {
		return err
	}
	return e.db.View(func(txn *badger.Txn) error {
		e.sums = loadSummaryFilter(txn)
		var applied uint64
		if err := getValue(txn, []byte(keyApplied), func(v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("read applied version: %w", ErrCorrupt)
			}
			applied = decodeVersion(v)
			return nil
		}); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		e.applied.Store(applied)
		var horizon uint64
		if err := getValue(txn, []byte(keyHorizon), func(v []byte) error { horizon = decodeVersion(v); return nil }); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		e.horizon.Store(horizon)
		var partsFrom uint64
		if err := getValue(txn, []byte(keyPartitions), func(v []byte) error { partsFrom = decodeVersion(v); return nil }); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		e.partsFrom.Store(partsFrom)
		e.notes.mu.Lock()
		e.notes.version, e.notes.since = applied, applied
		e.notes.tails, e.notes.refMoved = nil, nil // they knew the writes before; start again
		e.notes.mu.Unlock()
		s := &Schema{}
		if err := getDecoded(txn, []byte(keyCurrent), s); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("load schema: %w", err)
		}
		e.schema.Store(s)
		return e.loadCursorKey(txn)
	})
}

// Close closes the database. Reads and applies after Close fail.
func (e *Engine) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	_ = e.drain() // a failed commit is already reported; close all the same
	e.pager.close()
	if err := e.db.Close(); err != nil {
		return fmt.Errorf("close badger: %w", err)
	}
	return nil
}

// Applied returns the last applied version.
func (e *Engine) Applied() uint64 { return e.applied.Load() }

// getValue calls fn with the value at key, or returns ErrNotFound.
func getValue(txn *badger.Txn, key []byte, fn func([]byte) error) error {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("get key: %w", err)
	}
	return item.Value(fn)
}

// getDecoded decodes the msgpack value at key into v, or returns ErrNotFound.
func getDecoded(txn *badger.Txn, key []byte, v any) error {
	return getValue(txn, key, func(b []byte) error {
		if err := codec.Unmarshal(b, v); err != nil {
			return fmt.Errorf("decode %q: %w: %w", key, ErrCorrupt, err)
		}
		return nil
	})
}

func decodeVersion(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// badgerLogger adapts slog to Badger's logger, keeping warnings and errors.
type badgerLogger struct{ l *slog.Logger }

// Errorf logs at error level.
func (b badgerLogger) Errorf(f string, a ...any) { b.l.Error(fmt.Sprintf(f, a...)) }

// Warningf logs at warning level.
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn(fmt.Sprintf(f, a...)) }

// Infof drops the message.
func (b badgerLogger) Infof(string, ...any) {}

// Debugf drops the message.
func (b badgerLogger) Debugf(string, ...any) {}

package engine

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Entry is one command with the version to apply it at.
type Entry struct {
	Version uint64
	Cmd     *Command
}

// Apply applies one command at version. See ApplyBatch.
func (e *Engine) Apply(version uint64, cmd *Command) (*Result, error) {
	rs, err := e.ApplyBatch([]Entry{{Version: version, Cmd: cmd}})
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// ApplyBatch applies commands in order, each at its version, in as few
// Badger transactions as fit. Versions must increase. An entry whose
// version is not above the last applied version is skipped (re-applying is
// a no-op). A command that is rejected changes nothing and carries its
// reason in Result.Err; the others still apply. The returned error is a
// storage failure, after which the engine's state on disk is still
// consistent up to the last committed version.
func (e *Engine) ApplyBatch(entries []Entry) ([]*Result, error) {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	if e.closed.Load() {
		return nil, ErrClosed
	}
	if err := e.drain(); err != nil {
		return nil, err
	}
	return e.applySync(entries)
}

// applySync applies a batch and commits it before returning (under
// applyMu, with no batch in flight).
func (e *Engine) applySync(entries []Entry) ([]*Result, error) {
	b := &batch{e: e, txn: e.db.NewTransaction(true), schema: e.schema.Load(), applied: e.applied.Load(), horizon: e.horizon.Load(), touched: map[string]uint64{}, partsFrom: e.partsFrom.Load()}
	defer func() { b.txn.Discard() }()
	results := make([]*Result, len(entries))
	for i, en := range entries {
		if en.Version <= b.applied {
			results[i] = &Result{Version: en.Version}
			continue
		}
		if b.applied == 0 {
			// A new database: its time index covers every row from here.
			if err := b.txn.Set([]byte(keyTimeIndex), []byte{1}); err != nil {
				return nil, fmt.Errorf("mark time index: %w", err)
			}
			// ... and its partition logs every write.
			if err := b.txn.Set([]byte(keyPartitions), encodeVersion(en.Version)); err != nil {
				return nil, fmt.Errorf("mark partitions: %w", err)
			}
			b.partsFrom = en.Version
			b.dirty = true
		}
		st := newCmdState(b, en.Version, en.Cmd.Now)
		res := st.run(en.Cmd)
		if en.Cmd.Kind != KindIngest {
			clear(e.owners) // an admin change may move users and teams
			if res.Err == nil && en.Cmd.Kind.changesOrg() {
				b.touched[orgEntity] = en.Version
			}
		}
		if res.Err == nil {
			if err := b.flush(st); err != nil {
				return nil, err
			}
		}
		b.applied = en.Version
		results[i] = res
	}
	if err := b.commit(); err != nil {
		return nil, err
	}
	return results, nil
}

// batch is one run of ApplyBatch: the open Badger transaction and the state
// it has produced so far but not yet committed.
type batch struct {
	e       *Engine
	txn     *badger.Txn
	schema  *Schema // current schema including uncommitted publishes
	applied uint64  // last version applied into txn (or committed)
	dirty   bool    // txn holds writes
	count   int64   // entries in txn
	size    int64   // estimated bytes in txn
	touched map[string]uint64
	horizon uint64 // change-log horizon including uncommitted prunes
	// cursorKey is a cursor key created in txn and not yet committed.
	cursorKey []byte
	// partsFrom is the version from which partition logs are kept (0:
	// not yet), including an uncommitted start.
	partsFrom uint64
	// pipe is set when the batch runs pipelined (pipeline.go): txn is
	// then nil, and reads go through pipe.
	pipe *pipeBatch
	// logs are the log entries written, for the tails (partitiontail.go).
	logs []headEntry
}

// flush moves a command's staged writes into the transaction. When they
// would not fit beside what the transaction already holds, the transaction
// is committed first (with the versions applied so far). A command too big
// for one transaction is written across several: the applied version moves
// only after its last write, and re-applying a partly written command
// produces the same state, so a crash in between is repaired on restart.
func (b *batch) flush(st *cmdState) error {
	count, size := st.footprint()
	if b.dirty && (b.count+count >= b.e.db.MaxBatchCount()*9/10 || b.size+size >= b.e.db.MaxBatchSize()*9/10) {
		if err := b.rotate(); err != nil {
			return err
		}
	}
	for _, k := range st.order {
		for {
			err := st.write(b.txn, k)
			if err == nil {
				break
			}
			if !errors.Is(err, badger.ErrTxnTooBig) || !b.dirty {
				return fmt.Errorf("apply version %d: %w", st.version, err)
			}
			if err := b.rotate(); err != nil {
				return err
			}
		}
		b.dirty = true
	}
	b.count += count
	b.size += size
	b.note(st)
	return nil
}

// note records what a command that succeeded changed beside its writes.
func (b *batch) note(st *cmdState) {
	if st.schema != nil {
		b.schema = st.schema
	}
	if st.cursorKey != nil {
		b.cursorKey = st.cursorKey
	}
	for _, e := range st.touched {
		b.touched[e] = st.version
	}
	for p := range st.parts {
		b.touched[p] = st.version
	}
	if st.partsFrom != 0 {
		b.partsFrom = st.partsFrom
	}
	b.logs = append(b.logs, st.logs...)
}

// rotate commits the transaction and opens a new one.
func (b *batch) rotate() error {
	if err := b.commit(); err != nil {
		return err
	}
	b.txn = b.e.db.NewTransaction(true)
	b.count, b.size, b.dirty = 0, 0, false
	return nil
}

func (b *batch) commit() error {
	if !b.dirty && b.applied == b.e.applied.Load() {
		return nil
	}
	if _, org := b.touched[orgEntity]; org {
		b.e.beginOrgCommit()
		defer b.e.endOrgCommit()
	}
	err := b.txn.Set([]byte(keyApplied), encodeVersion(b.applied))
	if errors.Is(err, badger.ErrTxnTooBig) {
		// The last command filled the transaction: commit its writes
		// alone (the applied version stays behind them, as for a command
		// written across transactions), then the version.
		if err := b.txn.Commit(); err != nil {
			return fmt.Errorf("commit version %d: %w", b.applied, err)
		}
		b.txn = b.e.db.NewTransaction(true)
		err = b.txn.Set([]byte(keyApplied), encodeVersion(b.applied))
	}
	if err != nil {
		return fmt.Errorf("set applied version: %w", err)
	}
	if err := b.txn.Commit(); err != nil {
		return fmt.Errorf("commit version %d: %w", b.applied, err)
	}
	if b.cursorKey != nil {
		k := b.cursorKey
		b.e.cursorKey.Store(&k)
		b.cursorKey = nil
	}
	b.e.publish(published{schema: b.schema, applied: b.applied, horizon: b.horizon, partsFrom: b.partsFrom, touched: b.touched, logs: b.logs})
	b.touched, b.logs = map[string]uint64{}, nil
	return nil
}

package engine

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
)

// Pipelined apply. A batch of ingests is computed on one core while Badger
// writes the batch before it on the other: ApplyPipelined stages the
// batch's writes, hands its commit to Badger and returns, and the next
// batch reads through what is still being written. At most one batch is
// in flight.
//
// Reads of a pipelined batch see, in order: the command's own staged
// writes, the batch's earlier commands (pipeBatch.staged), the batch in
// flight (inflight.staged), and a read snapshot opened after every earlier
// batch was written and before the one in flight was handed over (Badger
// would make a transaction opened later wait for it). The result is the
// state that applying every batch one after the other gives, so replicas
// that group the same commands into different batches stay byte-identical.
//
// Only ingests pipeline: they read single keys, never ranges. Any other
// command waits for the batch in flight and runs as before (applySync), as
// do ApplyBatch, snapshots, backups, restores and Close. The versions,
// schema and notifications that readers see move when a batch's commit
// has completed, never before: Applied does not run ahead of what a read
// transaction can see.

// inflight is a batch whose commit Badger is still writing.
type inflight struct {
	staged *stagedWrites // its commands' writes (stagedwrites.go)
	done   chan struct{}
	err    error // set before done closes
}

// pipeState is the pipeline between batches (guarded by applyMu).
type pipeState struct {
	cur  *inflight
	snap *badger.Txn // read snapshot for the next batch (nil: none open)
	// staged is the state after the last batch handed to Badger.
	staged published
	// err is a failed commit: the engine stops applying.
	err error
	// onFail hears of a failed commit as it happens (SetCommitFailure).
	onFail atomic.Pointer[func(error)]
}

// published is what a completed commit makes visible to readers.
type published struct {
	schema    *Schema
	applied   uint64
	horizon   uint64
	partsFrom uint64
	touched   map[string]uint64
	logs      []headEntry
}

// pipeBatch is the pipelined part of a batch.
type pipeBatch struct {
	staged stagedWrites // the commands that succeeded, in order, and their writes
	prev   *inflight
	snap   *badger.Txn
}

// lookup finds key in the batch's writes or in the batch in flight.
func (p *pipeBatch) lookup(key []byte) (v []byte, ok bool) {
	if v, ok = p.staged.lookup(key); ok {
		return v, true
	}
	if p.prev != nil {
		v, ok = p.prev.staged.lookup(key)
	}
	return v, ok
}

// stage adds a successful command's writes to the batch.
func (p *pipeBatch) stage(st *cmdState) {
	p.staged.add(st)
}

// ApplyPipelined is ApplyBatch, except that a batch of ingests returns
// once its writes are handed to Badger, before they are durable in it or
// visible to reads: Applied moves when they are. Callers that answer a
// client must wait for Applied to reach the version (replication.Node
// does). A commit that fails is returned by the next call (and by Drain).
func (e *Engine) ApplyPipelined(entries []Entry) ([]*Result, error) {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	if e.closed.Load() {
		return nil, ErrClosed
	}
	if e.pipe.err != nil {
		return nil, e.pipe.err
	}
	st := e.stagedState()
	if !pipelinable(entries, st.applied) {
		if err := e.drain(); err != nil {
			return nil, err
		}
		return e.applySync(entries)
	}
	if e.pipe.snap == nil {
		e.pipe.snap = e.db.NewTransaction(false)
	}
	b := &batch{e: e, schema: st.schema, applied: st.applied, horizon: st.horizon, partsFrom: st.partsFrom, touched: map[string]uint64{},
		pipe: &pipeBatch{prev: e.pipe.cur, snap: e.pipe.snap}}
	results := make([]*Result, len(entries))
	for i, en := range entries {
		if en.Version <= b.applied {
			results[i] = &Result{Version: en.Version}
			continue
		}
		cs := newCmdState(b, en.Version, en.Cmd.Now)
		res := cs.run(en.Cmd)
		if res.Err == nil {
			b.pipe.stage(cs)
			b.note(cs)
		}
		b.applied = en.Version
		results[i] = res
	}
	if err := e.send(b, st.applied); err != nil {
		return nil, err
	}
	return results, nil
}

// pipelineMaxRecords bounds the records of a pipelined batch. A pipelined
// batch keeps its writes in memory until the next one is handed over
// (its commands' staging, the merged writes the next batch reads, and
// Badger's copy), so a bulk load's large batches go the synchronous way.
const pipelineMaxRecords = 8192

// pipelinable reports whether a batch may run pipelined: the database
// exists (its first command marks it), every command still to apply is
// an ingest, and they hold at most pipelineMaxRecords records.
func pipelinable(entries []Entry, applied uint64) bool {
	if applied == 0 {
		return false
	}
	n := 0
	for _, en := range entries {
		if en.Version <= applied {
			continue
		}
		if en.Cmd.Kind != KindIngest {
			return false
		}
		n += len(en.Cmd.Records)
	}
	return n <= pipelineMaxRecords
}

// stagedState is the state the next batch starts from.
func (e *Engine) stagedState() published {
	if e.pipe.cur != nil {
		return e.pipe.staged
	}
	return published{schema: e.schema.Load(), applied: e.applied.Load(), horizon: e.horizon.Load(), partsFrom: e.partsFrom.Load()}
}

// send waits for the batch in flight, opens the next batch's read
// snapshot, writes b into Badger transactions and hands the last one's
// commit over. Parts of a batch too big for one transaction are committed
// before it, each with the last version it completes, as applySync does.
func (e *Engine) send(b *batch, start uint64) error {
	if len(b.pipe.staged.cmds) == 0 && b.applied == start {
		return nil // every entry was applied before
	}
	if prev := b.pipe.prev; prev != nil {
		<-prev.done
		e.pipe.cur = nil
		if prev.err != nil {
			e.pipe.err = fmt.Errorf("commit pipelined batch: %w", prev.err)
			return e.pipe.err
		}
	}
	b.pipe.snap.Discard()
	e.pipe.snap = e.db.NewTransaction(false) // sees every batch so far
	txn := e.db.NewTransaction(true)
	defer func() { txn.Discard() }()
	done := start // the last version the transactions so far complete
	var count, size int64
	dirty := false
	part := func() error {
		if err := commitPart(e.db, txn, done); err != nil {
			return err
		}
		txn = e.db.NewTransaction(true)
		count, size, dirty = 0, 0, false
		return nil
	}
	for _, cs := range b.pipe.staged.cmds {
		c, s := cs.footprint()
		if dirty && (count+c >= e.db.MaxBatchCount()*9/10 || size+s >= e.db.MaxBatchSize()*9/10) {
			if err := part(); err != nil {
				return err
			}
		}
		for _, k := range cs.order {
			for {
				err := cs.write(txn, k)
				if err == nil {
					break
				}
				if !errors.Is(err, badger.ErrTxnTooBig) || !dirty {
					return fmt.Errorf("apply version %d: %w", cs.version, err)
				}
				if err := part(); err != nil {
					return err
				}
			}
			dirty = true
		}
		count, size, done = count+c, size+s, cs.version
	}
	if err := txn.Set([]byte(keyApplied), encodeVersion(b.applied)); errors.Is(err, badger.ErrTxnTooBig) {
		if err := commitPart(e.db, txn, 0); err != nil {
			return err
		}
		txn = e.db.NewTransaction(true)
		if err := txn.Set([]byte(keyApplied), encodeVersion(b.applied)); err != nil {
			return fmt.Errorf("set applied version: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("set applied version: %w", err)
	}
	pub := published{schema: b.schema, applied: b.applied, horizon: b.horizon, partsFrom: b.partsFrom, touched: b.touched, logs: b.logs}
	inf := &inflight{staged: &b.pipe.staged, done: make(chan struct{})}
	txn.CommitWith(func(err error) {
		if err == nil {
			e.publish(pub)
		}
		inf.err = err
		close(inf.done)
		if f := e.pipe.onFail.Load(); err != nil && f != nil {
			(*f)(fmt.Errorf("commit versions up to %d: %w", pub.applied, err))
		}
	})
	e.pipe.cur, e.pipe.staged = inf, pub
	return nil
}

// commitPart commits a transaction holding part of a batch, recording
// applied as the last version it completes (0: leave it as it is).
func commitPart(db *badger.DB, txn *badger.Txn, applied uint64) error {
	if applied != 0 {
		if err := txn.Set([]byte(keyApplied), encodeVersion(applied)); err != nil && !errors.Is(err, badger.ErrTxnTooBig) {
			return fmt.Errorf("set applied version: %w", err)
		}
	}
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("commit version %d: %w", applied, err)
	}
	return nil
}

// publish makes a committed batch visible to readers.
func (e *Engine) publish(p published) {
	e.schema.Store(p.schema)
	e.horizon.Store(p.horizon)
	e.partsFrom.Store(p.partsFrom)
	e.applied.Store(p.applied)
	e.notify(p.touched, p.logs)
}

// SetCommitFailure sets a function called, on a Badger goroutine, when a
// pipelined batch fails to commit. Its versions were acknowledged to
// ApplyPipelined's caller but are not in the database: the caller must
// stop applying (the replication FSM stops the process, which resumes from
// the last committed version when it restarts).
func (e *Engine) SetCommitFailure(f func(error)) { e.pipe.onFail.Store(&f) }

// drain waits for the batch in flight and closes the read snapshot, so
// that Badger holds every applied write. It returns a failed commit.
func (e *Engine) drain() error {
	if cur := e.pipe.cur; cur != nil {
		<-cur.done
		e.pipe.cur = nil
		if cur.err != nil && e.pipe.err == nil {
			e.pipe.err = fmt.Errorf("commit pipelined batch: %w", cur.err)
		}
	}
	if e.pipe.snap != nil {
		e.pipe.snap.Discard()
		e.pipe.snap = nil
	}
	return e.pipe.err
}

// Drain waits until every batch ApplyPipelined returned is committed and
// visible, and returns the error of a commit that failed.
func (e *Engine) Drain() error {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	return e.drain()
}

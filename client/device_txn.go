package client

import (
	"errors"

	"github.com/dgraph-io/badger/v4"
)

// txnWriter runs a sequence of local writes in one Badger transaction or,
// when it may split, in as many as they need. A split write is only ever
// aimed at a generation readers do not see (see device_generations.go),
// so its intermediate commits are invisible until the last one switches.
type txnWriter struct {
	d     *Device
	txn   *badger.Txn
	ops   int
	split bool
}

func (d *Device) newTxnWriter(split bool) *txnWriter {
	return &txnWriter{d: d, txn: d.db.NewTransaction(true), split: split}
}

// run runs op in the current transaction. When the transaction is full,
// a writer that may split commits it and runs op again in a new one (op
// must be idempotent: every row write is); one that may not returns
// badger.ErrTxnTooBig.
func (w *txnWriter) run(op func(*badger.Txn) error) error {
	full := w.d.txnOps > 0 && w.ops >= w.d.txnOps
	var err error
	if !full {
		err = op(w.txn)
		if !errors.Is(err, badger.ErrTxnTooBig) {
			if err == nil {
				w.ops++
			}
			return err
		}
		if w.ops == 0 {
			return err // too big even alone: splitting cannot help
		}
	}
	if !w.split {
		return badger.ErrTxnTooBig
	}
	if err := w.next(); err != nil {
		return err
	}
	if err := op(w.txn); err != nil {
		return err
	}
	w.ops++
	return nil
}

// next commits the current transaction and starts a new one.
func (w *txnWriter) next() error {
	if err := w.txn.Commit(); err != nil {
		return err
	}
	w.txn, w.ops = w.d.db.NewTransaction(true), 0
	if w.d.afterCommit != nil {
		return w.d.afterCommit()
	}
	return nil
}

// commit commits the last transaction.
func (w *txnWriter) commit() error { return w.txn.Commit() }

// discard drops what was not committed; it is safe after commit.
func (w *txnWriter) discard() { w.txn.Discard() }

package engine

import (
	"fmt"
	"io"
)

// Snapshot streams the database as a Badger backup. The stream is one
// consistent read transaction taken when WriteTo starts, so it may hold
// versions applied after Snapshot was called: it always holds its own
// applied version (key a/applied) with exactly the data applied up to it,
// and re-applying the log entries in between is a no-op.
type Snapshot struct {
	e       *Engine
	applied uint64
}

// Snapshot captures the state as of now (including the applied version)
// and syncs Badger to disk, so that the replicated log may be compacted up
// to the snapshot. WriteTo may run concurrently with later applies.
func (e *Engine) Snapshot() (*Snapshot, error) {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	if e.closed.Load() {
		return nil, ErrClosed
	}
	if err := e.drain(); err != nil {
		return nil, err
	}
	if err := e.db.Sync(); err != nil {
		return nil, fmt.Errorf("sync badger: %w", err)
	}
	return &Snapshot{e: e, applied: e.applied.Load()}, nil
}

// Applied is the applied version when the snapshot was taken: the stream
// holds at least this version.
func (s *Snapshot) Applied() uint64 { return s.applied }

// WriteTo streams the snapshot as a Badger backup.
func (s *Snapshot) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	s.e.restoring.RLock()
	defer s.e.restoring.RUnlock()
	stream := s.e.db.NewStream()
	stream.LogPrefix = "offsync.snapshot"
	// One producer is one read transaction: with several, each opens its
	// own, and a commit between them would mix two versions.
	stream.NumGo = 1
	if _, err := stream.Backup(cw, 0); err != nil {
		return cw.n, fmt.Errorf("write snapshot: %w", err)
	}
	return cw.n, nil
}

// Restore replaces the whole database with a snapshot written by
// Snapshot.WriteTo, then reloads the applied version and the schema.
func (e *Engine) Restore(r io.Reader) error {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	if e.closed.Load() {
		return ErrClosed
	}
	if err := e.drain(); err != nil {
		return err
	}
	e.restoring.Lock()
	defer e.restoring.Unlock()
	clear(e.owners)
	e.beginOrgCommit() // the organization is replaced too
	defer e.endOrgCommit()
	e.sums = nil // unknown until loadState has read the new keys
	if err := e.db.DropAll(); err != nil {
		return fmt.Errorf("restore snapshot: drop: %w", err)
	}
	if err := e.db.Load(r, 256); err != nil {
		return fmt.Errorf("restore snapshot: load: %w", err)
	}
	if err := e.loadState(); err != nil {
		return err
	}
	e.images.reset()
	e.current.reset()
	e.refs.reset()
	e.notes.aged.reset()
	e.notify(nil, nil)
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

// Write implements io.Writer.
func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

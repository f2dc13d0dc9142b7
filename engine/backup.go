package engine

import (
	"fmt"
	"io"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

// Backup writes a backup file of the database to w, consistent at one
// applied version. begin is called with that version before the first
// byte is written (to set a header, say); it must not block, as writes
// wait until the backup's read transaction is open. Writes go on while the
// rest streams.
func (e *Engine) Backup(w io.Writer, begin func(version uint64)) (int64, error) {
	e.applyMu.Lock()
	var once sync.Once
	release := func() { once.Do(e.applyMu.Unlock) }
	defer release()
	if e.closed.Load() {
		return 0, ErrClosed
	}
	if err := e.drain(); err != nil {
		return 0, err
	}
	version := e.applied.Load()
	if begin != nil {
		begin(version)
	}
	bw := NewBackupWriter(w, version)
	e.restoring.RLock()
	defer e.restoring.RUnlock()
	stream := e.db.NewStream()
	stream.LogPrefix = "offsync.backup"
	// One producer is one read transaction: the stream is the state at
	// one version. It is opened before the first key is chosen, and no
	// apply commits while applyMu is held.
	stream.NumGo = 1
	stream.ChooseKey = func(*badger.Item) bool { release(); return true }
	if _, err := stream.Backup(bw, 0); err != nil {
		return bw.n, fmt.Errorf("write backup: %w", err)
	}
	release()
	if err := bw.Close(); err != nil {
		return bw.n, err
	}
	return bw.n, nil
}

// RestoreBackup replaces the whole database with a backup file written by
// Backup and returns its version. A cut or damaged file fails with
// ErrBadBackup (wrapped), and the database is then not usable: restore
// into a new directory and remove it on failure.
func (e *Engine) RestoreBackup(r io.Reader) (uint64, error) {
	version, br, err := OpenBackup(r)
	if err != nil {
		return 0, err
	}
	if err := e.Restore(br); err != nil {
		return 0, err
	}
	if got := e.Applied(); got != version {
		return 0, fmt.Errorf("restore backup: holds version %d, header says %d: %w", got, version, ErrBadBackup)
	}
	return version, nil
}

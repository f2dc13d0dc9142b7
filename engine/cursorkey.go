package engine

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// CursorKeyLen is the length in bytes of the cluster's cursor key.
const CursorKeyLen = 32

// keyCursorKey holds the cluster's cursor key. It is created once, by a
// KindSetCursorKey command whose random bytes the proposer drew, so every
// replica holds the same key, and it travels with snapshots and backups.
const keyCursorKey = "a/cursorkey"

// setCursorKey stores key as the cluster's cursor key unless one is set
// already: the first key committed wins and later proposals (several nodes
// may race to create it) change nothing.
func (st *cmdState) setCursorKey(key []byte) error {
	if len(key) != CursorKeyLen {
		return invalidf("cursor key: must be %d bytes", CursorKeyLen)
	}
	err := st.get([]byte(keyCursorKey), func([]byte) error { return nil })
	if err == nil {
		return nil
	}
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	st.set([]byte(keyCursorKey), key)
	st.cursorKey = key
	return nil
}

// CursorKey returns the cluster's cursor key, or nil while none has been
// created. Servers authenticate the cursors they hand to devices with it,
// so that a cursor issued by any node is valid on every node and a device
// cannot forge one.
func (e *Engine) CursorKey() []byte {
	if k := e.cursorKey.Load(); k != nil {
		return *k
	}
	return nil
}

// loadCursorKey reads the cursor key into memory.
func (e *Engine) loadCursorKey(txn *badger.Txn) error {
	err := getValue(txn, []byte(keyCursorKey), func(v []byte) error {
		if len(v) != CursorKeyLen {
			return fmt.Errorf("read cursor key: %w", ErrCorrupt)
		}
		k := append([]byte(nil), v...)
		e.cursorKey.Store(&k)
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		e.cursorKey.Store(nil)
		return nil
	}
	return err
}

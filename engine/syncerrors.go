package engine

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// SyncErrorFilter selects sync errors; empty fields match everything.
type SyncErrorFilter struct {
	User, Entity, Code string
	// Since and Until bound the time (unix ms); 0 is open.
	Since, Until int64
}

// SyncErrors lists the recorded rejected mutations, oldest first.
func (e *Engine) SyncErrors(f SyncErrorFilter) ([]SyncError, error) {
	var out []SyncError
	err := e.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("e/"), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var se SyncError
			if err := it.Item().Value(func(v []byte) error { return codec.Unmarshal(v, &se) }); err != nil {
				return fmt.Errorf("read sync error: %w: %w", ErrCorrupt, err)
			}
			if (f.User == "" || se.User == f.User) && (f.Entity == "" || se.Mutation.Entity == f.Entity) &&
				(f.Code == "" || se.Code == f.Code) && (f.Since == 0 || se.Time >= f.Since) && (f.Until == 0 || se.Time < f.Until) {
				out = append(out, se)
			}
		}
		return nil
	})
	return out, err
}

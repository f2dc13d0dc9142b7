package engine

import (
	"errors"
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

// SyncErrorRef names one sync error: the push's version and the
// mutation's index in it.
type SyncErrorRef struct {
	Version uint64 `msgpack:"v" json:"version"`
	Index   int    `msgpack:"i" json:"index"`
}

func (st *cmdState) deleteSyncError(ref *SyncErrorRef) error {
	if ref == nil {
		return invalidf("syncError: missing")
	}
	key := syncErrorKey(ref.Version, ref.Index)
	if ok, err := st.exists(key); err != nil {
		return err
	} else if !ok {
		return notFoundf("sync error %d/%d not found", ref.Version, ref.Index)
	}
	st.del(key)
	return nil
}

// reapply applies a recorded mutation as an administrator: the user's
// privileges are not checked, the schema and the row's existence are.
func (st *cmdState) reapply(ref *SyncErrorRef) ([]MutationResult, error) {
	if ref == nil {
		return nil, invalidf("syncError: missing")
	}
	key := syncErrorKey(ref.Version, ref.Index)
	var se SyncError
	if err := st.getDecoded(key, &se); errors.Is(err, ErrNotFound) {
		return nil, notFoundf("sync error %d/%d not found", ref.Version, ref.Index)
	} else if err != nil {
		return nil, err
	}
	acc, err := loadAccess(st, se.User)
	if err != nil {
		return nil, err
	}
	res := MutationResult{ID: se.Mutation.ID}
	err = st.mutate(acc, Settings{}, &se.Mutation, true)
	var rj *rejection
	switch {
	case err == nil:
		res.Applied, res.Version = true, st.version
		st.del(key)
	case errors.As(err, &rj):
		res.Code, res.Message = rj.code, rj.msg
	case errors.Is(err, ErrInvalid):
		res.Code, res.Message = CodeInvalid, err.Error()
	default:
		return nil, err
	}
	return []MutationResult{res}, nil
}

// SyncError returns one sync error.
func (e *Engine) SyncError(ref SyncErrorRef) (SyncError, error) {
	return getObject[SyncError](e, syncErrorKey(ref.Version, ref.Index))
}

package engine

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// Paging of SyncErrors.
const (
	// DefaultSyncErrorPage is the page size when SyncErrorFilter.Limit is 0.
	DefaultSyncErrorPage = 100
	// MaxSyncErrorPage is the largest page.
	MaxSyncErrorPage = 1000
)

// SyncErrorFilter selects sync errors; empty fields match everything.
type SyncErrorFilter struct {
	User, Entity, Code string
	// App, when set, keeps the errors of that app (its id).
	App string
	// Since and Until bound the time (unix ms); 0 is open.
	Since, Until int64
	// After starts the page after this error (exclusive); nil: the first.
	After *SyncErrorRef
	// Limit is the page size: 0 means DefaultSyncErrorPage, more than
	// MaxSyncErrorPage is an error.
	Limit int
}

// SyncErrors lists one page of the recorded rejected mutations, oldest
// first: at most the filter's Limit, after its After. more says whether
// further errors match (ask again with After the last one returned).
func (e *Engine) SyncErrors(f SyncErrorFilter) (page []SyncError, more bool, err error) {
	limit := f.Limit
	if limit == 0 {
		limit = DefaultSyncErrorPage
	}
	if limit < 0 || limit > MaxSyncErrorPage {
		return nil, false, invalidf("limit: %d is not between 1 and %d", f.Limit, MaxSyncErrorPage)
	}
	err = e.readTxn(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("e/"), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		it.Rewind()
		if f.After != nil {
			after := syncErrorKey(f.After.Version, f.After.Index)
			it.Seek(after)
			if it.Valid() && bytes.Equal(it.Item().Key(), after) {
				it.Next()
			}
		}
		for ; it.Valid(); it.Next() {
			var se SyncError
			if err := it.Item().Value(func(v []byte) error { return codec.Unmarshal(v, &se) }); err != nil {
				return fmt.Errorf("read sync error: %w: %w", ErrCorrupt, err)
			}
			if (f.User == "" || se.User == f.User) && (f.Entity == "" || se.Mutation.Entity == f.Entity) &&
				(f.Code == "" || se.Code == f.Code) && (f.App == "" || appID(se.App) == appID(f.App)) && (f.Since == 0 || se.Time >= f.Since) && (f.Until == 0 || se.Time < f.Until) {
				if len(page) == limit {
					more = true
					return nil
				}
				page = append(page, se)
			}
		}
		return nil
	})
	return page, more, err
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
	var se SyncError
	if err := st.getDecoded(syncErrorKey(ref.Version, ref.Index), &se); errors.Is(err, ErrNotFound) {
		return notFoundf("sync error %d/%d not found", ref.Version, ref.Index)
	} else if err != nil {
		return err
	}
	st.unrecordSyncError(&se)
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
	if se.AttrsOmitted != "" {
		return nil, invalidf("sync error %d/%d: its attributes were not kept (%s), so it cannot be re-applied", ref.Version, ref.Index, se.AttrsOmitted)
	}
	acc, err := loadAccess(st, se.User, se.App)
	if err != nil {
		return nil, err
	}
	res := MutationResult{ID: se.Mutation.ID}
	err = st.mutate(acc, Settings{}, &se.Mutation, true)
	var rj *rejection
	switch {
	case err == nil:
		res.Applied, res.Version = true, st.version
		st.unrecordSyncError(&se)
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

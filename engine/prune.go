package engine

import (
	"bytes"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Change-log retention. Pruning to a horizon H keeps every change-log
// entry at or above H, and below H only each row's last entry (its image
// as of H). That is all a delta from any version v0 >= H needs: the first
// change after v0 points (Prev) at the image as of v0, which is either
// above H or the last one below it. Tombstones below H go, with their row
// tombstones: nobody at or above H can hold those rows. A cursor below
// the horizon gets a reset.

// Horizon returns the change-log retention horizon (0: nothing pruned).
func (e *Engine) Horizon() uint64 { return e.horizon.Load() }

// prune runs a KindPrune: the change log to horizon, and the sync errors
// recorded before syncErrorsBefore (see syncerrorlog.go).
func (st *cmdState) prune(horizon uint64, syncErrorsBefore int64) error {
	if err := st.pruneSyncErrors(syncErrorsBefore); err != nil {
		return err
	}
	if err := st.pruneContexts(horizon); err != nil { // before pruneChanges moves st.b.horizon
		return err
	}
	return st.pruneChanges(horizon)
}

func (st *cmdState) pruneChanges(horizon uint64) error {
	old := st.b.horizon
	if horizon <= old {
		return nil // already pruned that far
	}
	if horizon > st.version {
		return invalidf("horizon: %d is above the version %d", horizon, st.version)
	}
	sch := st.currentSchema()
	for i := range sch.Entities {
		entity := sch.Entities[i].Name
		prefix := changePrefix(entity)
		end := changeSeek(entity, horizon-1)
		it := st.b.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
		start := changeSeek(entity, 0)
		if old > 0 {
			start = changeSeek(entity, old-1)
		}
		var err error
		for it.Seek(start); it.ValidForPrefix(prefix) && bytes.Compare(it.Item().Key(), end) < 0; it.Next() {
			key := it.Item().KeyCopy(nil)
			id := string(key[len(prefix)+9:])
			var ce ChangeEntry
			if err = it.Item().Value(func(v []byte) error { return decodeChange(v, &ce) }); err != nil {
				break
			}
			if ce.Prev != 0 && ce.Prev < horizon {
				st.del(changeKey(entity, ce.Prev, id)) // superseded below the horizon
			}
			if ce.Row.Deleted {
				st.del(key)
				cur, found, gerr := st.readRow(entity, id)
				if gerr != nil {
					err = gerr
					break
				}
				if found && cur.Deleted && cur.Version == ce.Row.Version {
					st.del(rowKey(entity, id))
				}
			}
		}
		it.Close()
		if err != nil {
			return fmt.Errorf("prune %s: %w", entity, err)
		}
	}
	// Push results older than the horizon go: idempotency holds for
	// retries within the retention.
	keys, err := st.keysWithPrefix([]byte("d/"))
	if err != nil {
		return err
	}
	for _, k := range keys {
		var r MutationResult
		if err := st.getDecoded([]byte(k), &r); err != nil {
			return err
		}
		if r.Version < horizon {
			st.del([]byte(k))
		}
	}
	if err := st.prunePartitions(horizon); err != nil {
		return err
	}
	st.b.horizon = horizon
	st.set([]byte(keyHorizon), encodeVersion(horizon))
	return nil
}

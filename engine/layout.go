package engine

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// Storage layout versions. A database records its layout under
// a/layout; one without the key was written before layouts were
// numbered (layout 1). Open and Restore migrate an older layout in place
// before anything reads it (migrateLayout).
//
//	1  o/{entity}/{owner}/{id} and b/{entity}/{businessUnit}/{id}: two
//	   index keys a row
//	2  o/{entity}/{businessUnit}/{owner}/{id}: one key serves both scopes
//	   (a row's business unit is its owner's)
//	3  ti/ only for the pairs marked a/ti/{entity}/{attribute}: those some
//	   published rule compares with today() (timeindexpairs.go)
//	4  pl/{entity}/{scope}/{version}: one partition-log entry per
//	   partition and command, listing its rows (partitionlog.go), instead
//	   of pl/{entity}/{scope}/{version}/{id} for each row
const (
	// LayoutVersion is the storage layout this code writes and reads.
	LayoutVersion = 4
	keyLayout     = "a/layout"
	// prefixBULegacy is layout 1's owning-business-unit index.
	prefixBULegacy = "b/"
)

// layoutOf returns the layout version a database records (1 when none).
func layoutOf(db *badger.DB) (uint64, error) {
	layout := uint64(1)
	err := db.View(func(txn *badger.Txn) error {
		return getValue(txn, []byte(keyLayout), func(v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("read layout version: %w", ErrCorrupt)
			}
			layout = decodeVersion(v)
			return nil
		})
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, err
	}
	return layout, nil
}

// migrateLayout brings the database to LayoutVersion. Each step is a
// function of the stored rows only, so replicas that migrate the same
// state hold the same bytes, and a step that stopped half way is run
// again from the start on the next open: the layout key is written last.
// A layout newer than this code fails with ErrCorrupt.
func migrateLayout(db *badger.DB) error {
	layout, err := layoutOf(db)
	if err != nil {
		return err
	}
	switch {
	case layout == LayoutVersion:
		return nil
	case layout > LayoutVersion:
		return fmt.Errorf("open database: layout %d is newer than this server's %d: %w", layout, LayoutVersion, ErrCorrupt)
	}
	if layout < 2 {
		if err := foldOwnerIndexes(db); err != nil {
			return fmt.Errorf("migrate layout %d to %d: %w", layout, LayoutVersion, err)
		}
	}
	if layout < 3 {
		if err := markTimePairs(db); err != nil {
			return fmt.Errorf("migrate layout %d to %d: %w", layout, LayoutVersion, err)
		}
	}
	if err := groupPartitionLogs(db); err != nil {
		return fmt.Errorf("migrate layout %d to %d: %w", layout, LayoutVersion, err)
	}
	return db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte(keyLayout), encodeVersion(LayoutVersion))
	})
}

// foldOwnerIndexes is the step from layout 1 to 2: it deletes every
// layout-1 owner and business-unit key and writes each live owned row's
// layout-2 owner key, as writeRow would.
func foldOwnerIndexes(db *badger.DB) error {
	wb := db.NewWriteBatch()
	defer wb.Cancel()
	err := db.View(func(txn *badger.Txn) error {
		// Layout-1 owner keys have three components after "o/", layout-2
		// ones four: only the former go.
		for _, prefix := range []string{prefixOwner, prefixBULegacy} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix)})
			for it.Rewind(); it.Valid(); it.Next() {
				k := it.Item().KeyCopy(nil)
				if prefix == prefixOwner && bytes.Count(k, []byte("/")) != 3 {
					continue
				}
				if err := wb.Delete(k); err != nil {
					it.Close()
					return err
				}
			}
			it.Close()
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixRow)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			entity := string(k[len(prefixRow):])
			slash := bytes.IndexByte([]byte(entity), '/')
			if slash < 0 {
				return fmt.Errorf("row key %q: %w", k, ErrCorrupt)
			}
			entity = entity[:slash]
			var r codec.Row
			if err := it.Item().Value(func(v []byte) error { return codec.Unmarshal(v, &r) }); err != nil {
				return fmt.Errorf("decode row %q: %w: %w", k, ErrCorrupt, err)
			}
			if r.Deleted || r.OwnerID == "" {
				continue
			}
			if err := wb.Set(ownerKey(entity, r.OwningBusinessUnit, r.OwnerID, r.ID), []byte{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return wb.Flush()
}

// markTimePairs is the step from layout 2 to 3: it marks the time-index
// pairs that the published rules compare with today() and deletes the
// time-index keys of every other pair (timeindexpairs.go). A database
// whose index was not complete yet (a/timeindex absent) gets the marked
// pairs filled in by KindBuildTimeIndex, as before.
func markTimePairs(db *badger.DB) error {
	wb := db.NewWriteBatch()
	defer wb.Cancel()
	err := db.View(func(txn *badger.Txn) error {
		sch := &Schema{}
		if err := getDecoded(txn, []byte(keyCurrent), sch); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("load schema: %w", err)
		}
		var profiles []Profile
		for _, k := range prefixKeys(txn, []byte(prefixProfile)) {
			var p Profile
			if err := getDecoded(txn, []byte(k), &p); err != nil {
				return err
			}
			profiles = append(profiles, p)
		}
		keep := map[string]bool{}
		for _, pr := range timeTermPairs(sch, profiles) {
			keep[pr[0]+"/"+pr[1]] = true
			if err := wb.Set(timeMarkKey(pr[0], pr[1]), []byte{}); err != nil {
				return err
			}
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixTime)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			rest := k[len(prefixTime):]
			e := bytes.IndexByte(rest, '/')
			a := -1
			if e >= 0 {
				a = bytes.IndexByte(rest[e+1:], '/')
			}
			if a < 0 {
				return fmt.Errorf("time-index key %q: %w", k, ErrCorrupt)
			}
			if keep[string(rest[:e+1+a])] {
				continue
			}
			if err := wb.Delete(it.Item().KeyCopy(nil)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return wb.Flush()
}

// groupPartitionLogs is the step from layout 3 to 4: the layout-3
// partition-log keys of each partition and version, one a row, become one
// layout-4 entry (partitionlog.go). An entry is written before the keys
// it replaces are deleted, and one already written (by a step that
// stopped half way) is merged with the keys left, so the step may stop
// and run again anywhere.
func groupPartitionLogs(db *badger.DB) error {
	wb := db.NewWriteBatch()
	defer wb.Cancel()
	var (
		group []byte // the layout-4 key of the entry being gathered
		rows  []partEntry
		old   [][]byte // its layout-3 keys
	)
	end := func() error {
		if len(old) == 0 {
			return nil // already a layout-4 entry, alone
		}
		if err := wb.Set(group, encodePartEntries(rows)); err != nil {
			return err
		}
		for _, k := range old {
			if err := wb.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}
	err := db.View(func(txn *badger.Txn) error {
		prefix := []byte(prefixPartition)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			p := partitionOf(k)
			if p < 0 || len(k) < p+8 || (len(k) > p+8 && (k[p+8] != '/' || len(k) == p+9)) {
				return fmt.Errorf("partition-log key %q: %w", k, ErrCorrupt)
			}
			if !bytes.Equal(k[:p+8], group) {
				if err := end(); err != nil {
					return err
				}
				group, rows, old = bytes.Clone(k[:p+8]), nil, nil
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if len(k) == p+8 { // a layout-4 entry: it sorts before its layout-3 keys
				if err := decodePartEntries(v, func(id string, prev uint64) error {
					rows = append(rows, partEntry{id, prev})
					return nil
				}); err != nil {
					return err
				}
				continue
			}
			if len(v) != 8 {
				return fmt.Errorf("partition-log key %q: value: %w", k, ErrCorrupt)
			}
			rows = append(rows, partEntry{string(k[p+9:]), decodeVersion(v)})
			old = append(old, bytes.Clone(k))
		}
		return end()
	})
	if err != nil {
		return err
	}
	return wb.Flush()
}

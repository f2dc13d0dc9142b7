package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// The sync error log is bounded so that no device can fill the disk
// through rejected mutations:
//
//   - per error: the mutation's attributes are kept only when their
//     msgpack encoding is at most MaxSyncErrorAttrBytes, and never for an
//     entity outside the user's offline profile (AttrsOmitted says which);
//     strings (entity, row id, message) are cut to maxSyncErrorText bytes;
//   - per device token: at most Settings.SyncErrorsPerDevice errors
//     (default DefaultSyncErrorsPerDevice); recording more drops that
//     device's oldest first, in log order, inside Apply;
//   - by age: a KindPrune with SyncErrorsBefore drops the errors recorded
//     before that time (the leader proposes it, replication/prune.go).
//
// Keys: e/{version}/{index} holds the error, ed/{device}/{version}/{index}
// (empty) indexes it per device.

// Bounds of the sync error log.
const (
	// MaxSyncErrorAttrBytes caps the stored attributes of one sync error
	// (their msgpack encoding, in bytes). Larger attributes are omitted.
	MaxSyncErrorAttrBytes = 4 << 10
	// DefaultSyncErrorsPerDevice is how many sync errors are kept per
	// device token when Settings.SyncErrorsPerDevice is 0.
	DefaultSyncErrorsPerDevice = 1000
	// MaxSyncErrorsPerDevice is the highest Settings.SyncErrorsPerDevice.
	MaxSyncErrorsPerDevice = 100_000
	// maxSyncErrorText caps each string a sync error keeps, in bytes.
	maxSyncErrorText = 256
)

// Why a sync error's attributes were not kept (SyncError.AttrsOmitted).
const (
	// OmittedTooLarge: their encoding was over MaxSyncErrorAttrBytes.
	OmittedTooLarge = "too_large"
	// OmittedOutsideProfile: the entity is not in the user's profile, so
	// its attributes were never validated.
	OmittedOutsideProfile = "outside_profile"
)

func syncErrorKey(version uint64, i int) []byte {
	k := binary.BigEndian.AppendUint64([]byte("e/"), version)
	return binary.BigEndian.AppendUint32(k, uint32(i))
}

func deviceErrorPrefix(device string) []byte { return []byte("ed/" + device + "/") }

func deviceErrorKey(device string, version uint64, i int) []byte {
	k := binary.BigEndian.AppendUint64(deviceErrorPrefix(device), version)
	return binary.BigEndian.AppendUint32(k, uint32(i))
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n-3]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "..."
}

// boundedSyncError is the sync error recorded for a rejected mutation m,
// within the per-error bounds. inProfile says whether m's entity is in
// the user's offline profile.
func boundedSyncError(se SyncError, inProfile bool) (SyncError, error) {
	m := se.Mutation
	m.Entity, m.RowID, m.ID = clip(m.Entity, maxSyncErrorText), clip(m.RowID, maxSyncErrorText), clip(m.ID, maxSyncErrorText)
	m.Op = MutationOp(clip(string(m.Op), 16))
	se.Message = clip(se.Message, maxSyncErrorText)
	switch {
	case !inProfile:
		m.Attrs, se.AttrsOmitted = nil, OmittedOutsideProfile
	case len(m.Attrs) > 0:
		b, err := codec.Marshal(m.Attrs)
		if err != nil {
			return se, fmt.Errorf("encode sync error attributes: %w", err)
		}
		if len(b) > MaxSyncErrorAttrBytes {
			m.Attrs, se.AttrsOmitted = nil, OmittedTooLarge
		}
	}
	se.Mutation = m
	return se, nil
}

// recordSyncErrors stores a push's sync errors (all of one device, in
// index order) and drops the device's oldest beyond its bound. Only the
// newest bound errors of this push are stored at all.
func (st *cmdState) recordSyncErrors(device string, errs []SyncError, set Settings) error {
	if len(errs) == 0 {
		return nil
	}
	limit := set.SyncErrorsPerDevice
	if limit <= 0 {
		limit = DefaultSyncErrorsPerDevice
	}
	if len(errs) > limit {
		errs = errs[len(errs)-limit:]
	}
	for i := range errs {
		if err := st.setDecoded(syncErrorKey(errs[i].Version, errs[i].Index), &errs[i]); err != nil {
			return err
		}
		st.set(deviceErrorKey(device, errs[i].Version, errs[i].Index), nil)
	}
	keys, err := st.keysWithPrefix(deviceErrorPrefix(device))
	if err != nil {
		return err
	}
	prefix := len(deviceErrorPrefix(device))
	for _, k := range keys[:max(0, len(keys)-limit)] { // sorted: oldest first
		st.del([]byte(k))
		st.del(append([]byte("e/"), k[prefix:]...))
	}
	return nil
}

// unrecordSyncError deletes one sync error and its device index entry.
func (st *cmdState) unrecordSyncError(se *SyncError) {
	st.del(syncErrorKey(se.Version, se.Index))
	st.del(deviceErrorKey(se.Device, se.Version, se.Index))
}

// pruneSyncErrors drops the sync errors recorded before before (unix
// ms), in log order, up to the first one recorded at or after it. Times
// come from the proposers' clocks, which can disagree by a little: an
// error behind a newer one waits for the next prune.
func (st *cmdState) pruneSyncErrors(before int64) error {
	if before <= 0 {
		return nil
	}
	if before > st.now && st.now > 0 {
		return invalidf("syncErrorsBefore: %d is after the command's time %d", before, st.now)
	}
	prefix := []byte("e/")
	it := st.b.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var se SyncError
		if err := it.Item().Value(func(v []byte) error { return codec.Unmarshal(v, &se) }); err != nil {
			return fmt.Errorf("prune sync errors: %w: %w", ErrCorrupt, err)
		}
		if se.Time >= before {
			break
		}
		key := it.Item().KeyCopy(nil)
		st.del(key)
		if se.Device != "" {
			st.del(append(deviceErrorPrefix(se.Device), bytes.TrimPrefix(key, prefix)...))
		}
	}
	return nil
}

// OldestSyncErrorTime returns the time of the first sync error in log
// order (what the next prune would look at), and false when there is none.
func (e *Engine) OldestSyncErrorTime() (int64, bool, error) {
	var se SyncError
	found := false
	err := e.readTxn(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("e/"), PrefetchValues: false})
		defer it.Close()
		it.Rewind()
		if !it.Valid() {
			return nil
		}
		found = true
		return it.Item().Value(func(v []byte) error { return codec.Unmarshal(v, &se) })
	})
	if err != nil {
		return 0, false, fmt.Errorf("read oldest sync error: %w", err)
	}
	return se.Time, found, nil
}

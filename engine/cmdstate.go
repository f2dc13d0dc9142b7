package engine

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// cmdState stages one command's writes. Reads see the staged writes first,
// then the batch's transaction. Nothing reaches the transaction unless the
// whole command succeeds, which makes every command all-or-nothing.
type cmdState struct {
	b       *batch
	version uint64
	now     int64
	writes  map[string][]byte // nil value: delete
	order   []string          // first-write order, for deterministic flushes
	schema  *Schema           // set when the command publishes a schema
	touched []string          // entities whose rows the command wrote
	// cursorKey is set when the command creates the cursor key.
	cursorKey []byte
	// parts names the partitions whose logs the command appended to
	// (partitionHead); partsFrom is set when it starts the logs.
	parts     map[string]struct{}
	partsFrom uint64
	// logs are the log entries the command wrote (partitiontail.go).
	logs []headEntry
	// partLogs are the command's partition-log entries, by head
	// (partitionlog.go), staged when it ends.
	partLogs map[string]*partLog
	headBuf  []byte // scratch for partition head lookups
	// summaries are the reference summaries the command read or changed
	// (partitionwrite.go), staged when it ends.
	summaries map[string]*pendingSummary
	// timeMarks caches which time-index pairs are kept
	// (timeindexpairs.go).
	timeMarks map[timePair]bool
}

// touch notes that the command wrote rows of entity.
func (st *cmdState) touch(entity string) {
	for _, e := range st.touched {
		if e == entity {
			return
		}
	}
	st.touched = append(st.touched, entity)
}

func newCmdState(b *batch, version uint64, now int64) *cmdState {
	return &cmdState{b: b, version: version, now: now, writes: map[string][]byte{}}
}

// run dispatches the command and returns its result.
func (st *cmdState) run(cmd *Command) *Result {
	res := &Result{Version: st.version}
	var err error
	switch cmd.Kind {
	case KindIngest:
		res.Rows, err = st.ingest(cmd.Records)
	case KindSetSchemaDraft:
		err = st.setDraft(cmd.Schema)
	case KindPublishSchema:
		res.MetadataVersion, err = st.publish()
	case KindPutOrg:
		err = st.putOrg(cmd.Org)
	case KindDelete:
		err = st.deleteObject(cmd.Target)
	case KindPublishProfile:
		err = st.publishProfile(cmd.Target)
	case KindSetMembers:
		err = st.setMembers(cmd.Members)
	case KindIssueToken:
		err = st.issueToken(cmd.Token)
	case KindRevokeToken:
		err = st.revokeToken(cmd.Target)
	case KindPrune:
		err = st.prune(cmd.Horizon, cmd.SyncErrorsBefore)
	case KindPush:
		res.Mutations, err = st.push(cmd.Push)
	case KindSetSettings:
		err = st.setSettings(cmd.Settings)
	case KindDeleteSyncError:
		err = st.deleteSyncError(cmd.SyncError)
	case KindReapplySyncError:
		res.Mutations, err = st.reapply(cmd.SyncError)
	case KindPutNode:
		err = st.putNode(cmd.Node)
	case KindSetCursorKey:
		err = st.setCursorKey(cmd.CursorKey)
	case KindBuildTimeIndex:
		err = st.buildTimeIndex()
	case KindStartPartitions:
		err = st.startPartitions()
	case KindRecordContexts:
		err = st.recordContexts(cmd.Contexts)
	case KindIssueAdminToken:
		err = st.issueAdminToken(cmd.AdminToken)
	case KindRevokeAdminToken:
		err = st.revokeAdminToken(cmd.Target)
	default:
		err = invalidf("command: unknown kind %d", cmd.Kind)
	}
	if err == nil && commandPublishesRules(cmd.Kind) {
		err = st.markTimeTerms()
	}
	if err == nil {
		st.flushRefSummaries()
		st.flushPartitionLogs()
	}
	if err != nil {
		res.Err = err
		res.Rows = 0
		res.MetadataVersion = 0
		st.writes, st.order, st.schema, st.touched, st.cursorKey = nil, nil, nil, nil, nil
		st.parts, st.partsFrom, st.logs, st.summaries, st.timeMarks = nil, 0, nil, nil, nil
		st.partLogs = nil
	}
	return res
}

// currentSchema is the published schema as of this command.
func (st *cmdState) currentSchema() *Schema {
	if st.schema != nil {
		return st.schema
	}
	return st.b.schema
}

func (st *cmdState) set(key []byte, val []byte) {
	st.setString(string(key), val)
}

// setOwned is set for a key the caller built for it and never touches
// again: the staged key shares its bytes instead of copying them.
func (st *cmdState) setOwned(key []byte, val []byte) {
	st.setString(unsafe.String(unsafe.SliceData(key), len(key)), val)
}

func (st *cmdState) setString(k string, val []byte) {
	if val == nil {
		val = []byte{}
	}
	n := len(st.writes)
	st.writes[k] = val // one hash of k: a new key grows the map
	if len(st.writes) != n {
		st.order = append(st.order, k)
	}
}

func (st *cmdState) setDecoded(key []byte, v any) error {
	b, err := codec.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", key, err)
	}
	st.set(key, b)
	return nil
}

func (st *cmdState) del(key []byte) {
	k := string(key)
	if _, ok := st.writes[k]; !ok {
		st.order = append(st.order, k)
	}
	st.writes[k] = nil
}

// get calls fn with the value at key as this command sees it.
func (st *cmdState) get(key []byte, fn func([]byte) error) error {
	if v, ok := st.writes[string(key)]; ok {
		if v == nil {
			return ErrNotFound
		}
		return fn(v)
	}
	if p := st.b.pipe; p != nil {
		if v, ok := p.lookup(key); ok {
			if v == nil {
				return ErrNotFound
			}
			return fn(v)
		}
		return getValue(p.snap, key, fn)
	}
	return getValue(st.b.txn, key, fn)
}

// getDecoded decodes the value at key into v, or returns ErrNotFound.
func (st *cmdState) getDecoded(key []byte, v any) error {
	return st.get(key, func(b []byte) error {
		if err := codec.Unmarshal(b, v); err != nil {
			return fmt.Errorf("decode %q: %w: %w", key, ErrCorrupt, err)
		}
		return nil
	})
}

// exists reports whether key holds a value as this command sees it.
func (st *cmdState) exists(key []byte) (bool, error) {
	err := st.get(key, func([]byte) error { return nil })
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// footprint estimates the entries and bytes the staged writes add to a
// Badger transaction.
func (st *cmdState) footprint() (count, size int64) {
	for _, k := range st.order {
		count++
		size += int64(len(k) + len(st.writes[k]) + 64)
	}
	return count, size
}

// write copies one staged write into txn. Badger only reads the key
// (it copies it into the entry it commits), so the staged string's bytes
// are handed over without a copy.
func (st *cmdState) write(txn *badger.Txn, k string) error {
	v := st.writes[k]
	key := unsafe.Slice(unsafe.StringData(k), len(k))
	if v == nil {
		return txn.Delete(key)
	}
	return txn.Set(key, v)
}

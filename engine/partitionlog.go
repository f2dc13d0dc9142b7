package engine

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Partition-log entries, layout 4. A command writes one entry per
// partition it logs to, not one per row:
//
//	pl/{entity}/{scope}/{version:be64} -> per row written: uvarint id length, id, uvarint prev
//
// the rows sorted by id, each once, prev the version of its previous
// image (0: none). An ingest of 250 rows lands in a few partitions, so
// its entries are a few keys instead of about 2.3 a row (layout 3 had
// pl/{entity}/{scope}/{version}/{id} -> prev for each).

// partEntry is one row of a partition-log entry.
type partEntry struct {
	id   string
	prev uint64
}

// partLog is a partition's rows that one command wrote.
type partLog struct {
	entity, scope, head string
	rows                []partEntry
}

// logPartition adds a row write to the command's entry for the partition
// (entity, scope) and returns the partition's head name (partitionHead),
// made once a command.
func (st *cmdState) logPartition(entity, scope, id string, prev uint64) string {
	if st.partLogs == nil {
		st.partLogs = map[string]*partLog{}
	}
	st.headBuf = append(append(append(st.headBuf[:0], entity...), '/'), scope...)
	pl := st.partLogs[string(st.headBuf)] // no string made for the lookup
	if pl == nil {
		head := partitionHead(entity, scope)
		pl = &partLog{entity: entity, scope: scope, head: head}
		st.partLogs[head] = pl
		st.touchPartition(head)
	}
	pl.rows = append(pl.rows, partEntry{id, prev})
	return pl.head
}

// flushPartitionLogs stages the command's partition-log entries, in head
// order.
func (st *cmdState) flushPartitionLogs() {
	for _, h := range slices.Sorted(maps.Keys(st.partLogs)) {
		pl := st.partLogs[h]
		st.setOwned(partitionKey(pl.entity, pl.scope, st.version), encodePartEntries(pl.rows))
	}
	st.partLogs = nil
}

// encodePartEntries encodes rows sorted by id, each id once (a row
// written twice by a command keeps its last entry; both name the same
// previous image).
func encodePartEntries(rows []partEntry) []byte {
	slices.SortStableFunc(rows, func(a, b partEntry) int { return strings.Compare(a.id, b.id) })
	n := 0
	for _, r := range rows {
		n += len(r.id) + 2*binary.MaxVarintLen64
	}
	b := make([]byte, 0, n)
	for i, r := range rows {
		if i+1 < len(rows) && rows[i+1].id == r.id {
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(r.id)))
		b = append(b, r.id...)
		b = binary.AppendUvarint(b, r.prev)
	}
	return b
}

// decodePartEntries calls fn with each row of an encoded entry.
func decodePartEntries(b []byte, fn func(id string, prev uint64) error) error {
	for len(b) > 0 {
		n, w := binary.Uvarint(b)
		if w <= 0 || n == 0 || uint64(len(b)-w) < n {
			return fmt.Errorf("decode partition-log entry: %w", ErrCorrupt)
		}
		id := string(b[w : w+int(n)])
		b = b[w+int(n):]
		prev, w := binary.Uvarint(b)
		if w <= 0 {
			return fmt.Errorf("decode partition-log entry: %w", ErrCorrupt)
		}
		b = b[w:]
		if err := fn(id, prev); err != nil {
			return err
		}
	}
	return nil
}

// scanPartitionLog calls fn for each row of a partition's log under
// prefix from seek on: the version of its entry, its id and the version
// of its previous image, in version order (ids in order within one).
func (ds *deltaState) scanPartitionLog(prefix, seek []byte, fn func(version uint64, id string, prev uint64) error) error {
	return ds.eachLogEntry(prefix, seek, func(key, rest, v []byte) error {
		if len(rest) != 8 {
			return fmt.Errorf("read partition log key %q: %w", key, ErrCorrupt)
		}
		version := binary.BigEndian.Uint64(rest)
		return decodePartEntries(v, func(id string, prev uint64) error { return fn(version, id, prev) })
	})
}

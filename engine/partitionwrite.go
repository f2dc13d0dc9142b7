package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// refSummary counts, for one target row, the live rows that look it up,
// by their owner and by their owning business unit: the partitions in
// which a change to the target is logged (see partition.go).
type refSummary map[string]uint32

// encodeRefSummary writes s sorted by scope (the bytes are part of the
// replicated state): per scope, its length, the scope and the count, as
// uvarints.
func encodeRefSummary(s refSummary) []byte {
	scopes := make([]string, 0, len(s))
	for k, n := range s {
		if n > 0 {
			scopes = append(scopes, k)
		}
	}
	slices.Sort(scopes)
	var b []byte
	for _, k := range scopes {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(s[k]))
	}
	return b
}

// decodeRefSummary parses encodeRefSummary's bytes.
func decodeRefSummary(b []byte) (refSummary, error) {
	s := refSummary{}
	for len(b) > 0 {
		n, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < n {
			return nil, fmt.Errorf("decode reference summary: %w", ErrCorrupt)
		}
		k := string(b[w : w+int(n)])
		b = b[w+int(n):]
		c, w := binary.Uvarint(b)
		if w <= 0 || c > 1<<32-1 {
			return nil, fmt.Errorf("decode reference summary: %w", ErrCorrupt)
		}
		b = b[w:]
		s[k] = uint32(c)
	}
	return s, nil
}

// partitioned reports whether this command keeps the partition logs.
func (st *cmdState) partitioned() bool {
	return st.b.partsFrom != 0 && st.version >= st.b.partsFrom
}

// refScopes is what one row write changes in the reference summaries:
// target -> scope -> count delta.
type refScopes map[string]map[string]int

// add counts n rows of entity source, with this owner and business unit,
// that look target up: under the scopes relatedScope(source, owner) and
// relatedScope(source, bu).
func (rs refScopes) add(target, source, owner, bu string, n int) {
	if target == "" {
		return
	}
	m := rs[target]
	if m == nil {
		m = map[string]int{}
		rs[target] = m
	}
	if owner != "" {
		m[relatedScope(source, owner)] += n
	}
	if bu != "" {
		m[relatedScope(source, bu)] += n
	}
}

// relatedScope names the partition of the rows that rows of entity source
// in scope look up: "{source}:{scope}".
func relatedScope(source, scope string) string {
	return source + ":" + scope
}

// applyRefScopes changes the summaries a row write changed, in target
// order. The changed summaries are kept decoded in the command's state
// and staged once, when the command ends (flushRefSummaries): a command
// that writes many rows looking up the same targets decodes and encodes
// each target's summary once, not once per row.
func (st *cmdState) applyRefScopes(rs refScopes) error {
	targets := make([]string, 0, len(rs))
	for t := range rs {
		targets = append(targets, t)
	}
	slices.Sort(targets)
	for _, t := range targets {
		changed := false
		for _, n := range rs[t] {
			changed = changed || n != 0
		}
		if !changed {
			continue
		}
		s, err := st.refSummary(t, false)
		if err != nil {
			return err
		}
		for scope, n := range rs[t] {
			c := int(s[scope]) + n
			if c < 0 {
				c = 0 // a summary built from a partial index: never below zero
			}
			s[scope] = uint32(c)
		}
		st.summaries[t].dirty = true
	}
	return nil
}

// pendingSummary is a target's reference summary as the command sees it.
type pendingSummary struct {
	s     refSummary
	dirty bool // changed by the command: staged when it ends
}

// refSummary returns a target's summary as this command sees it. The
// result is the command's own copy: applyRefScopes changes it in place.
// With readOnly, a target that has none gets nil, and nothing is kept
// for it (most rows a command writes are looked up by none: no map to
// make for each).
func (st *cmdState) refSummary(target string, readOnly bool) (refSummary, error) {
	if p, ok := st.summaries[target]; ok {
		return p.s, nil
	}
	mayHave := st.b.e.sums.mayHave(target) // else it has none (summaryfilter.go)
	if readOnly && !mayHave {
		return nil, nil
	}
	s := refSummary{}
	if mayHave {
		err := st.get(refSummaryKey(target), func(b []byte) error {
			var err error
			s, err = decodeRefSummary(b)
			return err
		})
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	if st.summaries == nil {
		st.summaries = map[string]*pendingSummary{}
	}
	st.summaries[target] = &pendingSummary{s: s}
	return s, nil
}

// flushRefSummaries stages the summaries the command changed, in target
// order (an empty one is deleted).
func (st *cmdState) flushRefSummaries() {
	targets := make([]string, 0, len(st.summaries))
	for t, p := range st.summaries {
		if p.dirty {
			targets = append(targets, t)
		}
	}
	slices.Sort(targets)
	for _, t := range targets {
		if b := encodeRefSummary(st.summaries[t].s); len(b) == 0 {
			st.del(refSummaryKey(t))
		} else {
			st.set(refSummaryKey(t), b)
			st.b.e.sums.add(t)
		}
	}
	st.summaries = nil
}

// logPartitions adds a row write to the command's entries in the logs of
// its partitions (partitionlog.go): the
// scopes of its owner and business unit before (cur, when found) and
// after, and those of the rows that look it up. prev is the version of
// the row's previous image, tombstones included (0: none).
func (st *cmdState) logPartitions(def *EntityDef, cur codec.Row, found bool, row codec.Row, prev uint64) error {
	scopes := appendScopes(nil, row.OwnerID, row.OwningBusinessUnit)
	if found {
		scopes = appendScopes(scopes, cur.OwnerID, cur.OwningBusinessUnit)
	}
	s, err := st.refSummary(row.ID, true)
	if err != nil {
		return err
	}
	for scope, n := range s {
		if n > 0 {
			scopes = appendScopes(scopes, scope)
		}
	}
	slices.Sort(scopes)
	for _, scope := range scopes {
		head := st.logPartition(def.Name, scope, row.ID, prev)
		st.logs = append(st.logs, headEntry{head, logEntry{version: st.version, prev: prev, id: row.ID}})
	}
	return nil
}

// touchPartition notes that the command moved a partition's head.
func (st *cmdState) touchPartition(head string) {
	if st.parts == nil {
		st.parts = map[string]struct{}{}
	}
	st.parts[head] = struct{}{}
}

// startPartitions runs a KindStartPartitions: it builds the reference
// summaries from the reference index of a database written before
// partitions existed, and marks the logs complete from this version on.
// On a database that has them it changes nothing.
func (st *cmdState) startPartitions() error {
	if st.b.partsFrom != 0 {
		return nil
	}
	keys, err := st.keysWithPrefix([]byte(prefixRef))
	if err != nil {
		return err
	}
	rs := refScopes{}
	type ownerBU struct{ owner, bu string }
	sources := map[string]*ownerBU{}
	for _, k := range keys {
		parts := strings.SplitN(k[len(prefixRef):], "/", 4)
		if len(parts) != 4 {
			continue
		}
		target, source, sourceID := parts[0], parts[1], parts[2]
		ob, ok := sources[source+"/"+sourceID]
		if !ok {
			row, found, err := st.readRow(source, sourceID)
			if err != nil {
				return err
			}
			if found && !row.Deleted {
				ob = &ownerBU{row.OwnerID, row.OwningBusinessUnit}
			}
			sources[source+"/"+sourceID] = ob
		}
		if ob != nil {
			rs.add(target, source, ob.owner, ob.bu, 1)
		}
	}
	if err := st.applyRefScopes(rs); err != nil {
		return err
	}
	st.set([]byte(keyPartitions), encodeVersion(st.version))
	st.partsFrom = st.version
	return nil
}

// PartitionsComplete reports whether the partition logs cover every
// write from some version on (see partition.go).
func (e *Engine) PartitionsComplete() bool { return e.partsFrom.Load() != 0 }

// prunePartitions drops the partition-log entries below horizon: a delta
// reads only entries above its cursor, and cursors below the horizon
// reload. It visits each partition once, from its oldest entry up to the
// first kept one, then seeks to the next partition.
func (st *cmdState) prunePartitions(horizon uint64) error {
	prefix := []byte(prefixPartition)
	it := st.b.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); {
		key := it.Item().Key()
		p := partitionOf(key)
		if p < 0 || len(key) < p+8 {
			return fmt.Errorf("prune partitions: key %q: %w", key, ErrCorrupt)
		}
		if binary.BigEndian.Uint64(key[p:]) < horizon {
			st.del(bytes.Clone(key))
			it.Next()
			continue
		}
		// The first key past this partition: its prefix with the
		// closing "/" replaced by the next byte.
		next := append(bytes.Clone(key[:p-1]), '/'+1)
		it.Seek(next)
	}
	return nil
}

// partitionOf returns the length of the partition prefix
// pl/{entity}/{scope}/ of a partition-log key, -1 if it has none.
func partitionOf(key []byte) int {
	n := len(prefixPartition)
	for slashes := 0; n < len(key); n++ {
		if key[n] == '/' {
			if slashes++; slashes == 2 {
				return n + 1
			}
		}
	}
	return -1
}

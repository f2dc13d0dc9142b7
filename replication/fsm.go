package replication

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	"github.com/offsync/offsync/engine"
)

// FSM feeds committed Raft log entries to the engine. It implements
// raft.BatchingFSM, so a group of entries committed together is applied in
// one Badger transaction.
type FSM struct {
	eng      *engine.Engine
	pending  *pending
	restores atomic.Uint64
	// logBytes counts the command bytes applied since the last snapshot;
	// past snapshotBytes, bigLog is signalled (see Node.snapshotLoop).
	logBytes      atomic.Int64
	snapshotBytes int64
	bigLog        chan struct{}
	// obs hears of applies and snapshots (metrics.go).
	obs observers
}

// NewFSM returns an FSM over eng.
func NewFSM(eng *engine.Engine) *FSM {
	// A pipelined batch whose commit fails stops the node, as a failed
	// apply does (see ApplyBatch).
	eng.SetCommitFailure(func(err error) { panic(fmt.Sprintf("offsync: apply raft entries: %v", err)) })
	return &FSM{eng: eng, pending: newPending(), bigLog: make(chan struct{}, 1)}
}

var _ raft.BatchingFSM = (*FSM)(nil)

// Apply applies one log entry. See ApplyBatch.
func (f *FSM) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch applies command entries with their log index as the version.
// Each response is the entry's *engine.Result (nil for configuration
// entries). A command that cannot be decoded is rejected the same way on
// every replica. A storage failure panics: the node must stop rather than
// let its state diverge, and on restart it resumes from its last committed
// version.
func (f *FSM) ApplyBatch(logs []*raft.Log) []any {
	out := make([]any, len(logs))
	entries := make([]engine.Entry, 0, len(logs))
	slots := make([]int, 0, len(logs))
	applied := f.eng.Applied()
	var size int64
	for i, l := range logs {
		if l.Type != raft.LogCommand {
			continue
		}
		if l.Index <= applied {
			// Replayed after a restart: the engine holds it already, so
			// it is not even decoded.
			out[i] = &engine.Result{Version: l.Index}
			continue
		}
		size += int64(len(l.Data))
		cmd, err := f.pending.command(l.Data)
		if err != nil {
			out[i] = &engine.Result{Version: l.Index, Err: &engine.Error{Err: engine.ErrInvalid, Msg: "command: undecodable"}}
			continue
		}
		entries = append(entries, engine.Entry{Version: l.Index, Cmd: cmd})
		slots = append(slots, i)
	}
	if len(entries) == 0 {
		return out
	}
	if f.snapshotBytes > 0 && f.logBytes.Add(size) > f.snapshotBytes {
		select {
		case f.bigLog <- struct{}{}:
		default:
		}
	}
	start := time.Now()
	// Pipelined: Badger writes one part while the next is computed
	// (fsmparts.go). Propose waits for the engine to reach a version
	// before it answers.
	done := 0
	for _, part := range applyParts(entries) {
		res, err := f.eng.ApplyPipelined(part)
		if err != nil {
			panic(fmt.Sprintf("offsync: apply raft entries %d..%d: %v", part[0].Version, part[len(part)-1].Version, err))
		}
		for _, r := range res {
			out[slots[done]] = r
			done++
		}
	}
	f.obs.apply(len(entries), time.Since(start))
	return out
}

// Snapshot captures the engine's state; Persist streams it later.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	s, err := f.eng.Snapshot()
	if err != nil {
		return nil, fmt.Errorf("snapshot engine: %w", err)
	}
	f.logBytes.Store(0)
	return &fsmSnapshot{snap: s, obs: &f.obs, start: time.Now()}, nil
}

// Restore replaces the engine's state with a snapshot.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	if err := f.eng.Restore(rc); err != nil {
		return fmt.Errorf("restore engine: %w", err)
	}
	f.restores.Add(1)
	return nil
}

// fsmSnapshot streams a Badger backup into Raft's snapshot sink.
type fsmSnapshot struct {
	snap  *engine.Snapshot
	obs   *observers
	start time.Time
}

// Persist writes the snapshot to sink.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := s.snap.WriteTo(sink); err != nil {
		sink.Cancel()
		return fmt.Errorf("persist snapshot: %w", err)
	}
	if err := sink.Close(); err != nil {
		return err
	}
	s.obs.snapshot(time.Since(s.start))
	return nil
}

// Release does nothing: the snapshot holds no resources.
func (s *fsmSnapshot) Release() {}

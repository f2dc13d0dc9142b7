// Package replication runs hashicorp/raft around the engine: the FSM that
// feeds committed log entries to engine.ApplyBatch with the Raft log index
// as the version, the on-disk log store (raft-boltdb), snapshots that
// stream the Badger state, and the Node that proposes commands.
//
// A single node is a one-voter cluster: the single-node path is the cluster
// path. Group commit comes from raft's BatchApplyCh: concurrent proposals
// are written to the log store in one fsync and applied to Badger in one
// transaction, while each keeps its own log index (and so its own version).
//
// On restart the engine resumes from its own persisted applied index
// (NoSnapshotRestoreOnStart): raft replays the log entries after its last
// snapshot and the engine skips those it already holds. A snapshot is
// restored only when the engine is behind it.
//
// This package holds no business rules.
package replication

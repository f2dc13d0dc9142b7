package replication

import (
	"fmt"

	"github.com/hashicorp/raft"
)

// A node bootstrapped over an engine that already holds data (restored
// from a backup by offsync restore, or whose Raft directory was lost)
// must not start a Raft log at index 1: versions are log indexes, and the
// FSM skips every entry at or below the engine's applied version, so each
// new write would be dropped until the log passed it. bootstrapAt instead
// starts the cluster from a Raft snapshot of the engine at its applied
// version: Raft then appends the next entry after it, the snapshot carries
// the first configuration, and a node that joins later installs it.

// keyCurrentTerm is the stable-store key hashicorp/raft keeps its current
// term under (raft.BootstrapCluster sets it to 1 too).
var keyCurrentTerm = []byte("CurrentTerm")

// bootstrapAt forms a one-voter cluster whose log starts after the
// engine's applied version.
func (n *Node) bootstrapAt(snaps raft.SnapshotStore, conf raft.Configuration) error {
	snap, err := n.eng.Snapshot()
	if err != nil {
		return fmt.Errorf("bootstrap cluster: %w", err)
	}
	index := snap.Applied()
	const term = 1
	sink, err := snaps.Create(raft.SnapshotVersionMax, index, term, conf, index, n.trans)
	if err != nil {
		return fmt.Errorf("bootstrap cluster: create snapshot: %w", err)
	}
	if _, err := snap.WriteTo(sink); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("bootstrap cluster: %w", err)
	}
	if err := sink.Close(); err != nil {
		return fmt.Errorf("bootstrap cluster: close snapshot: %w", err)
	}
	if err := n.store.SetUint64(keyCurrentTerm, term); err != nil {
		return fmt.Errorf("bootstrap cluster: save term: %w", err)
	}
	n.log.Info("bootstrapped a new cluster at the engine's version", "version", index)
	return nil
}

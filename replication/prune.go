package replication

import (
	"context"
	"time"

	"github.com/offsync/offsync/engine"
)

// pruneLoop lets the leader keep the log and the indexes: every
// PruneInterval it builds the time index if a database written before it
// existed lacks it (BuildTimeIndexOnce), starts the partition logs
// likewise (StartPartitionsOnce), and proposes pruning when
// the change-log history passes RetainVersions by a tenth, or the oldest
// sync error is older than SyncErrorRetention.
// Pruning goes through the log like every change, so every node prunes
// the same entries at the same version.
func (n *Node) pruneLoop() {
	defer close(n.done)
	interval := n.cfg.PruneInterval
	if interval <= 0 {
		interval = DefaultPruneInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		if err := n.BuildTimeIndexOnce(context.Background()); err != nil {
			n.log.Warn("build time index", "err", err)
		}
		if err := n.StartPartitionsOnce(context.Background()); err != nil {
			n.log.Warn("start partitions", "err", err)
		}
		if n.cfg.RetainVersions == 0 && n.cfg.SyncErrorRetention == 0 {
			continue
		}
		if err := n.PruneOnce(context.Background()); err != nil {
			n.log.Warn("prune", "err", err)
		}
	}
}

// BuildTimeIndexOnce proposes KindBuildTimeIndex when this node leads and
// the engine's time index does not cover every row yet (a database
// written before the index existed): until it does, deltas across a day
// boundary under a today() filter reload.
func (n *Node) BuildTimeIndexOnce(ctx context.Context) error {
	if !n.IsLeader() || n.eng.TimeIndexComplete() {
		return nil
	}
	res, err := n.Propose(ctx, &engine.Command{Kind: engine.KindBuildTimeIndex, Now: time.Now().UnixMilli()})
	if err != nil {
		return err
	}
	return res.Err
}

// StartPartitionsOnce proposes KindStartPartitions when this node leads
// and the engine keeps no partition logs yet (a database written before
// they existed): until then, and for cursors older than the start,
// deltas read the whole change log of the profile's entities.
func (n *Node) StartPartitionsOnce(ctx context.Context) error {
	if !n.IsLeader() || n.eng.PartitionsComplete() {
		return nil
	}
	res, err := n.Propose(ctx, &engine.Command{Kind: engine.KindStartPartitions, Now: time.Now().UnixMilli()})
	if err != nil {
		return err
	}
	return res.Err
}

// PruneOnce proposes a prune when this node leads and there is something
// to prune: change-log history more than RetainVersions plus a tenth
// long (pruned to RetainVersions), or sync errors recorded more than
// SyncErrorRetention ago. The horizons travel in the command, so applying
// it reads no clock.
func (n *Node) PruneOnce(ctx context.Context) error {
	if !n.IsLeader() {
		return nil
	}
	now := time.Now().UnixMilli()
	cmd := &engine.Command{Kind: engine.KindPrune, Now: now}
	keep := n.cfg.RetainVersions
	applied, horizon := n.eng.Applied(), n.eng.Horizon()
	if keep > 0 && applied >= keep && applied-keep > horizon+keep/10 {
		cmd.Horizon = applied - keep
	}
	if ret := n.cfg.SyncErrorRetention; ret > 0 {
		before := now - ret.Milliseconds()
		oldest, ok, err := n.eng.OldestSyncErrorTime()
		if err != nil {
			return err
		}
		if ok && oldest < before {
			cmd.SyncErrorsBefore = before
		}
	}
	if cmd.Horizon == 0 && cmd.SyncErrorsBefore == 0 {
		return nil
	}
	res, err := n.Propose(ctx, cmd)
	if err != nil {
		return err
	}
	return res.Err
}

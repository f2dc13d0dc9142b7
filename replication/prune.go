package replication

import (
	"context"
	"time"

	"github.com/offsync/offsync/engine"
)

// pruneLoop lets the leader propose change-log pruning: every
// PruneInterval, when the history passes RetainVersions by a tenth, it
// proposes a prune to keep RetainVersions versions. Pruning goes through
// the log like every change, so every node prunes at the same version.
func (n *Node) pruneLoop() {
	defer close(n.done)
	if n.cfg.RetainVersions == 0 {
		<-n.stop
		return
	}
	t := time.NewTicker(n.cfg.PruneInterval)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		if err := n.PruneOnce(context.Background()); err != nil {
			n.log.Warn("prune change log", "err", err)
		}
	}
}

// PruneOnce proposes a prune when this node leads and the history is more
// than RetainVersions plus a tenth long.
func (n *Node) PruneOnce(ctx context.Context) error {
	keep := n.cfg.RetainVersions
	applied, horizon := n.eng.Applied(), n.eng.Horizon()
	if !n.IsLeader() || keep == 0 || applied < keep || applied-keep <= horizon+keep/10 {
		return nil
	}
	res, err := n.Propose(ctx, &engine.Command{Kind: engine.KindPrune, Horizon: applied - keep})
	if err != nil {
		return err
	}
	return res.Err
}

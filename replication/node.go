package replication

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"github.com/offsync/offsync/engine"
)

// Node is one member of the Raft cluster around an engine.
type Node struct {
	cfg    Config
	eng    *engine.Engine
	raft   *raft.Raft
	fsm    *FSM
	store  *raftboltdb.BoltStore
	stable *stableStore // Raft's stable store: store, safe to close
	trans  *raft.NetworkTransport
	layer  *streamLayer
	log    *slog.Logger
	closed atomic.Bool
	stop   chan struct{} // closed by Close: background loops end
	done   chan struct{} // closed when pruneLoop has ended
	// snapDone is closed when snapshotLoop has ended.
	snapDone chan struct{}
}

// Open starts Raft for eng. With cfg.Bootstrap and no existing Raft state
// it forms a one-voter cluster. eng must stay open until Close.
func Open(cfg Config, eng *engine.Engine) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create raft dir: %w", err)
	}
	hlog := newHCLogger(logger, "raft", cfg.RaftLogLevel)
	store, err := OpenLogStore(cfg)
	if err != nil {
		return nil, err
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, cfg.SnapshotRetain, hlog)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("open snapshot store: %w", err)
	}
	trans, layer, err := newTransport(cfg, hlog, logger)
	if err != nil {
		store.Close()
		return nil, err
	}
	n := &Node{cfg: cfg, eng: eng, store: store, stable: &stableStore{s: store}, trans: trans, layer: layer, log: logger, fsm: NewFSM(eng)}
	n.fsm.snapshotBytes = cfg.SnapshotBytes
	if err := n.catchUpFromSnapshot(snaps); err != nil {
		n.closeStores()
		return nil, err
	}
	rc := cfg.RaftConfig(hlog)
	existing, err := raft.HasExistingState(store, n.stable, snaps)
	if err != nil {
		n.closeStores()
		return nil, fmt.Errorf("read raft state: %w", err)
	}
	if cfg.Bootstrap && !existing {
		conf := raft.Configuration{Servers: []raft.Server{{ID: rc.LocalID, Address: trans.LocalAddr()}}}
		if eng.Applied() > 0 { // restored: the log starts after it (bootstrap.go)
			if err := n.bootstrapAt(snaps, conf); err != nil {
				n.closeStores()
				return nil, err
			}
		} else if err := raft.BootstrapCluster(rc, store, n.stable, snaps, trans, conf); err != nil {
			n.closeStores()
			return nil, fmt.Errorf("bootstrap cluster: %w", err)
		}
	}
	r, err := raft.NewRaft(rc, n.fsm, store, n.stable, snaps, trans)
	if err != nil {
		n.closeStores()
		return nil, fmt.Errorf("start raft: %w", err)
	}
	n.raft = r
	keep := n.keepDialing
	layer.keep.Store(&keep)
	n.stop = make(chan struct{})
	n.done = make(chan struct{})
	n.snapDone = make(chan struct{})
	go n.pruneLoop()
	go n.snapshotLoop()
	if cfg.LogPageOut {
		if last, err := store.LastIndex(); err == nil {
			go n.pageOutReplayedLog(last)
		}
	}
	return n, nil
}

// RaftConfig is the raft.Config a Node with c runs, logging to hlog.
func (c Config) RaftConfig(hlog hclog.Logger) *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(c.NodeID)
	rc.Logger = hlog
	rc.HeartbeatTimeout = c.HeartbeatTimeout
	rc.ElectionTimeout = c.ElectionTimeout
	rc.LeaderLeaseTimeout = c.LeaderLeaseTimeout
	rc.CommitTimeout = c.CommitTimeout
	rc.PreVoteDisabled = !c.PreVote
	rc.MaxAppendEntries = c.MaxAppendEntries
	rc.BatchApplyCh = true
	rc.SnapshotThreshold = c.SnapshotThreshold
	rc.SnapshotInterval = c.SnapshotInterval
	rc.TrailingLogs = c.TrailingLogs
	rc.NoSnapshotRestoreOnStart = true
	return rc
}

// catchUpFromSnapshot restores the newest snapshot when the engine is
// behind it (for example after its Badger directory was lost): Raft will
// not restore it itself, and the log before it is compacted away.
func (n *Node) catchUpFromSnapshot(snaps raft.SnapshotStore) error {
	metas, err := snaps.List()
	if err != nil {
		return fmt.Errorf("list snapshots: %w", err)
	}
	if len(metas) == 0 || metas[0].Index <= n.eng.Applied() {
		return nil
	}
	n.log.Warn("engine is behind the newest snapshot; restoring it", "applied", n.eng.Applied(), "snapshot", metas[0].Index)
	_, rc, err := snaps.Open(metas[0].ID)
	if err != nil {
		return fmt.Errorf("open snapshot: %w", err)
	}
	return n.fsm.Restore(rc)
}

// Propose replicates cmd and waits until it is applied here, returning the
// engine's result. A rejected command comes back as a Result with Err set,
// not as an error.
func (n *Node) Propose(ctx context.Context, cmd *engine.Command) (*engine.Result, error) {
	if n.closed.Load() {
		return nil, ErrClosed
	}
	data, nonce, err := n.fsm.pending.encode(cmd)
	if err != nil {
		return nil, err
	}
	timeout := n.cfg.ApplyTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = time.Until(dl)
	}
	f := n.raft.Apply(data, timeout)
	if err := f.Error(); err != nil {
		n.fsm.pending.forget(nonce)
		switch {
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
			return nil, fmt.Errorf("propose command: %w", ErrNotLeader) // not in the log
		case errors.Is(err, raft.ErrEnqueueTimeout), errors.Is(err, raft.ErrLeadershipLost):
			// In the log or not: it may still commit.
			return nil, fmt.Errorf("propose command: %w", ErrTimeout)
		case errors.Is(err, raft.ErrRaftShutdown):
			return nil, fmt.Errorf("propose command: %w", ErrClosed)
		}
		return nil, fmt.Errorf("propose command: %w", err)
	}
	res, ok := f.Response().(*engine.Result)
	if !ok {
		return nil, fmt.Errorf("propose command: unexpected response %T", f.Response())
	}
	// The FSM applies pipelined: the command is in memory, and becomes
	// visible to reads (and durable in Badger) once its batch commits.
	// Answer only then, so a client reads its own write on this node.
	if err := n.WaitApplied(ctx, res.Version); err != nil {
		return nil, fmt.Errorf("propose command: %w", err)
	}
	return res, nil
}

// WaitLeader waits until the cluster has a leader or ctx ends.
func (n *Node) WaitLeader(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if addr, _ := n.raft.LeaderWithID(); addr != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for leader: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// Ready reports whether the node can serve: it knows a leader and has
// applied everything it knows to be committed.
func (n *Node) Ready() bool {
	if n.closed.Load() {
		return false
	}
	if addr, _ := n.raft.LeaderWithID(); addr == "" {
		return false
	}
	return n.raft.AppliedIndex() >= n.raft.CommitIndex()
}

// IsLeader reports whether this node is the leader.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// Engine returns the engine this node applies to.
func (n *Node) Engine() *engine.Engine { return n.eng }

// Close shuts Raft down and closes the log store. It does not close the
// engine.
func (n *Node) Close() error {
	if n.closed.Swap(true) {
		return nil
	}
	close(n.stop)
	n.layer.close()
	<-n.done
	<-n.snapDone
	err := n.raft.Shutdown().Error()
	if cerr := n.closeStores(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close node: %w", err)
	}
	return nil
}

// keepDialing says whether a failed Raft dial to addr is worth trying
// again (see streamLayer.Dial): this node leads, and addr is a member.
func (n *Node) keepDialing(addr string) bool {
	if n.closed.Load() || n.raft.State() != raft.Leader {
		return false
	}
	for _, s := range n.raft.GetConfiguration().Configuration().Servers {
		if string(s.Address) == addr && s.ID != raft.ServerID(n.cfg.NodeID) {
			return true
		}
	}
	return false
}

func (n *Node) closeStores() error {
	terr := n.trans.Close()
	n.stable.close()
	serr := n.store.Close()
	if serr != nil {
		return serr
	}
	return terr
}

package replication

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"
	"github.com/offsync/offsync/engine"
)

// Recovery from a lost quorum. When most voters are gone for good, the
// survivors cannot elect a leader and nothing can change the
// configuration through the log. Recover rewrites a stopped node's Raft
// state offline, as hashicorp/raft's peers.json recovery does: it applies
// every entry of the node's log to the engine (the committed ones and any
// uncommitted tail), takes a snapshot that holds the new configuration,
// and compacts the log behind it. Started again, the node is a member of
// that configuration only; with itself as the only voter it elects itself.

// ReadPeers reads a peers file in hashicorp/raft's peers.json format:
//
//	[{"id": "n1", "address": "10.0.0.1:7071", "non_voter": false}]
func ReadPeers(path string) ([]Member, error) {
	conf, err := raft.ReadConfigJSON(path)
	if err != nil {
		return nil, fmt.Errorf("read peers: %w", err)
	}
	out := make([]Member, 0, len(conf.Servers))
	for _, s := range conf.Servers {
		out = append(out, Member{ID: string(s.ID), Address: string(s.Address), Voter: s.Suffrage == raft.Voter})
	}
	return out, nil
}

// Recover replaces the Raft configuration of the stopped node whose Raft
// state is in cfg.Dir (and whose engine is eng) with peers, which must
// list cfg.NodeID as a voter. Run it on one survivor only (the one with
// the highest last log index, so that no acknowledged write is lost), and
// let the other members join it afterwards with empty data directories.
func Recover(cfg Config, eng *engine.Engine, peers []Member) error {
	if cfg.NodeID == "" || cfg.Dir == "" {
		return fmt.Errorf("recover cluster: NodeID and Dir must be set: %w", ErrInvalid)
	}
	conf := raft.Configuration{}
	self := false
	for _, p := range peers {
		s := raft.Server{ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Address), Suffrage: raft.Nonvoter}
		if p.Voter {
			s.Suffrage = raft.Voter
		}
		self = self || (p.ID == cfg.NodeID && p.Voter)
		conf.Servers = append(conf.Servers, s)
	}
	if !self {
		return fmt.Errorf("recover cluster: the peers must list this node (%s) as a voter: %w", cfg.NodeID, ErrInvalid)
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, logStoreFile)); err != nil {
		return fmt.Errorf("recover cluster: no Raft state in %s: %w", cfg.Dir, ErrInvalid)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	hlog := newHCLogger(logger, "raft", cfg.RaftLogLevel)
	store, err := OpenLogStore(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, max(cfg.SnapshotRetain, 1), hlog)
	if err != nil {
		return fmt.Errorf("open snapshot store: %w", err)
	}
	rc := raft.DefaultConfig()
	rc.LocalID, rc.Logger = raft.ServerID(cfg.NodeID), hlog
	_, trans := raft.NewInmemTransport("")
	fsm := &recoverFSM{FSM: NewFSM(eng), snaps: snaps}
	if err := raft.RecoverCluster(rc, fsm, store, store, snaps, trans, conf); err != nil {
		return fmt.Errorf("recover cluster: %w", err)
	}
	return nil
}

// recoverFSM skips restoring the newest snapshot when the engine already
// holds it (the engine keeps its own state across restarts; see
// Config.NoSnapshotRestoreOnStart in Config.RaftConfig): RecoverCluster then
// applies only the entries the engine has not applied yet.
type recoverFSM struct {
	*FSM
	snaps raft.SnapshotStore
}

// Restore restores the snapshot unless the engine is at or past the newest.
func (f *recoverFSM) Restore(rc io.ReadCloser) error {
	metas, err := f.snaps.List()
	if err == nil && len(metas) > 0 && metas[0].Index <= f.eng.Applied() {
		return rc.Close()
	}
	return f.FSM.Restore(rc)
}

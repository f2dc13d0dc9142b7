package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// The ceiling of BenchmarkIngest: the same proposals through the same
// Raft (one voter, the node's raft.Config and log store) into an FSM that
// does no more than the Badger baseline does, one key a row, in one
// transaction a batch of entries. No validation, no current-row reads, no
// change log, indexes or partition logs: what no engine on this Raft can
// beat. The full path's distance to it is the engine's; the ceiling's
// distance to raw Badger is Raft's (encoding the proposal, the log
// store's writes, decoding the entry, the hand-off between goroutines).

// oneKeyFSM applies ingest entries as the baseline writes rows.
type oneKeyFSM struct {
	db *badger.DB
}

var _ raft.BatchingFSM = (*oneKeyFSM)(nil)

// Apply applies one entry. See ApplyBatch.
func (f *oneKeyFSM) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch writes the records of every command entry under their row
// keys in one Badger transaction (split when Badger says it is too big).
// Each response is nil or the error that stopped the batch.
func (f *oneKeyFSM) ApplyBatch(logs []*raft.Log) []any {
	out := make([]any, len(logs))
	fail := func(err error) []any {
		for i := range out {
			out[i] = err
		}
		return out
	}
	txn := f.db.NewTransaction(true)
	defer func() { txn.Discard() }()
	set := func(k, v []byte) error {
		err := txn.Set(k, v)
		if !errors.Is(err, badger.ErrTxnTooBig) {
			return err
		}
		if err := txn.Commit(); err != nil {
			return err
		}
		txn = f.db.NewTransaction(true)
		return txn.Set(k, v)
	}
	for _, l := range logs {
		if l.Type != raft.LogCommand {
			continue
		}
		cmd, err := engine.DecodeCommand(l.Data)
		if err != nil {
			return fail(err)
		}
		for _, rec := range cmd.Records {
			row := codec.Row{ID: rec.ID, OwnerID: rec.OwnerID, CreatedOn: cmd.Now, ModifiedOn: cmd.Now, Version: l.Index, Attrs: rec.Attrs}
			v, err := codec.Marshal(&row)
			if err != nil {
				return fail(err)
			}
			if err := set([]byte("r/"+rec.Entity+"/"+rec.ID), v); err != nil {
				return fail(fmt.Errorf("write row: %w", err))
			}
		}
	}
	if err := txn.Commit(); err != nil {
		return fail(fmt.Errorf("commit rows: %w", err))
	}
	return out
}

// Snapshot is not supported: the ceiling's runs are too short for one.
func (f *oneKeyFSM) Snapshot() (raft.FSMSnapshot, error) {
	return nil, errors.New("snapshot one-key fsm: not supported")
}

// Restore is not supported (see Snapshot).
func (f *oneKeyFSM) Restore(rc io.ReadCloser) error {
	rc.Close()
	return errors.New("restore one-key fsm: not supported")
}

// ceilingNode is one Raft node of the ceiling: a oneKeyFSM over its own
// Badger, the node's log store, a loopback TCP transport.
type ceilingNode struct {
	db    *badger.DB
	store io.Closer
	trans *raft.NetworkTransport
	raft  *raft.Raft
}

// openCeilingNode opens a node in dir configured as replication.Node
// configures one (with the timeouts given), bootstrapping a one-voter
// cluster when asked.
func openCeilingNode(dir, id string, bootstrap bool, timeout time.Duration) (*ceilingNode, error) {
	ec := engine.DefaultConfig(filepath.Join(dir, "engine"))
	db, err := badger.Open(badger.DefaultOptions(ec.Dir).WithLogger(nil).WithMemTableSize(ec.MemTableSize).
		WithBlockCacheSize(ec.BlockCacheSize).WithMetricsEnabled(false).WithDetectConflicts(false))
	if err != nil {
		return nil, fmt.Errorf("open badger: %w", err)
	}
	n := &ceilingNode{db: db}
	rc := replication.DefaultConfig(id, filepath.Join(dir, "raft"))
	rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = timeout, timeout, min(timeout, time.Second)
	if err := os.MkdirAll(rc.Dir, 0o700); err != nil {
		n.close()
		return nil, fmt.Errorf("create raft dir: %w", err)
	}
	store, err := replication.OpenLogStore(rc)
	if err != nil {
		n.close()
		return nil, err
	}
	n.store = store
	if n.trans, err = raft.NewTCPTransport("127.0.0.1:0", nil, 3, 10*time.Second, io.Discard); err != nil {
		n.close()
		return nil, fmt.Errorf("open transport: %w", err)
	}
	conf := rc.RaftConfig(hclog.NewNullLogger())
	snaps := raft.NewDiscardSnapshotStore()
	if bootstrap {
		err := raft.BootstrapCluster(conf, store, store, snaps, n.trans,
			raft.Configuration{Servers: []raft.Server{{ID: conf.LocalID, Address: n.trans.LocalAddr()}}})
		if err != nil {
			n.close()
			return nil, fmt.Errorf("bootstrap ceiling: %w", err)
		}
	}
	if n.raft, err = raft.NewRaft(conf, &oneKeyFSM{db: db}, store, store, snaps, n.trans); err != nil {
		n.close()
		return nil, fmt.Errorf("start ceiling raft: %w", err)
	}
	return n, nil
}

// close stops the node and closes its stores.
func (n *ceilingNode) close() {
	if n.raft != nil {
		n.raft.Shutdown().Error()
	}
	if n.trans != nil {
		n.trans.Close()
	}
	if n.store != nil {
		n.store.Close()
	}
	n.db.Close()
}

// openCeilingCluster opens n ceiling nodes under dir: the first
// bootstraps and leads, the others join it as voters.
func openCeilingCluster(ctx context.Context, dir string, n int) ([]*ceilingNode, func(), error) {
	// One voter elects itself after a heartbeat timeout; a cluster on
	// two cores gets openLoopCluster's longer timeouts.
	timeout := 100 * time.Millisecond
	if n > 1 {
		timeout = 2 * time.Second
	}
	var nodes []*ceilingNode
	closeAll := func() {
		for i := len(nodes) - 1; i >= 0; i-- {
			nodes[i].close()
		}
	}
	for i := range n {
		id := fmt.Sprintf("c%d", i+1)
		node, err := openCeilingNode(filepath.Join(dir, id), id, i == 0, timeout)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		nodes = append(nodes, node)
		if i == 0 {
			err = waitLeader(ctx, node.raft)
		} else {
			err = nodes[0].raft.AddVoter(raft.ServerID(id), node.trans.LocalAddr(), 0, 10*time.Second).Error()
		}
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("open ceiling cluster: %w", err)
		}
	}
	return nodes, closeAll, nil
}

// timeCeiling times batches proposed to the leader of an n-node ceiling
// cluster under dir by writers concurrent writers, until the last is
// acknowledged, and returns the process CPU time they took.
func timeCeiling(ctx context.Context, dir string, n, writers int, batches [][]codec.Record) (took, cpu time.Duration, err error) {
	nodes, closeAll, err := openCeilingCluster(ctx, dir, n)
	if err != nil {
		return 0, 0, err
	}
	defer closeAll()
	r := nodes[0].raft
	now := time.Now().UnixMilli()
	cpu0, _ := processCPU()
	took, err = proposeBatches(writers, batches, func(recs []codec.Record) error {
		return proposeRaw(r, &engine.Command{Kind: engine.KindIngest, Now: now, Records: recs})
	})
	return took, cpuSince(cpu0), err
}

// proposeRaw encodes cmd as replication.Node does and applies it.
func proposeRaw(r *raft.Raft, cmd *engine.Command) error {
	b, err := engine.EncodeCommand(cmd)
	if err != nil {
		return err
	}
	f := r.Apply(b, 0)
	if err := f.Error(); err != nil {
		return err
	}
	if err, ok := f.Response().(error); ok {
		return err
	}
	return nil
}

// waitLeader waits until r leads.
func waitLeader(ctx context.Context, r *raft.Raft) error {
	return poll(ctx, "leader", func() (bool, error) {
		if r.State() == raft.Shutdown {
			return false, raft.ErrRaftShutdown
		}
		return r.State() == raft.Leader, nil
	})
}

// Package clustertest runs an in-process Raft cluster of offsync nodes on
// loopback, for tests: nodes can be stopped, restarted, added and cut off
// from each other (through replication.Gate, which sits in the real TCP
// transport), and EnsureSame checks that every node holds the same
// database. It plays the part hashicorp/raft's testing.go plays there.
package clustertest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// Timing for test clusters: fast elections on loopback, with room for a
// loaded machine running tests under the race detector.
const (
	HeartbeatTimeout = 250 * time.Millisecond
	ElectionTimeout  = 250 * time.Millisecond
	LeaderLease      = 125 * time.Millisecond
	// WaitTimeout bounds every wait of the harness.
	WaitTimeout = 20 * time.Second
)

// Cluster is a set of in-process nodes, each with its own engine, data
// directory and Raft address.
type Cluster struct {
	t    testing.TB
	tune func(i int, c *replication.Config)
	base string
	// log collects every node's Raft warnings; Close prints its end
	// when the test failed.
	log     *slog.Logger
	logFile *os.File
	mu      sync.Mutex
	nodes   []*member
}

// member is one node slot: the node may be stopped and started again with
// the same directory and address.
type member struct {
	id   string
	dir  string
	addr string // fixed after the first start
	gate *replication.Gate
	eng  *engine.Engine
	node *replication.Node
	// use is held (read) by Use while it runs an operation on the node,
	// and by Stop while it closes it.
	use sync.RWMutex
}

// New starts n voters: node 0 bootstraps the cluster and the others join
// it. tune (may be nil) adjusts each node's config before it opens. The
// cluster is closed at the test's cleanup.
func New(t testing.TB, n int, tune func(i int, c *replication.Config)) *Cluster {
	t.Helper()
	c := &Cluster{t: t, tune: tune, base: t.TempDir()}
	f, err := os.Create(filepath.Join(c.base, "raft.log"))
	if err != nil {
		t.Fatal(err)
	}
	c.logFile, c.log = f, slog.New(slog.NewTextHandler(f, nil))
	t.Cleanup(c.Close) // after TempDir's: cleanups run last-registered first
	c.nodes = append(c.nodes, c.newMember(0))
	c.start(0, true)
	c.Leader()
	for i := 1; i < n; i++ {
		c.Add(true)
	}
	return c
}

func (c *Cluster) newMember(i int) *member {
	return &member{id: fmt.Sprintf("n%d", i+1), dir: filepath.Join(c.base, fmt.Sprintf("n%d", i+1)), gate: replication.NewGate()}
}

// start opens slot i's engine and node.
func (c *Cluster) start(i int, bootstrap bool) {
	c.t.Helper()
	m := c.nodes[i]
	ecfg := engine.DefaultConfig(filepath.Join(m.dir, "engine"))
	ecfg.MemTableSize, ecfg.BlockCacheSize = 16<<20, 1<<20
	eng, err := engine.Open(ecfg)
	if err != nil {
		c.t.Fatalf("open engine %s: %v", m.id, err)
	}
	cfg := replication.DefaultConfig(m.id, filepath.Join(m.dir, "raft"))
	cfg.RaftAddr, cfg.Bootstrap, cfg.Gate = "127.0.0.1:0", bootstrap, m.gate
	cfg.Logger = c.log.With("node", m.id)
	if m.addr != "" {
		cfg.RaftAddr = m.addr
	}
	cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = HeartbeatTimeout, ElectionTimeout, LeaderLease
	if c.tune != nil {
		c.tune(i, &cfg)
	}
	node, err := replication.Open(cfg, eng)
	if err != nil {
		eng.Close()
		c.t.Fatalf("open node %s: %v", m.id, err)
	}
	c.mu.Lock()
	m.eng, m.node, m.addr = eng, node, node.RaftAddr()
	c.mu.Unlock()
}

// Add starts a new node and adds it to the cluster through the leader, as
// a voter or a non-voter. It returns the node's index.
func (c *Cluster) Add(voter bool) int {
	c.t.Helper()
	c.mu.Lock()
	i := len(c.nodes)
	c.nodes = append(c.nodes, c.newMember(i))
	c.mu.Unlock()
	c.start(i, false)
	m := c.nodes[i]
	c.retry(fmt.Sprintf("add %s", m.id), func() error {
		if voter {
			return c.Leader().Join(m.id, m.addr, 5*time.Second)
		}
		return c.Leader().AddNonvoter(m.id, m.addr, 5*time.Second)
	})
	return i
}

// Len is the number of node slots, running or not.
func (c *Cluster) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.nodes)
}

// Node returns node i, or nil while it is stopped.
func (c *Cluster) Node(i int) *replication.Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i].node
}

// ErrStopped is what Use returns for a stopped node.
var ErrStopped = errors.New("node stopped")

// Use runs fn on node i, which Stop cannot close meanwhile, or returns
// ErrStopped. Operations that may race with Stop go through it. fn must
// not call Use itself.
func (c *Cluster) Use(i int, fn func(*replication.Node) error) error {
	c.mu.Lock()
	m := c.nodes[i]
	c.mu.Unlock()
	m.use.RLock()
	defer m.use.RUnlock()
	c.mu.Lock()
	n := m.node
	c.mu.Unlock()
	if n == nil {
		return ErrStopped
	}
	return fn(n)
}

// ID is node i's Raft id.
func (c *Cluster) ID(i int) string { return c.nodes[i].id }

// Index returns the slot of n, or -1.
func (c *Cluster) Index(n *replication.Node) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, m := range c.nodes {
		if m.node == n {
			return i
		}
	}
	return -1
}

// Stop shuts node i down (its engine too), keeping its directory.
func (c *Cluster) Stop(i int) {
	c.t.Helper()
	c.mu.Lock()
	m := c.nodes[i]
	c.mu.Unlock()
	m.use.Lock() // wait for operations running through Use
	defer m.use.Unlock()
	c.mu.Lock()
	node, eng := m.node, m.eng
	m.node, m.eng = nil, nil
	c.mu.Unlock()
	if node == nil {
		return
	}
	if err := node.Close(); err != nil {
		c.t.Logf("stop %s: %v", m.id, err)
	}
	if err := eng.Close(); err != nil {
		c.t.Errorf("close engine %s: %v", m.id, err)
	}
}

// Restart starts a stopped node again from its directory, at the same
// address: it rejoins the cluster from its persisted Raft state.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	c.start(i, false)
}

// Close stops every node. When the test failed it prints the end of the
// nodes' Raft log.
func (c *Cluster) Close() {
	for i := range c.nodes {
		c.Stop(i)
	}
	c.logFile.Close()
	if c.t.Failed() {
		b, _ := os.ReadFile(c.logFile.Name())
		lines := strings.Split(string(b), "\n")
		c.t.Logf("last Raft log lines:\n%s", strings.Join(lines[max(0, len(lines)-60):], "\n"))
	}
}

// retry runs fn until it succeeds or WaitTimeout passes.
func (c *Cluster) retry(what string, fn func() error) {
	c.t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// errNoLeader is what Leader retries on.
var errNoLeader = errors.New("no single leader")

// Leader waits until exactly one running node leads and returns it.
func (c *Cluster) Leader() *replication.Node {
	c.t.Helper()
	var leader *replication.Node
	c.retry("wait for a leader", func() error {
		leader = nil
		for i := 0; i < c.Len(); i++ {
			if n := c.Node(i); n != nil && n.IsLeader() {
				if leader != nil {
					return errNoLeader
				}
				leader = n
			}
		}
		if leader == nil {
			return errNoLeader
		}
		return nil
	})
	return leader
}

// Propose proposes cmd through the current leader, retrying while
// leadership moves, and fails the test if the command is rejected.
func (c *Cluster) Propose(cmd *engine.Command) *engine.Result {
	c.t.Helper()
	var res *engine.Result
	c.retry("propose "+cmd.Kind.String(), func() error {
		var err error
		res, err = c.Leader().Propose(context.Background(), cmd)
		return err
	})
	if res.Err != nil {
		c.t.Fatalf("%s rejected: %v", cmd.Kind, res.Err)
	}
	return res
}

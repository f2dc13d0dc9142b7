package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Defaults for ProcConfig.
const (
	// DefaultProcNodes is a ProcCluster's size.
	DefaultProcNodes = 3
	// DefaultProcAdminToken is the admin token every node shares.
	DefaultProcAdminToken = "offsync-proc-admin-token-0123456789"
	// DefaultProcReadyTimeout bounds how long Start waits for the cluster.
	DefaultProcReadyTimeout = 90 * time.Second
	// DefaultProcStopTimeout is how long Stop waits after SIGTERM before
	// it kills.
	DefaultProcStopTimeout = 10 * time.Second
)

// ErrNodeExited means an `offsync serve` process ended when it should run.
var ErrNodeExited = errors.New("node process exited")

// ProcConfig configures a ProcCluster.
type ProcConfig struct {
	// Binary is the offsync binary to run.
	Binary string
	// Dir holds each node's data directory (n1/, n2/, ...) and log file
	// (n1.log, ...).
	Dir string
	// Nodes is the number of `offsync serve` processes.
	Nodes int
	// AdminToken is passed to every node with --admin-token.
	AdminToken string
	// Demo makes node 1 load the demo dataset (--demo) on first start.
	Demo bool
	// ReadyTimeout bounds Start's wait for every node to be ready.
	ReadyTimeout time.Duration
	// StopTimeout is how long Stop waits after SIGTERM before SIGKILL.
	StopTimeout time.Duration
	// Args are extra `serve` flags given to every node.
	Args []string
}

// DefaultProcConfig returns a ProcConfig of DefaultProcNodes nodes that
// runs binary with its data under dir.
func DefaultProcConfig(binary, dir string) ProcConfig {
	return ProcConfig{Binary: binary, Dir: dir, Nodes: DefaultProcNodes, AdminToken: DefaultProcAdminToken,
		ReadyTimeout: DefaultProcReadyTimeout, StopTimeout: DefaultProcStopTimeout}
}

// Validate checks the config; its messages name the bad field.
func (c ProcConfig) Validate() error {
	switch {
	case c.Binary == "":
		return fmt.Errorf("proc config: Binary: must be set")
	case c.Dir == "":
		return fmt.Errorf("proc config: Dir: must be set")
	case c.Nodes < 1:
		return fmt.Errorf("proc config: Nodes: must be positive")
	case c.AdminToken == "":
		return fmt.Errorf("proc config: AdminToken: must be set")
	case c.ReadyTimeout <= 0:
		return fmt.Errorf("proc config: ReadyTimeout: must be positive")
	case c.StopTimeout <= 0:
		return fmt.Errorf("proc config: StopTimeout: must be positive")
	}
	return nil
}

// ProcCluster runs `offsync serve` as separate processes on loopback: node
// 1 bootstraps the cluster, the others join it. Each node keeps its HTTP
// and Raft ports for its whole life, so a restarted node comes back at the
// same addresses with the same flags and rejoins from its own Raft state.
// Its methods are safe for concurrent use.
type ProcCluster struct {
	cfg   ProcConfig
	http  *http.Client
	mu    sync.Mutex
	nodes []*procNode
}

// procNode is one node's fixed identity and its current process.
type procNode struct {
	id, httpAddr, raftAddr, data, logPath string
	cmd                                   *exec.Cmd
	done                                  chan struct{} // closed when cmd has exited
}

// NewProcCluster validates c, chooses the ports and creates the
// directories. It starts nothing: call Start.
func NewProcCluster(c ProcConfig) (*ProcCluster, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	pc := &ProcCluster{cfg: c, http: &http.Client{Timeout: 5 * time.Second}}
	addrs, err := procFreeAddrs(2 * c.Nodes)
	if err != nil {
		return nil, err
	}
	for i := 0; i < c.Nodes; i++ {
		n := &procNode{id: "n" + strconv.Itoa(i+1), httpAddr: addrs[2*i], raftAddr: addrs[2*i+1]}
		n.data = filepath.Join(c.Dir, n.id)
		n.logPath = filepath.Join(c.Dir, n.id+".log")
		if err := os.MkdirAll(n.data, 0o700); err != nil {
			return nil, fmt.Errorf("create node dir: %w", err)
		}
		pc.nodes = append(pc.nodes, n)
	}
	return pc, nil
}

// procFreeAddr returns a loopback address with a port free right now.
func procFreeAddr() (string, error) {
	addrs, err := procFreeAddrs(1)
	if err != nil {
		return "", err
	}
	return addrs[0], nil
}

// procFreeAddrs returns n distinct loopback addresses with ports free
// right now: every listener stays open until all are chosen (a port
// closed at once could be handed out again by the next call).
func procFreeAddrs(n int) ([]string, error) {
	addrs := make([]string, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("choose port: %w", err)
		}
		defer ln.Close()
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}

// Start starts node 1, waits until it is ready (the demo data loaded),
// then starts the others and waits until every node is a ready voter.
func (pc *ProcCluster) Start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pc.cfg.ReadyTimeout)
	defer cancel()
	if err := pc.Restart(0); err != nil {
		return err
	}
	if err := pc.WaitNodeReady(ctx, 0); err != nil {
		return err
	}
	for i := 1; i < len(pc.nodes); i++ {
		if err := pc.Restart(i); err != nil {
			return err
		}
	}
	return pc.WaitReady(ctx)
}

// args are node i's serve flags; they never change.
func (pc *ProcCluster) args(i int) []string {
	n := pc.nodes[i]
	a := []string{"serve", "--data", n.data, "--http", n.httpAddr, "--raft", n.raftAddr,
		"--node-id", n.id, "--admin-token", pc.cfg.AdminToken}
	if i == 0 {
		a = append(a, "--bootstrap")
		if pc.cfg.Demo {
			a = append(a, "--demo")
		}
	} else {
		a = append(a, "--bootstrap=false", "--join", pc.URL(0))
	}
	return append(a, pc.cfg.Args...)
}

// Restart starts node i's process (again) with its flags, its output
// appended to its log file. It does not wait for readiness; a running
// node is left alone.
func (pc *ProcCluster) Restart(i int) error {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	n := pc.nodes[i]
	if n.cmd != nil && !procExited(n) {
		return nil
	}
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open node log: %w", err)
	}
	defer logf.Close() // the child keeps its own descriptor
	fmt.Fprintf(logf, "=== %s start %s\n", n.id, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(pc.cfg.Binary, pc.args(i)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start node %s: %w", n.id, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	n.cmd, n.done = cmd, done
	return nil
}

func procExited(n *procNode) bool {
	select {
	case <-n.done:
		return true
	default:
		return false
	}
}

// Running reports whether node i's process is running.
func (pc *ProcCluster) Running(i int) bool {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.nodes[i].cmd != nil && !procExited(pc.nodes[i])
}

// Kill9 kills node i with SIGKILL and waits until it has exited.
func (pc *ProcCluster) Kill9(i int) error {
	return pc.signal(i, syscall.SIGKILL, 0)
}

// Stop asks node i to shut down (SIGTERM) and waits; after StopTimeout it
// kills it.
func (pc *ProcCluster) Stop(i int) error {
	return pc.signal(i, syscall.SIGTERM, pc.cfg.StopTimeout)
}

func (pc *ProcCluster) signal(i int, sig os.Signal, grace time.Duration) error {
	pc.mu.Lock()
	n := pc.nodes[i]
	cmd, done := n.cmd, n.done
	pc.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal node %s: %w", n.id, err)
	}
	if grace > 0 {
		select {
		case <-done:
			return nil
		case <-time.After(grace):
			_ = cmd.Process.Kill()
		}
	}
	<-done
	return nil
}

// Close kills every node. The data directories and logs stay.
func (pc *ProcCluster) Close() error {
	for i := range pc.nodes {
		_ = pc.Kill9(i)
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
	"github.com/offsync/offsync/server"
	"github.com/spf13/cobra"
)

type serveFlags struct {
	data, http, nodeID, raft, join, adminToken string
	tlsCert, tlsKey, tlsCA                     string
	raftAdvertise, httpAdvertise               string
	logFormat, logLevel, raftLogLevel          string
	syncErrorRetention                         time.Duration
	demo, bootstrap, nonvoter                  bool
	maxStaleness                               time.Duration
	maxLag                                     uint64
	maxPulls, maxStreams, maxConns             int
	minFreeMB                                  uint64
	memoryLimitMB, memTableMB, blockCacheMB    int64
	mappedTablesMB                             int64
	config, metricsPublic                      string
	raftHeartbeat, raftElection, raftLease     time.Duration
	raftPreVote                                bool
}

func newServeCmd() *cobra.Command {
	var f serveFlags
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.config != "" {
				if err := applyConfigFile(cmd, f.config); err != nil {
					return err
				}
			}
			return runServe(cmd, f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.data, "data", defaultDataDir, "data directory")
	fl.StringVar(&f.http, "http", "127.0.0.1:7070", "HTTP listen address")
	fl.BoolVar(&f.demo, "demo", false, "load the sample CRM dataset on first start")
	fl.StringVar(&f.nodeID, "node-id", "node1", "this node's Raft id")
	fl.StringVar(&f.raft, "raft", "", "Raft listen address (default: a free loopback port, enough for a single node; set it for clusters)")
	fl.BoolVar(&f.bootstrap, "bootstrap", true, "form a new cluster when this node has no Raft state")
	fl.StringVar(&f.join, "join", "", "URL of a cluster member to join (this node then does not bootstrap)")
	fl.StringVar(&f.adminToken, "admin-token", "", "admin token (default $OFFSYNC_ADMIN_TOKEN, else generated and saved in --data)")
	fl.StringVar(&f.raftAdvertise, "raft-advertise", "", "Raft address the other nodes dial, when --raft listens on all interfaces (default: --raft)")
	fl.StringVar(&f.httpAdvertise, "http-advertise", "", "host:port the other nodes reach this node's HTTP at, when --http listens on all interfaces (default: --http)")
	fl.BoolVar(&f.nonvoter, "nonvoter", false, "with --join: join as a non-voter (a read replica)")
	fl.IntVar(&f.maxPulls, "max-concurrent-pulls", server.DefaultMaxConcurrentPulls, "pulls computed at once; the others wait for a slot")
	fl.IntVar(&f.maxStreams, "max-streams-per-token", server.DefaultMaxStreamsPerToken, "event streams one device token may hold open on this node")
	fl.IntVar(&f.maxConns, "max-connections", server.DefaultMaxConnections, "HTTP connections open at once, event streams included; more wait to be accepted")
	fl.Uint64Var(&f.maxLag, "max-lag", server.DefaultMaxLag, "refuse reads when this many versions behind the leader")
	fl.DurationVar(&f.maxStaleness, "max-staleness", server.DefaultMaxStaleness, "refuse reads after this long without contact with the leader")
	fl.Int64Var(&f.memoryLimitMB, "memory-limit", server.DefaultMemoryLimit>>20, "soft limit of the Go runtime's memory in MiB: past it the collector works harder instead of growing the heap (0: none; $GOMEMLIMIT wins)")
	fl.Int64Var(&f.memTableMB, "memtable-mb", engine.DefaultMemTableSize>>20, "Badger's memtable in MiB (its skiplist arena is in the Go heap, about 1.3 times this); smaller costs more flushes and compactions when writing")
	fl.Int64Var(&f.blockCacheMB, "block-cache-mb", engine.DefaultBlockCacheSize>>20, "Badger's cache of decompressed table blocks in MiB (in the Go heap)")
	fl.Int64Var(&f.mappedTablesMB, "mapped-tables-mb", engine.DefaultMappedTableBytes>>20, "page Badger's memory-mapped tables out of resident memory once file-backed memory grew this many MiB since the last page-out (Linux; 0: never, the kernel drops them under pressure)")
	fl.Uint64Var(&f.minFreeMB, "min-free-disk-mb", replication.DefaultMinFreeBytes>>20, "refuse writes (507) while the data directory's file system has fewer MiB free; 0 turns it off")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate of this node: serve HTTPS and mutual TLS between nodes (with --tls-key and --tls-ca)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fl.StringVar(&f.tlsCA, "tls-ca", "", "PEM CA certificate that signed every node's certificate")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format on stderr: text or json (one object a line)")
	fl.StringVar(&f.logLevel, "log-level", "info", "least level logged: debug, info, warn or error")
	fl.StringVar(&f.raftLogLevel, "raft-log-level", "warn", "least level of Raft's own lines: debug, info, warn or error")
	fl.DurationVar(&f.syncErrorRetention, "sync-error-retention", replication.DefaultSyncErrorRetention, "keep rejected device mutations this long (0: until deleted)")
	fl.DurationVar(&f.raftHeartbeat, "raft-heartbeat-timeout", replication.DefaultHeartbeatTimeout, "a follower starts an election after 1-2x this without contact from the leader (docs/operations.md, Raft timeouts)")
	fl.DurationVar(&f.raftElection, "raft-election-timeout", replication.DefaultElectionTimeout, "a candidate tries again after 1-2x this without a majority")
	fl.DurationVar(&f.raftLease, "raft-leader-lease", replication.DefaultLeaderLease, "a leader steps down after this without contact with a quorum (at most --raft-heartbeat-timeout)")
	fl.BoolVar(&f.raftPreVote, "raft-prevote", replication.DefaultPreVote, "ask for a pre-vote before an election, so that a node that lost the leader alone does not depose it")
	fl.StringVar(&f.config, "config", "", "YAML file of flag values (keys are the flag names; flags and environment variables win over it)")
	fl.StringVar(&f.metricsPublic, "metrics-public", "", "also serve /metrics without a token on this address (plain HTTP), for Prometheus")
	return c
}

func runServe(cmd *cobra.Command, f serveFlags) (err error) {
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	if f.adminToken == "" {
		f.adminToken = os.Getenv("OFFSYNC_ADMIN_TOKEN")
	}
	if err := checkServeFlags(f); err != nil {
		return err
	}
	log, err := newLogger(cmd.ErrOrStderr(), f.logFormat, f.logLevel)
	if err != nil {
		return err
	}
	raftLevel, err := parseLevel("--raft-log-level", f.raftLogLevel)
	if err != nil {
		return err
	}
	// A start that fails removes what it made (run before the deferred
	// closes below, which it follows).
	started, undo := false, dataCleanup(f.data)
	defer func() {
		if err != nil && !started {
			undo()
		}
	}()
	token, generated, err := server.LoadAdminToken(f.data, f.adminToken)
	if err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(out, "Generated admin token (saved in %s): %s\n", filepath.Join(f.data, server.AdminTokenFile), token)
	}
	var tlsConf *tls.Config
	var certs *replication.CertReloader // reloaded on SIGHUP and when the files change
	// SIGHUP reloads the certificates; without TLS it is ignored (it
	// must not end the node).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if f.tlsCert != "" || f.tlsKey != "" || f.tlsCA != "" {
		if certs, err = replication.NewCertReloader(f.tlsCert, f.tlsKey, f.tlsCA, log); err != nil {
			return err
		}
		tlsConf = certs.Config()
	}
	scfg := server.DefaultConfig(token)
	scfg.Logger, scfg.TLS, scfg.MaxStaleness, scfg.MaxLag = log, tlsConf, f.maxStaleness, f.maxLag
	scfg.MaxConcurrentPulls, scfg.MaxStreamsPerToken, scfg.MaxConnections = f.maxPulls, f.maxStreams, f.maxConns
	scfg.MemoryLimit = mibBytes(f.memoryLimitMB)
	if err := scfg.Validate(); err != nil {
		return err
	}
	defer applyMemoryLimit(scfg.MemoryLimit)() // before the engine opens: Raft's replay counts
	ecfg := engine.DefaultConfig(filepath.Join(f.data, "engine"))
	ecfg.Logger, ecfg.MemTableSize, ecfg.BlockCacheSize = log, mibBytes(f.memTableMB), mibBytes(f.blockCacheMB)
	ecfg.MappedTableBytes = mibBytes(f.mappedTablesMB)
	eng, err := engine.Open(ecfg)
	if err != nil {
		return err
	}
	defer eng.Close()
	rcfg := replication.DefaultConfig(f.nodeID, filepath.Join(f.data, "raft"))
	rcfg.RaftAddr, rcfg.Bootstrap, rcfg.Logger, rcfg.TLS = f.raft, f.bootstrap && f.join == "", log, tlsConf
	rcfg.Advertise, rcfg.RaftLogLevel = f.raftAdvertise, raftLevel
	rcfg.SyncErrorRetention = f.syncErrorRetention
	rcfg.HeartbeatTimeout, rcfg.ElectionTimeout, rcfg.LeaderLeaseTimeout, rcfg.PreVote = f.raftHeartbeat, f.raftElection, f.raftLease, f.raftPreVote
	if f.raft == "" {
		rcfg.RaftAddr = "127.0.0.1:0" // a lone node talks to nobody
	}
	node, err := replication.Open(rcfg, eng)
	if err != nil {
		return err
	}
	defer node.Close()
	guard, err := replication.NewDiskGuard(replication.DiskGuardConfig{Dirs: []string{ecfg.Dir, rcfg.Dir}, MinFreeBytes: f.minFreeMB << 20, Logger: log})
	if err != nil {
		return err
	}
	srv, err := server.New(scfg, replication.GuardWrites(node, guard), eng, node)
	if err != nil {
		return err
	}
	if f.demo && f.join == "" {
		// Loaded before listening, so that /readyz means "demo data there".
		if err := loadDemo(ctx, node, eng, log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", f.http)
	if err != nil {
		return fmt.Errorf("listen http: %w", err)
	}
	ln = srv.LimitListener(ln)
	hs := srv.HTTPServer()
	if tlsConf != nil {
		// Devices and admins have no client certificates: HTTPS asks
		// for none (admin routes use the admin token).
		hs.TLSConfig = certs.ServerConfig()
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	if f.metricsPublic != "" {
		mln, err := net.Listen("tcp", f.metricsPublic)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen --metrics-public: %w", err)
		}
		ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: server.DefaultReadHeaderTimeout}
		go func() { _ = ms.Serve(mln) }()
		defer ms.Close()
		log.Info("serving metrics without a token", "addr", mln.Addr().String())
	}
	errc := make(chan error, 1)
	srv.WillWatchLeader() // stale until the leader's word: see WatchLeader below
	go func() { errc <- hs.Serve(ln) }()
	started = true
	log.Info("offsync serving", "http", ln.Addr().String(), "raft", node.RaftAddr(), "data", f.data, "version", eng.Applied())
	httpAddr := ln.Addr().String()
	if f.httpAdvertise != "" {
		httpAddr = f.httpAdvertise // checkServeFlags asked for it where needed
	}
	self := engine.ClusterNode{ID: f.nodeID, RaftAddr: node.RaftAddr(), HTTPAddr: httpAddr}
	jr := server.JoinRequest{ID: f.nodeID, RaftAddr: node.RaftAddr(), Nonvoter: f.nonvoter}
	// Background work ends before the node closes: on return, bctx is
	// cancelled first, then the goroutines are waited for.
	bctx, bcancel := context.WithCancel(ctx)
	var bg sync.WaitGroup
	defer bg.Wait()
	defer bcancel()
	bg.Go(func() { srv.WatchLeader(bctx) })
	if certs != nil {
		bg.Go(func() { certs.Watch(bctx, replication.DefaultTLSReloadInterval, hup) })
	}
	bg.Go(func() { joinAndRegister(bctx, srv, node, f.join, token, jr, self, tlsConf, log) })
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	return nil
}

// loadDemo loads the sample dataset once the node leads, unless a schema is
// already published (not the first start).
func loadDemo(ctx context.Context, node *replication.Node, eng *engine.Engine, log *slog.Logger) error {
	if eng.Schema().Version > 0 {
		return nil // loaded before: start without waiting for a leader
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := node.WaitLeader(wctx); err != nil {
		return err
	}
	for !node.Ready() {
		select {
		case <-wctx.Done():
			return fmt.Errorf("load demo: %w", wctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	start := time.Now()
	n, err := dataset.LoadDemo(ctx, node, time.Now())
	if err != nil {
		return fmt.Errorf("load demo: %w", err)
	}
	log.Info("loaded demo dataset", "rows", n, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// joinAndRegister asks the cluster at join (if any) to add this node, then
// records this node's addresses in the replicated node list, retrying
// until both are done or ctx ends.
func joinAndRegister(ctx context.Context, srv *server.Server, node *replication.Node, join, token string, jr server.JoinRequest, self engine.ClusterNode, tlsConf *tls.Config, log *slog.Logger) {
	hc := http.DefaultClient
	if tlsConf != nil {
		hc = &http.Client{Transport: &http.Transport{DialTLSContext: replication.TLSDialer(tlsConf)}, Timeout: 30 * time.Second}
	}
	retry := func(what string, fn func() error) bool {
		for {
			err := fn()
			if err == nil {
				return true
			}
			log.Warn(what, "err", err)
			select {
			case <-ctx.Done():
				return false
			case <-time.After(time.Second):
			}
		}
	}
	if join != "" && isMember(node, self.ID) {
		join = "" // a restart: the persisted configuration already has this node
	}
	if join != "" && !retry("join cluster", func() error {
		body, _ := json.Marshal(jr)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(join, "/")+"/v1/cluster/join", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("join answered %s", resp.Status)
		}
		return nil
	}) {
		return
	}
	retry("register node", func() error {
		if err := node.WaitLeader(ctx); err != nil {
			return err
		}
		return srv.Register(ctx, self)
	})
}

// isMember says whether the node's persisted Raft configuration lists id.
func isMember(node *replication.Node, id string) bool {
	members, err := node.Members()
	if err != nil {
		return false
	}
	for _, m := range members {
		if m.ID == id {
			return true
		}
	}
	return false
}

// mibBytes converts a count of MiB to bytes, saturating (a negative count
// stays negative, for the config's validation to refuse).
func mibBytes(mib int64) int64 {
	switch {
	case mib < 0:
		return -1
	case mib > math.MaxInt64>>20:
		return math.MaxInt64
	}
	return mib << 20
}

// applyMemoryLimit gives the Go runtime the soft memory limit of
// server.Config.MemoryLimit, unless it is 0 or $GOMEMLIMIT is set (the
// runtime read that already), and returns what restores the limit before
// (serve runs in-process in tests).
func applyMemoryLimit(limit int64) (restore func()) {
	if limit == 0 || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(prev) }
}

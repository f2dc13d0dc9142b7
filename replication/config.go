package replication

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"
)

// Defaults for Config.
const (
	DefaultRaftAddr     = "127.0.0.1:7071"
	DefaultApplyTimeout = 10 * time.Second
	// DefaultHeartbeatTimeout, DefaultElectionTimeout and
	// DefaultLeaderLease are tuned for a LAN cluster (docs/operations.md,
	// "Raft timeouts"). A follower starts an election at the first tick
	// of its 1x-2x timer that finds no contact for a whole timeout, 0.4
	// to 1.2 s after the leader died, so writes resumed 0.6 to 1.2 s
	// after kill -9 of the leader (1,000 devices on CRM-medium); on an
	// overloaded 2-core machine followers still heard from the leader at
	// least every 230 ms. The lease equals the heartbeat timeout so that a leader slowed
	// by its own load keeps its leadership as long as its followers wait
	// for it.
	DefaultHeartbeatTimeout = 400 * time.Millisecond
	DefaultElectionTimeout  = 400 * time.Millisecond
	DefaultLeaderLease      = 400 * time.Millisecond
	// DefaultPreVote turns Raft's pre-vote on: a node that lost contact
	// with the leader (restarted, or starved of CPU) first asks whether
	// it could win, and does not raise the term, and so depose a working
	// leader, unless a majority also lost the leader.
	DefaultPreVote = true
	// MaxHeartbeatTimeout bounds HeartbeatTimeout and ElectionTimeout: a
	// cluster without a leader for longer is effectively down.
	MaxHeartbeatTimeout      = time.Minute
	DefaultCommitTimeout     = 5 * time.Millisecond
	DefaultMaxAppendEntries  = 512
	DefaultSnapshotThreshold = 8192
	DefaultSnapshotBytes     = 256 << 20
	DefaultSnapshotInterval  = 2 * time.Minute
	DefaultTrailingLogs      = 10240
	DefaultSnapshotRetain    = 2
	DefaultRetainVersions    = 100_000
	DefaultPruneInterval     = time.Minute
	// DefaultSyncErrorRetention is how long sync errors are kept.
	DefaultSyncErrorRetention = 30 * 24 * time.Hour
	// DefaultLogFreelistSync and DefaultLogFreelistMap are the log
	// store's bbolt options (logstore.go): its free-page list is not
	// written at every commit, and is kept as a map.
	DefaultLogFreelistSync = false
	DefaultLogFreelistMap  = true
	// DefaultLogPageOut drops raft.db's pages from memory once a start's
	// replay is done (logpages.go).
	DefaultLogPageOut = true
	// DefaultRaftLogLevel keeps Raft's routine info lines out of the log.
	DefaultRaftLogLevel = slog.LevelWarn
)

// Config configures a Node.
type Config struct {
	// NodeID is this node's stable Raft server id.
	NodeID string
	// Dir holds raft.db (log and stable store) and snapshots/.
	Dir string
	// RaftAddr is the TCP address the Raft transport listens on.
	RaftAddr string
	// Advertise is the address other nodes reach this one at; RaftAddr
	// when empty.
	Advertise string
	// Bootstrap forms a new cluster with this node as its only voter when
	// the node has no Raft state yet.
	Bootstrap bool
	// ApplyTimeout bounds how long Propose waits to enqueue and commit.
	ApplyTimeout time.Duration
	// HeartbeatTimeout is how long a follower waits without contact from
	// the leader before it tries to become a candidate (Raft randomizes
	// it to between 1x and 2x); the leader contacts each follower every
	// tenth of it. ElectionTimeout is how long a candidate waits for
	// votes before it tries again (also 1x to 2x). LeaderLeaseTimeout is
	// how long a leader keeps leading without contact with a quorum, at
	// most HeartbeatTimeout. CommitTimeout is how long Raft waits to
	// batch entries before it replicates. See hashicorp/raft Config and
	// docs/operations.md.
	HeartbeatTimeout   time.Duration
	ElectionTimeout    time.Duration
	LeaderLeaseTimeout time.Duration
	CommitTimeout      time.Duration
	// PreVote runs Raft's pre-vote round before an election (raft.Config
	// PreVoteDisabled is its negation).
	PreVote bool
	// MaxAppendEntries is the largest group of entries written and
	// replicated at once (group commit), at most 1024.
	MaxAppendEntries int
	// SnapshotThreshold is how many new log entries trigger a snapshot;
	// SnapshotInterval how often that is checked.
	SnapshotThreshold uint64
	SnapshotInterval  time.Duration
	// SnapshotBytes also triggers a snapshot when the commands applied
	// since the last one pass this many bytes (big ingest batches reach
	// few entries but a long replay); 0 turns it off.
	SnapshotBytes int64
	// TrailingLogs is how many entries are kept after a snapshot.
	TrailingLogs uint64
	// SnapshotRetain is how many snapshots are kept on disk.
	SnapshotRetain int
	// RetainVersions is how many versions of change-log history the
	// leader keeps: devices whose cursor is older get a reset. 0 keeps
	// everything.
	RetainVersions uint64
	// PruneInterval is how often the leader checks whether to prune.
	PruneInterval time.Duration
	// SyncErrorRetention is how long sync errors (rejected device
	// mutations) are kept: the leader prunes older ones through the log.
	// 0 keeps them (each device still keeps at most its bound; see
	// engine.Settings.SyncErrorsPerDevice).
	SyncErrorRetention time.Duration
	// LogFreelistSync writes the log store's list of free pages into
	// raft.db at every commit (bbolt's default); off, bbolt rebuilds it
	// when it opens the file. LogFreelistMap keeps the list as a map
	// instead of a sorted array. See logstore.go.
	LogFreelistSync bool
	LogFreelistMap  bool
	// LogPageOut asks the kernel, once Raft has applied the
	// log replayed at the start, to drop the pages of raft.db that the
	// replay left in this process's memory (Linux only; see logpages.go).
	LogPageOut bool
	// Logger receives the node's logs and Raft's; nil means slog.Default.
	Logger *slog.Logger
	// RaftLogLevel is the least level of Raft's own lines that reach
	// Logger (whose handler filters too). The zero value is info.
	RaftLogLevel slog.Level
	// TLS, when set, wraps the Raft transport in TLS: its Certificates
	// are this node's, RootCAs verify the nodes it dials, and ClientCAs
	// (when set) make the listener require and verify client certificates
	// (mutual TLS). See LoadTLS.
	TLS *tls.Config
	// Gate, when set, lets tests cut this node's links (see Cluster).
	Gate *Gate
}

// DefaultConfig returns a Config for one node with every default set.
func DefaultConfig(nodeID, dir string) Config {
	return Config{
		NodeID: nodeID, Dir: dir, RaftAddr: DefaultRaftAddr, Bootstrap: true,
		ApplyTimeout:     DefaultApplyTimeout,
		HeartbeatTimeout: DefaultHeartbeatTimeout, ElectionTimeout: DefaultElectionTimeout,
		LeaderLeaseTimeout: DefaultLeaderLease, CommitTimeout: DefaultCommitTimeout, PreVote: DefaultPreVote,
		MaxAppendEntries:  DefaultMaxAppendEntries,
		SnapshotThreshold: DefaultSnapshotThreshold, SnapshotInterval: DefaultSnapshotInterval, SnapshotBytes: DefaultSnapshotBytes,
		TrailingLogs: DefaultTrailingLogs, SnapshotRetain: DefaultSnapshotRetain,
		RetainVersions: DefaultRetainVersions, PruneInterval: DefaultPruneInterval,
		SyncErrorRetention: DefaultSyncErrorRetention,
		RaftLogLevel:       DefaultRaftLogLevel,
		LogFreelistSync:    DefaultLogFreelistSync, LogFreelistMap: DefaultLogFreelistMap,
		LogPageOut: DefaultLogPageOut,
	}
}

// Validate checks the config; its messages name the bad field.
func (c Config) Validate() error {
	switch {
	case c.NodeID == "":
		return fmt.Errorf("replication config: NodeID: must be set")
	case c.Dir == "":
		return fmt.Errorf("replication config: Dir: must be set")
	case c.RaftAddr == "":
		return fmt.Errorf("replication config: RaftAddr: must be set")
	case c.ApplyTimeout <= 0:
		return fmt.Errorf("replication config: ApplyTimeout: must be positive")
	case c.HeartbeatTimeout < 5*time.Millisecond || c.HeartbeatTimeout > MaxHeartbeatTimeout:
		return fmt.Errorf("replication config: HeartbeatTimeout: %s is outside 5ms..%s", c.HeartbeatTimeout, MaxHeartbeatTimeout)
	case c.ElectionTimeout < c.HeartbeatTimeout:
		return fmt.Errorf("replication config: ElectionTimeout: must be at least HeartbeatTimeout")
	case c.ElectionTimeout > MaxHeartbeatTimeout:
		return fmt.Errorf("replication config: ElectionTimeout: %s is above %s", c.ElectionTimeout, MaxHeartbeatTimeout)
	case c.LeaderLeaseTimeout < 5*time.Millisecond || c.LeaderLeaseTimeout > c.HeartbeatTimeout:
		return fmt.Errorf("replication config: LeaderLeaseTimeout: %s is outside 5ms..HeartbeatTimeout", c.LeaderLeaseTimeout)
	case c.CommitTimeout <= 0:
		return fmt.Errorf("replication config: CommitTimeout: must be positive")
	case c.MaxAppendEntries < 1 || c.MaxAppendEntries > 1024:
		return fmt.Errorf("replication config: MaxAppendEntries: %d is outside 1..1024", c.MaxAppendEntries)
	case c.SnapshotThreshold == 0:
		return fmt.Errorf("replication config: SnapshotThreshold: must be positive")
	case c.SnapshotInterval <= 0:
		return fmt.Errorf("replication config: SnapshotInterval: must be positive")
	case c.SnapshotBytes < 0:
		return fmt.Errorf("replication config: SnapshotBytes: must not be negative")
	case c.SnapshotRetain < 1:
		return fmt.Errorf("replication config: SnapshotRetain: must be at least 1")
	case c.RetainVersions > 0 && c.PruneInterval <= 0:
		return fmt.Errorf("replication config: PruneInterval: must be positive when RetainVersions is set")
	case c.SyncErrorRetention < 0:
		return fmt.Errorf("replication config: SyncErrorRetention: must not be negative")
	case c.SyncErrorRetention > 0 && c.SyncErrorRetention < time.Minute:
		return fmt.Errorf("replication config: SyncErrorRetention: %s is under a minute", c.SyncErrorRetention)
	case c.SyncErrorRetention > 0 && c.PruneInterval <= 0:
		return fmt.Errorf("replication config: PruneInterval: must be positive when SyncErrorRetention is set")
	}
	return nil
}

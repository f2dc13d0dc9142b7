package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/offsync/offsync/engine"
)

// Defaults for Config.
const (
	// DefaultMaxBodyBytes caps a request body as sent (compressed).
	DefaultMaxBodyBytes = 16 << 20
	// DefaultMaxDecodedBytes caps a request body after decompression.
	DefaultMaxDecodedBytes = 64 << 20
	// DefaultMaxBatchRecords caps the records of one ingest batch.
	DefaultMaxBatchRecords = engine.MaxRecordsPerCommand
	// DefaultWriteTimeout bounds how long a write waits to be committed.
	DefaultWriteTimeout = 15 * time.Second
	// DefaultPageRows is how many rows one first-load page carries.
	DefaultPageRows = 2000
	// DefaultSnapshotCacheBytes bounds the first-load pages kept for
	// resumption.
	DefaultSnapshotCacheBytes = 256 << 20
	// DefaultMaxStaleness is how long a node keeps serving reads after
	// its last contact with the leader: longer than a leader election,
	// so that devices do not notice a failover.
	DefaultMaxStaleness = 5 * time.Second
	// DefaultMaxLag is how many committed versions a node may still have
	// to apply and serve reads.
	DefaultMaxLag = 1000
	// DefaultMaxStreamsPerToken is how many event streams one device
	// token may hold open on one node.
	DefaultMaxStreamsPerToken = 4
	// DefaultMemoryLimit is the soft limit of the Go runtime's memory
	// (runtime/debug.SetMemoryLimit) that serve sets: past it the
	// collector runs more often instead of letting the heap grow to
	// twice what is live. It does not bound what is live (the collector
	// gives up at half the CPU), nor memory-mapped files: 768 MiB leaves
	// room under a 1 GiB node for the binary, the Raft log's pages and
	// the tables' pages the engine keeps mapped (engine
	// Config.MappedTableBytes). At CRM-large a first load keeps some
	// 40 MB live and the node some 350 MB in all with 10,000 streams
	// (the memory scenario of docs/benchmarks.md); was 1 GiB.
	DefaultMemoryLimit = 768 << 20
	// MinMemoryLimit is the least MemoryLimit other than 0.
	MinMemoryLimit = 64 << 20
)

// DefaultMaxConcurrentPulls is MaxConcurrentPulls's default: two per core.
var DefaultMaxConcurrentPulls = 2 * runtime.GOMAXPROCS(0)

// Config configures a Server.
type Config struct {
	// AdminToken authenticates the admin and ingest APIs (required).
	AdminToken string
	// MaxBodyBytes caps request bodies as sent.
	MaxBodyBytes int64
	// MaxDecodedBytes caps request bodies after decompression.
	MaxDecodedBytes int64
	// MaxBatchRecords caps the records of one ingest batch, at most
	// engine.MaxRecordsPerCommand.
	MaxBatchRecords int
	// BodyCaps bound the decoded bodies of the other routes (pushes,
	// pulls, admin JSON), below MaxDecodedBytes.
	BodyCaps
	// HTTPLimits bound connections: timeouts, header size and how many
	// are open (see Server.HTTPServer).
	HTTPLimits
	// WriteTimeout bounds how long a write waits to be committed.
	WriteTimeout time.Duration
	// PageRows is how many rows one first-load page carries.
	PageRows int
	// SnapshotCacheBytes bounds the memory of first loads kept for their
	// next pages, and (separately) of rule rows shared between users'
	// first loads; the least recently used go first.
	SnapshotCacheBytes int64
	// MaxStaleness and MaxLag bound how stale a node's reads may be (see
	// replication.Node.Fresh): past them, reads answer 503 "stale" and
	// /readyz fails, so clients and load balancers go to another node.
	MaxStaleness time.Duration
	MaxLag       uint64
	// MaxConcurrentPulls bounds the pulls computed at once; the others
	// wait for a slot (or their request's end).
	MaxConcurrentPulls int
	// MaxStreamsPerToken bounds the event streams one device token holds
	// open on one node (counted in memory); more get 429.
	MaxStreamsPerToken int
	// MemoryLimit is the soft memory limit, in bytes, that serve gives
	// the Go runtime (runtime/debug.SetMemoryLimit; $GOMEMLIMIT wins
	// over it); 0 sets none. The server itself does not apply it: the
	// limit is the process's, and tests run many servers in one.
	MemoryLimit int64
	// TLS, when set, is used to reach the other nodes (https), for
	// example to forward writes to the leader.
	TLS *tls.Config
	// Logger receives request errors; nil means slog.Default.
	Logger *slog.Logger
	// Audit receives the audit log (audit.go): admin writes, device and
	// admin tokens created and revoked, rejected pushes, each with its
	// request id and never a secret. nil means Logger, with log=audit.
	Audit *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultConfig returns a Config with every default set.
func DefaultConfig(adminToken string) Config {
	return Config{
		AdminToken: adminToken, MaxBodyBytes: DefaultMaxBodyBytes, MaxDecodedBytes: DefaultMaxDecodedBytes,
		BodyCaps: DefaultBodyCaps(), HTTPLimits: DefaultHTTPLimits(),
		MaxBatchRecords: DefaultMaxBatchRecords, WriteTimeout: DefaultWriteTimeout,
		PageRows: DefaultPageRows, SnapshotCacheBytes: DefaultSnapshotCacheBytes,
		MaxStaleness: DefaultMaxStaleness, MaxLag: DefaultMaxLag, MaxConcurrentPulls: DefaultMaxConcurrentPulls,
		MaxStreamsPerToken: DefaultMaxStreamsPerToken, MemoryLimit: DefaultMemoryLimit,
	}
}

// Validate checks the config; its messages name the bad field.
func (c Config) Validate() error {
	if err := c.limitsValid(); err != nil {
		return err
	}
	switch {
	case len(c.AdminToken) < 16:
		return fmt.Errorf("server config: AdminToken: must be at least 16 characters")
	case c.MaxBodyBytes <= 0:
		return fmt.Errorf("server config: MaxBodyBytes: must be positive")
	case c.MaxDecodedBytes < c.MaxBodyBytes:
		return fmt.Errorf("server config: MaxDecodedBytes: must be at least MaxBodyBytes")
	case c.MaxBatchRecords < 1 || c.MaxBatchRecords > engine.MaxRecordsPerCommand:
		return fmt.Errorf("server config: MaxBatchRecords: %d is outside 1..%d", c.MaxBatchRecords, engine.MaxRecordsPerCommand)
	case c.WriteTimeout <= 0:
		return fmt.Errorf("server config: WriteTimeout: must be positive")
	case c.PageRows < 1:
		return fmt.Errorf("server config: PageRows: must be positive")
	case c.SnapshotCacheBytes < 0:
		return fmt.Errorf("server config: SnapshotCacheBytes: must not be negative")
	case c.MaxStaleness <= 0:
		return fmt.Errorf("server config: MaxStaleness: must be positive")
	case c.MaxConcurrentPulls < 1:
		return fmt.Errorf("server config: MaxConcurrentPulls: must be positive")
	case c.MaxStreamsPerToken < 1:
		return fmt.Errorf("server config: MaxStreamsPerToken: must be positive")
	case c.MemoryLimit < 0 || c.MemoryLimit > 0 && c.MemoryLimit < MinMemoryLimit:
		return fmt.Errorf("server config: MemoryLimit: %d is neither 0 nor at least %d (64 MiB)", c.MemoryLimit, MinMemoryLimit)
	}
	return nil
}

package server

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/server/console"
)

// Writer proposes commands to the replicated log and returns the result of
// applying them. replication.Node implements it.
type Writer interface {
	Propose(ctx context.Context, cmd *engine.Command) (*engine.Result, error)
}

// Reader answers reads from the local engine. engine.Engine implements it.
type Reader interface {
	Get(entity, id string) (codec.Row, error)
	Schema() *engine.Schema
	Draft() (*engine.Schema, error)
	Applied() uint64
	BusinessUnits() ([]engine.BusinessUnit, error)
	Teams() ([]engine.Team, error)
	Users() ([]engine.User, error)
	Roles() ([]engine.Role, error)
	Profiles() ([]engine.Profile, error)
	Tokens(userID string) ([]engine.DeviceToken, error)
	ViewOf(userID string, rules []engine.Rule, now int64, fn func(engine.ViewRow) error) (*engine.Access, error)
	Authenticate(secret string) (engine.DeviceToken, error)
	Access(userID, app string) (*engine.Access, error)
	Pull(userID string, cur *engine.Cursor, now int64, opt engine.PullOptions) (*engine.PullResult, error)
	GroupParams(userID, app string) (string, error)
	Changed() <-chan struct{}
	ViewChanges(acc *engine.Access, since uint64) []string
	OrgVersion() uint64
	Settings() (engine.Settings, error)
	SyncErrors(f engine.SyncErrorFilter) (page []engine.SyncError, more bool, err error)
	SyncError(ref engine.SyncErrorRef) (engine.SyncError, error)
	ClusterNodes() ([]engine.ClusterNode, error)
	CursorKey() []byte
	Apps() ([]engine.App, error)
	App(id string) (engine.App, error)
}

// Readiness says whether the node can serve (replication.Node implements
// it).
type Readiness interface {
	Ready() bool
}

// freshness bounds the staleness of reads (replication.Node).
type freshness interface {
	Fresh(maxStale time.Duration, maxLag uint64) error
}

// fresh returns replication.ErrStale (wrapped) when this node's reads are
// past the configured bounds.
func (s *Server) fresh() error {
	if f, ok := s.ready.(freshness); ok {
		if err := f.Fresh(s.cfg.MaxStaleness, s.cfg.MaxLag); err != nil {
			return err
		}
	}
	return s.mark.check(s.r.Applied(), s.cfg.MaxStaleness, s.cfg.MaxLag)
}

// isRead says whether a route answers from this node's state, and so must
// refuse when the node is stale. Writes are forwarded to the leader;
// the ops routes and cluster status must answer regardless.
func isRead(pattern string) bool {
	switch pattern {
	case "GET /v1/admin/cluster", "GET /v1/cluster/status":
		return false
	case "POST /v1/sync/pull":
		return true
	}
	return strings.HasPrefix(pattern, "GET /v1/")
}

// Server serves the HTTP API.
type Server struct {
	cfg     Config
	w       Writer
	r       Reader
	ready   Readiness
	log     *slog.Logger
	audit   *slog.Logger // the audit log (audit.go)
	now     func() time.Time
	mux     *http.ServeMux
	metrics *metrics
	snaps   *snapCache
	rules   *ruleCache
	groups  *groupCache  // first loads' shared groups and their pages (pages.go)
	peers   *http.Client // to the other nodes
	mark    leaderMark   // the leader's version, when WatchLeader runs
	apps    appNames     // app names devices ask for
	// pullSlots bounds the pulls computed at once (MaxConcurrentPulls).
	pullSlots chan struct{}
	// decodes bounds the bodies decompressed at once (decodegate.go).
	decodes decodeGate
	// streams counts the open event streams per token (streams.go).
	streams streamCounter
	// activity counts device traffic (GET /v1/admin/activity).
	activity *activity
	// backupBusy is set while a backup streams (admin_backup.go).
	backupBusy atomic.Bool
	// contexts queues the access contexts to register (contextqueue.go).
	contexts contextQueue
	// mdVersions caches the metadata versions pulls report (sync_metadata.go).
	mdVersions metadataVersions
	// dicts caches the answer dictionaries (sync_dict.go).
	dicts answerDicts
	// memberCache caches the Offsync-Members header (cluster_advertise.go).
	memberCache memberURLs
}

// New returns a Server. Its Handler serves every route.
func New(cfg Config, w Writer, r Reader, ready Readiness) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, w: w, r: r, ready: ready, log: cfg.Logger, now: cfg.Now, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.audit = cfg.Audit
	if s.audit == nil {
		s.audit = s.log.With("log", "audit")
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.peers = newPeerClient(cfg.TLS)
	s.pullSlots = make(chan struct{}, cfg.MaxConcurrentPulls)
	s.metrics = newMetrics(r)
	s.snaps = newSnapCache(cfg.SnapshotCacheBytes)
	s.rules = newRuleCache(cfg.SnapshotCacheBytes)
	s.groups = newGroupCache(cfg.SnapshotCacheBytes, cfg.PageRows, r.Schema, s.log)
	s.routes()
	s.metrics.watch(s)
	return s, nil
}

func (s *Server) routes() {
	s.activityRoutes()
	s.handle("GET /console/", console.Handler().ServeHTTP, false)
	s.handle("GET /healthz", s.healthz, false)
	s.handle("GET /readyz", s.readyz, false)
	s.handle("GET /version", s.version, false)
	s.handle("GET /metrics", s.metrics.handler().ServeHTTP, true)
	s.handle("POST /v1/records", s.ingest, true)
	s.handle("GET /v1/records/{entity}/{id}", s.getRecord, true)
	s.handle("GET /v1/admin/schema", s.getSchema, true)
	s.handle("GET /v1/admin/schema/draft", s.getDraft, true)
	s.handle("PUT /v1/admin/schema/draft", s.putDraft, true)
	s.handle("POST /v1/admin/schema/publish", s.publishSchema, true)
	s.adminRoutes()
	s.adminTokenRoutes()
	s.handle("POST /v1/sync/pull", s.devicePull, false)
	s.handle("GET /v1/sync/pull", s.devicePull, false)
	s.handle("GET /v1/sync/metadata", s.deviceMetadata, false)
	s.handle("GET /v1/sync/pages/{id}", s.sharedPage, false)
	s.handle("GET /v1/sync/events", s.deviceEvents, false)
	s.handle("POST /v1/sync/push", s.devicePush, false)
	s.handle("POST /v1/cluster/propose", s.clusterPropose, true)
	s.handle("POST /v1/cluster/join", s.clusterJoin, true)
	s.handle("GET /v1/cluster/status", s.nodeStatus, true)
	s.handle("GET /v1/admin/cluster", s.clusterStatus, true)
	s.handle("GET /v1/admin/backup", s.adminBackup, true)
	s.handle("POST /v1/admin/cluster/members", s.clusterJoin, true)
	s.handle("POST /v1/admin/cluster/members/{id}/promote", s.clusterMemberChange("promote"), true)
	s.handle("POST /v1/admin/cluster/members/{id}/demote", s.clusterMemberChange("demote"), true)
	s.handle("DELETE /v1/admin/cluster/members/{id}", s.clusterMemberChange("removed"), true)
	s.handle("POST /v1/admin/cluster/leader", s.clusterTransferLeader, true)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, CodeNotFound, "no such route")
	})
}

// handle registers a route with recovery, metrics and (when admin) the
// admin-token check.
func (s *Server) handle(pattern string, h http.HandlerFunc, admin bool) {
	route, read, audit := pattern, isRead(pattern), audited(pattern, admin)
	h = s.activity.wrap(pattern, h)
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rid := requestID(r)
		r.Header.Set(RequestIDHeader, rid)
		w.Header().Set(RequestIDHeader, rid)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		body := &countingBody{ReadCloser: r.Body}
		r.Body = body
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("handler panic", "route", route, "panic", p)
				if !rec.wrote {
					writeError(rec, http.StatusInternalServerError, CodeInternal, "internal error")
				}
			}
			s.metrics.observe(route, rec.status, time.Since(start), body.n, rec.n)
			if audit && rec.status != http.StatusUnauthorized {
				s.auditRequest(r, rid, rec.status, time.Since(start))
			}
		}()
		if admin && !s.authorized(r) {
			s.writeErr(rec, r, ErrUnauthorized)
			return
		}
		if read {
			if err := s.fresh(); err != nil {
				s.writeErr(rec, r, err)
				return
			}
		}
		h(rec, r)
	}))
}

// authorized checks the admin bearer token in constant time.
func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && (subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminToken)) == 1 || s.namedAdminToken(tok))
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.fresh(); err != nil {
		s.writeErr(w, r, err)
		return
	}
	// With WatchLeader running, ready means what serving reads needs
	// (fresh and caught up), so an election does not empty a load
	// balancer; without it, the Raft view of readiness.
	s.mark.mu.Lock()
	watching := s.mark.watching
	s.mark.mu.Unlock()
	if !watching && s.ready != nil && !s.ready.Ready() {
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "not ready: no leader yet, or still applying the log")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "version": s.r.Applied()})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	n      int64 // body bytes written
}

// WriteHeader records the status.
func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write implements io.Writer.
func (s *statusRecorder) Write(p []byte) (int, error) {
	s.wrote = true
	n, err := s.ResponseWriter.Write(p)
	s.n += int64(n)
	return n, err
}

// Flush lets streaming handlers flush through the recorder.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		s.wrote = true
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

package server

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/offsync/offsync/engine"
)

// RequestIDHeader carries a request's id: taken from the request when it
// is a plausible id (letters, digits, '-', '_', '.', at most 64), else
// drawn here, and sent back on every answer, so that a client's report,
// the audit log and the server's error log name the same request.
const RequestIDHeader = "X-Request-Id"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID returns the request's id, drawing one when it has none.
func requestID(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); requestIDPattern.MatchString(id) {
		return id
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// audited says whether a route's requests go to the audit log: every
// admin write (organization, schema, profiles, apps, settings, device and
// admin tokens, sync errors, membership and leadership), not reads, not
// the back office's row ingest, and not the nodes' own forwarded writes
// (the node that took the request audits it).
func audited(pattern string, admin bool) bool {
	method, path, _ := strings.Cut(pattern, " ")
	return admin && method != http.MethodGet && path != "/v1/records" && path != "/v1/cluster/propose"
}

// actor names who made an admin request, never with a secret: "admin"
// for the node's start-up token, "admin-token:<name> (<id>)" for a named
// one.
func (s *Server) actor(r *http.Request) string {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ar, ok := s.r.(adminTokenReader); ok && strings.HasPrefix(tok, AdminTokenPrefix) {
		if at, err := ar.AuthenticateAdmin(tok); err == nil {
			return "admin-token:" + at.Name + " (" + at.ID + ")"
		}
	}
	return "admin"
}

// auditRequest records an audited request once it is answered: who, what,
// the outcome and the request id.
func (s *Server) auditRequest(r *http.Request, rid string, status int, took time.Duration) {
	s.audit.LogAttrs(r.Context(), slog.LevelInfo, "admin write",
		slog.String("request_id", rid), slog.String("actor", s.actor(r)), slog.String("method", r.Method),
		slog.String("path", r.URL.Path), slog.Int("status", status), slog.Duration("took", took))
}

// auditRejections records the mutations of a push that were rejected:
// the device, its user and app, and each mutation's id, entity, row id,
// operation and code (the attributes and messages stay in the sync error
// log, which administrators read through the API).
func (s *Server) auditRejections(r *http.Request, tok engine.DeviceToken, app string, p *engine.Push, res []engine.MutationResult) {
	var rejected []map[string]string
	for i, m := range res {
		if !m.Applied && i < len(p.Mutations) {
			mu := p.Mutations[i]
			rejected = append(rejected, map[string]string{"id": mu.ID, "entity": mu.Entity, "row": mu.RowID, "op": string(mu.Op), "code": m.Code})
		}
	}
	if len(rejected) == 0 {
		return
	}
	s.audit.LogAttrs(r.Context(), slog.LevelInfo, "push rejected",
		slog.String("request_id", r.Header.Get(RequestIDHeader)), slog.String("device", tok.ID), slog.String("user", tok.UserID), slog.String("app", app),
		slog.Int("rejected", len(rejected)), slog.Any("mutations", rejected))
}

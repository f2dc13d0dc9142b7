package server

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
	"github.com/offsync/offsync/engine"
)

// AdminTokenFile is the file in the data directory that holds a generated
// admin token (mode 0600).
const AdminTokenFile = "admin-token"

// LoadAdminToken returns the admin token to use: given when not empty,
// else the one saved in dataDir, else a new random one that it saves there
// with mode 0600 (generated is then true, and the caller prints it once).
func LoadAdminToken(dataDir, given string) (token string, generated bool, err error) {
	if given != "" {
		return given, false, nil
	}
	path := filepath.Join(dataDir, AdminTokenFile)
	b, err := os.ReadFile(path)
	if err == nil {
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, false, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("read admin token: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", false, fmt.Errorf("generate admin token: %w", err)
	}
	token = hex.EncodeToString(raw)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", false, fmt.Errorf("create data dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("save admin token: %w", err)
	}
	return token, true, nil
}

// AdminTokenPrefix starts every named admin token's secret.
const AdminTokenPrefix = "ofa_"

// adminTokenReader is the part of the engine that knows named admin
// tokens (engine.Engine implements it). A Reader without it accepts only
// the configured admin token.
type adminTokenReader interface {
	AuthenticateAdmin(secret string) (engine.AdminToken, error)
	AdminTokens() ([]engine.AdminToken, error)
}

// AdminTokenRequest is the body of POST /v1/admin/admin-tokens.
type AdminTokenRequest struct {
	Name string `json:"name"`
}

// AdminTokenResponse carries a new admin token's secret: shown once,
// stored hashed.
type AdminTokenResponse struct {
	Token string `json:"token"`
	ID    string `json:"id"`
	Name  string `json:"name"`
}

func (s *Server) adminTokenRoutes() {
	s.handle("POST /v1/admin/admin-tokens", s.issueAdminToken, true)
	s.handle("GET /v1/admin/admin-tokens", s.listAdminTokens, true)
	s.handle("DELETE /v1/admin/admin-tokens/{id}", s.revokeAdminToken, true)
}

// namedAdminToken says whether tok is a live named admin token.
func (s *Server) namedAdminToken(tok string) bool {
	ar, ok := s.r.(adminTokenReader)
	if !ok || !strings.HasPrefix(tok, AdminTokenPrefix) || len(tok) > 128 {
		return false
	}
	_, err := ar.AuthenticateAdmin(tok)
	return err == nil
}

// issueAdminToken mints a named admin token: the secret and id are drawn
// here, before proposing; only the secret's hash enters the log. The
// token works on every node once they have applied it.
func (s *Server) issueAdminToken(w http.ResponseWriter, r *http.Request) {
	var req AdminTokenRequest
	if err := s.decodeJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		s.writeErr(w, r, err)
		return
	}
	secret := AdminTokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	id := uuid.NewString()
	name := strings.TrimSpace(req.Name)
	_, err := s.propose(r.Context(), &engine.Command{Kind: engine.KindIssueAdminToken,
		AdminToken: &engine.AdminToken{ID: id, Name: name, Hash: engine.HashTokenSecret(secret)}})
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, AdminTokenResponse{Token: secret, ID: id, Name: name})
}

// listAdminTokens lists the named admin tokens, never their secrets.
func (s *Server) listAdminTokens(w http.ResponseWriter, r *http.Request) {
	ar, ok := s.r.(adminTokenReader)
	if !ok {
		writeJSON(w, http.StatusOK, []engine.AdminToken{})
		return
	}
	listHandler(s, ar.AdminTokens)(w, r)
}

// revokeAdminToken handles DELETE /v1/admin/admin-tokens/{id}: the token
// stops working on each node as it applies the revocation.
func (s *Server) revokeAdminToken(w http.ResponseWriter, r *http.Request) {
	s.proposeAndAnswer(w, r, &engine.Command{Kind: engine.KindRevokeAdminToken, Target: &engine.Target{ID: r.PathValue("id")}})
}

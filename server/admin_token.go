package server

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/offsync/offsync/engine"
)

// TokenPrefix starts every device token secret, so that leaked tokens are
// easy to recognize.
const TokenPrefix = "ofs_"

// TokenRequest is the optional body of POST /v1/admin/users/{id}/tokens.
type TokenRequest struct {
	Name string `json:"name"`
	// App, when set (a name or an id), is the only app the token syncs
	// for; the device then need not name it.
	App string `json:"app,omitempty"`
}

// TokenResponse carries a new token's secret: shown once, stored hashed.
type TokenResponse struct {
	Token  string `json:"token"`
	ID     string `json:"id"`
	UserID string `json:"userId"`
	App    string `json:"app,omitempty"`
}

func (s *Server) tokenRoutes() {
	s.handle("POST /v1/admin/users/{id}/tokens", s.issueToken, true)
	s.handle("GET /v1/admin/users/{id}/tokens", s.listTokens, true)
	s.handle("GET /v1/admin/tokens", s.listTokens, true)
	s.handle("DELETE /v1/admin/tokens/{id}", s.revokeToken, true)
}

// issueToken mints a token: the secret and id are generated here, before
// proposing; only the secret's hash enters the log.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) {
	var req TokenRequest
	if r.ContentLength != 0 {
		if err := s.decodeJSON(r, &req); err != nil {
			s.writeErr(w, r, err)
			return
		}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		s.writeErr(w, r, err)
		return
	}
	var app string
	if req.App != "" {
		a, err := s.apps.resolve(s.r, req.App)
		if err != nil {
			s.writeErr(w, r, &engine.Error{Err: engine.ErrInvalid, Msg: fmt.Sprintf("app: no app is named %q", req.App)})
			return
		}
		app = a.ID
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	id := uuid.NewString()
	userID := strings.ToLower(r.PathValue("id"))
	_, err := s.propose(r.Context(), &engine.Command{Kind: engine.KindIssueToken, Token: &engine.DeviceToken{
		ID: id, UserID: userID, Name: req.Name, App: app, Hash: engine.HashTokenSecret(secret)}})
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, TokenResponse{Token: secret, ID: id, UserID: userID, App: app})
}

// listTokens lists tokens (all, or one user's), never their secrets.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	user := strings.ToLower(r.PathValue("id"))
	listHandler(s, func() ([]engine.DeviceToken, error) { return s.r.Tokens(user) })(w, r)
}

// revokeToken handles DELETE /v1/admin/tokens/{id}.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	s.proposeAndAnswer(w, r, &engine.Command{Kind: engine.KindRevokeToken, Target: &engine.Target{Kind: engine.ObjectToken, ID: r.PathValue("id")}})
}

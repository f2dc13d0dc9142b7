package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/offsync/offsync/engine"
)

func (s *Server) adminRoutes() {
	s.handle("GET /v1/admin/businessunits", listHandler(s, s.r.BusinessUnits), true)
	s.handle("GET /v1/admin/teams", listHandler(s, s.r.Teams), true)
	s.handle("GET /v1/admin/users", listHandler(s, s.r.Users), true)
	s.handle("GET /v1/admin/roles", listHandler(s, s.r.Roles), true)
	s.handle("GET /v1/admin/profiles", listHandler(s, s.r.Profiles), true)
	s.handle("GET /v1/admin/businessunits/{id}", getHandler(s, s.r.BusinessUnits, func(b engine.BusinessUnit) string { return b.ID }), true)
	s.handle("GET /v1/admin/teams/{id}", getHandler(s, s.r.Teams, func(t engine.Team) string { return t.ID }), true)
	s.handle("GET /v1/admin/users/{id}", getHandler(s, s.r.Users, func(u engine.User) string { return u.ID }), true)
	s.handle("GET /v1/admin/roles/{id}", getHandler(s, s.r.Roles, func(r engine.Role) string { return r.ID }), true)
	s.handle("GET /v1/admin/profiles/{id}", s.getProfile, true)
	s.handle("PUT /v1/admin/businessunits/{id}", putHandler(s, func(o *engine.Org, v engine.BusinessUnit, id string) {
		v.ID = id
		o.BusinessUnits = []engine.BusinessUnit{v}
	}), true)
	s.handle("PUT /v1/admin/teams/{id}", putHandler(s, func(o *engine.Org, v engine.Team, id string) {
		v.ID = id
		o.Teams = []engine.Team{v}
	}), true)
	s.handle("PUT /v1/admin/users/{id}", putHandler(s, func(o *engine.Org, v engine.User, id string) {
		v.ID = id
		o.Users = []engine.User{v}
	}), true)
	s.handle("PUT /v1/admin/roles/{id}", putHandler(s, func(o *engine.Org, v engine.Role, id string) {
		v.ID = id
		o.Roles = []engine.Role{v}
	}), true)
	s.handle("PUT /v1/admin/profiles/{id}", putHandler(s, func(o *engine.Org, v engine.Profile, id string) {
		v.ID = id
		o.Profiles = []engine.Profile{v}
	}), true)
	s.handle("POST /v1/admin/org", s.putOrg, true)
	for _, k := range []string{engine.ObjectBusinessUnit, engine.ObjectTeam, engine.ObjectUser, engine.ObjectRole} {
		s.handle("DELETE /v1/admin/"+k+"s/{id}", s.deleteObject(k), true)
	}
	s.handle("DELETE /v1/admin/profiles/{id}", s.deleteProfile, true)
	s.handle("POST /v1/admin/profiles/{id}/publish", s.publishProfile, true)
	s.handle("POST /v1/admin/profiles/{id}/members", s.members(false), true)
	s.handle("DELETE /v1/admin/profiles/{id}/members", s.members(true), true)
	s.handle("GET /v1/admin/profiles/{id}/estimate", s.estimate, true)
	s.handle("GET /v1/admin/offline-entities", s.offlineEntities, true)
	s.tokenRoutes()
	s.syncErrorRoutes()
	s.appRoutes()
}

// listHandler serves a JSON array (never null).
func listHandler[T any](s *Server, list func() ([]T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		items, err := list()
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		if items == nil {
			items = []T{}
		}
		writeJSON(w, http.StatusOK, items)
	}
}

// getHandler serves the item of a list whose id is the path's {id}.
func getHandler[T any](s *Server, list func() ([]T, error), id func(T) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		items, err := list()
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		want := strings.ToLower(r.PathValue("id"))
		for _, it := range items {
			if id(it) == want {
				writeJSON(w, http.StatusOK, it)
				return
			}
		}
		writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("%s not found", r.PathValue("id")))
	}
}

// putHandler decodes one object, places it in an Org (with the path's id)
// and proposes it. ?move=true moves profile members from other profiles.
func putHandler[T any](s *Server, place func(*engine.Org, T, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var v T
		if err := s.decodeJSON(r, &v); err != nil {
			s.writeErr(w, r, err)
			return
		}
		org := &engine.Org{Move: r.URL.Query().Get("move") == "true"}
		place(org, v, r.PathValue("id"))
		if err := s.resolveApps(org); err != nil {
			s.writeErr(w, r, err)
			return
		}
		s.proposeAndAnswer(w, r, &engine.Command{Kind: engine.KindPutOrg, Org: org})
	}
}

// putOrg handles POST /v1/admin/org: a bulk upsert of any objects.
func (s *Server) putOrg(w http.ResponseWriter, r *http.Request) {
	var org engine.Org
	if err := s.decodeJSON(r, &org); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if err := s.resolveApps(&org); err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.proposeAndAnswer(w, r, &engine.Command{Kind: engine.KindPutOrg, Org: &org})
}

func (s *Server) deleteObject(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.proposeAndAnswer(w, r, &engine.Command{Kind: engine.KindDelete, Target: &engine.Target{Kind: kind, ID: r.PathValue("id")}})
	}
}

// proposeAndAnswer proposes cmd and answers {"version": V}.
func (s *Server) proposeAndAnswer(w http.ResponseWriter, r *http.Request, cmd *engine.Command) {
	res, err := s.propose(r.Context(), cmd)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]uint64{"version": res.Version})
}

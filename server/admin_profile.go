package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/offsync/offsync/engine"
)

// findProfile resolves the path's {id}: a GUID is an id (a name is
// never a GUID); anything else is a name, compared ignoring case. A name
// that more than one profile has (stored before names were unique) is a
// 409 asking for the id.
func (s *Server) findProfile(w http.ResponseWriter, r *http.Request) (*engine.Profile, bool) {
	return s.findProfileBy(w, r, r.PathValue("id"))
}

// findProfileBy is findProfile for the profile named (or with id) key.
func (s *Server) findProfileBy(w http.ResponseWriter, r *http.Request, key string) (*engine.Profile, bool) {
	ps, err := s.r.Profiles()
	if err != nil {
		s.writeErr(w, r, err)
		return nil, false
	}
	if id, ok := engine.CanonicalGUID(key); ok {
		for i := range ps {
			if ps[i].ID == id {
				return &ps[i], true
			}
		}
		writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("profile %s not found", key))
		return nil, false
	}
	var found []*engine.Profile
	for i := range ps {
		if strings.EqualFold(ps[i].Name, key) {
			found = append(found, &ps[i])
		}
	}
	switch len(found) {
	case 0:
		writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("profile %s not found", key))
		return nil, false
	case 1:
		return found[0], true
	}
	ids := make([]string, len(found))
	for i, p := range found {
		ids[i] = p.ID
	}
	writeError(w, http.StatusConflict, CodeConflict, fmt.Sprintf("profile name %q is ambiguous: profiles %s have it; use the id", key, strings.Join(ids, ", ")))
	return nil, false
}

// getProfile handles GET /v1/admin/profiles/{id}; {id} may be the name.
func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.findProfile(w, r); ok {
		writeJSON(w, http.StatusOK, p)
	}
}

// publishProfile handles POST /v1/admin/profiles/{id}/publish.
func (s *Server) publishProfile(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.findProfile(w, r); ok {
		s.proposeAndAnswer(w, r, &engine.Command{Kind: engine.KindPublishProfile, Target: &engine.Target{Kind: engine.ObjectProfile, ID: p.ID}})
	}
}

// deleteProfile handles DELETE /v1/admin/profiles/{id}; {id} may be the
// name.
func (s *Server) deleteProfile(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.findProfile(w, r); ok {
		s.proposeAndAnswer(w, r, &engine.Command{Kind: engine.KindDelete, Target: &engine.Target{Kind: engine.ObjectProfile, ID: p.ID}})
	}
}

// MembersRequest adds users and teams to a profile (POST) or removes them
// (DELETE).
type MembersRequest struct {
	Users []string `json:"users"`
	Teams []string `json:"teams"`
	// Move takes members that are in another profile out of it; without
	// it such a member is a 409 conflict.
	Move bool `json:"move"`
}

func (s *Server) members(remove bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req MembersRequest
		if err := s.decodeJSON(r, &req); err != nil {
			s.writeErr(w, r, err)
			return
		}
		p, ok := s.findProfile(w, r)
		if !ok {
			return
		}
		s.proposeAndAnswer(w, r, &engine.Command{Kind: engine.KindSetMembers, Members: &engine.Members{
			Profile: p.ID, Users: req.Users, Teams: req.Teams, Remove: remove, Move: req.Move}})
	}
}

// OfflineEntity is one line of "see what's included": an offline-enabled
// entity and the lookups that relate it to others.
type OfflineEntity struct {
	Name          string         `json:"name"`
	DisplayName   string         `json:"displayName,omitempty"`
	Ownership     string         `json:"ownership"`
	Relationships []Relationship `json:"relationships"`
	// Rule is the draft rule of the profile asked for (?profile=), if it
	// carries the entity.
	Rule *IncludedRule `json:"rule,omitempty"`
}

// Relationship is a lookup from one entity to others.
type Relationship struct {
	Attribute string   `json:"attribute"`
	Targets   []string `json:"targets"`
}

// offlineEntities handles GET /v1/admin/offline-entities[?app=NAME|ID]
// [&profile=NAME|ID]: every offline-enabled entity and its relationships,
// or an app's; with a profile, each entity also shows the profile's draft
// rule for it and whether that rule depends on time.
func (s *Server) offlineEntities(w http.ResponseWriter, r *http.Request) {
	sch := s.r.Schema()
	in := func(string) bool { return true }
	if ref := r.URL.Query().Get("app"); ref != "" {
		a, err := s.apps.resolve(s.r, ref)
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		in = func(e string) bool { return a.Allows(sch, e) }
	}
	s.answerIncluded(w, r, sch, in)
}

// answerIncluded answers "see what's included" for the entities in
// accepts, with the rules of the profile the request names, if any.
func (s *Server) answerIncluded(w http.ResponseWriter, r *http.Request, sch *engine.Schema, in func(string) bool) {
	out := included(sch, in)
	if ref := r.URL.Query().Get("profile"); ref != "" {
		p, ok := s.findProfileBy(w, r, ref)
		if !ok {
			return
		}
		for i := range out {
			for _, rule := range p.Rules {
				if rule.Entity == out[i].Name {
					out[i].Rule = &IncludedRule{Rule: rule, DependsOnTime: rule.DependsOnTime(sch)}
				}
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// IncludedRule is a profile's draft rule for an entity of "see what's
// included", and whether its filter depends on time (today()): then its
// rows enter and leave devices' views as days pass.
type IncludedRule struct {
	engine.Rule
	DependsOnTime bool `json:"dependsOnTime"`
}

package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/offsync/offsync/engine"
)

func (s *Server) appRoutes() {
	s.handle("GET /v1/admin/apps", listHandler(s, s.r.Apps), true)
	s.handle("GET /v1/admin/apps/{id}", s.getApp, true)
	s.handle("PUT /v1/admin/apps/{id}", putHandler(s, func(o *engine.Org, v engine.App, id string) {
		v.ID = id
		o.Apps = []engine.App{v}
	}), true)
	s.handle("DELETE /v1/admin/apps/{id}", s.deleteApp, true)
	s.handle("GET /v1/admin/apps/{id}/included", s.appIncluded, true)
}

// findApp resolves the path's {id}: an app's id, or its name ignoring
// case (a name is never a GUID).
func (s *Server) findApp(w http.ResponseWriter, r *http.Request) (engine.App, bool) {
	a, err := s.apps.resolve(s.r, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, r, err)
		return engine.App{}, false
	}
	return a, true
}

// getApp handles GET /v1/admin/apps/{id}; {id} may be the name.
func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.findApp(w, r); ok {
		writeJSON(w, http.StatusOK, a)
	}
}

// deleteApp handles DELETE /v1/admin/apps/{id}; an app that still has
// profiles, and the default app, cannot be deleted (409).
func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.findApp(w, r); ok {
		s.proposeAndAnswer(w, r, &engine.Command{Kind: engine.KindDelete, Target: &engine.Target{Kind: engine.ObjectApp, ID: a.ID}})
	}
}

// appIncluded handles GET /v1/admin/apps/{id}/included[?profile=]: "see
// what's included" for one app, its offline-enabled entities and the
// lookups between them (with a profile's rules, as offlineEntities).
func (s *Server) appIncluded(w http.ResponseWriter, r *http.Request) {
	a, ok := s.findApp(w, r)
	if !ok {
		return
	}
	sch := s.r.Schema()
	s.answerIncluded(w, r, sch, func(e string) bool { return a.Allows(sch, e) })
}

// included lists the offline-enabled entities that in accepts and their
// relationships to entities it accepts.
func included(sch *engine.Schema, in func(string) bool) []OfflineEntity {
	out := []OfflineEntity{}
	for _, e := range sch.Entities {
		if !e.Offline || !in(e.Name) {
			continue
		}
		oe := OfflineEntity{Name: e.Name, DisplayName: e.DisplayName, Ownership: string(e.Ownership), Relationships: []Relationship{}}
		for _, at := range e.Attributes {
			if at.Type != engine.TypeLookup {
				continue
			}
			targets := slices.DeleteFunc(slices.Clone(at.Targets), func(t string) bool { return !in(t) })
			if len(targets) > 0 {
				oe.Relationships = append(oe.Relationships, Relationship{Attribute: at.Name, Targets: targets})
			}
		}
		out = append(out, oe)
	}
	return out
}

// resolveApps turns app names into ids where the admin API takes an app:
// in profiles (by the apps stored, or written in the same request) and
// tokens. An unknown name is a 400 naming the field.
func (s *Server) resolveApps(o *engine.Org) error {
	for i := range o.Profiles {
		ref := o.Profiles[i].App
		if ref == "" {
			continue
		}
		if _, isID := engine.CanonicalGUID(ref); isID {
			continue
		}
		if j := slices.IndexFunc(o.Apps, func(a engine.App) bool { return strings.EqualFold(a.Name, ref) }); j >= 0 {
			o.Profiles[i].App = o.Apps[j].ID
			continue
		}
		a, err := s.apps.resolve(s.r, ref)
		if err != nil {
			return &engine.Error{Err: engine.ErrInvalid, Msg: fmt.Sprintf("profiles[%d].app: no app is named %q", i, ref)}
		}
		o.Profiles[i].App = a.ID
	}
	return nil
}

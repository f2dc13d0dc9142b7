package server

import (
	"net/http"

	"github.com/offsync/offsync/engine"
)

// getSchema handles GET /v1/admin/schema: the published schema.
func (s *Server) getSchema(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.r.Schema())
}

// getDraft handles GET /v1/admin/schema/draft.
func (s *Server) getDraft(w http.ResponseWriter, r *http.Request) {
	d, err := s.r.Draft()
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// putDraft handles PUT /v1/admin/schema/draft: replace the draft.
func (s *Server) putDraft(w http.ResponseWriter, r *http.Request) {
	var sch engine.Schema
	if err := s.decodeJSON(r, &sch); err != nil {
		s.writeErr(w, r, err)
		return
	}
	res, err := s.propose(r.Context(), &engine.Command{Kind: engine.KindSetSchemaDraft, Schema: &sch})
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]uint64{"version": res.Version})
}

// publishSchema handles POST /v1/admin/schema/publish.
func (s *Server) publishSchema(w http.ResponseWriter, r *http.Request) {
	res, err := s.propose(r.Context(), &engine.Command{Kind: engine.KindPublishSchema})
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]uint64{"version": res.Version, "metadataVersion": res.MetadataVersion})
}

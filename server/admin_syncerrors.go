package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/offsync/offsync/engine"
)

func (s *Server) syncErrorRoutes() {
	s.handle("GET /v1/admin/settings", s.getSettings, true)
	s.handle("PUT /v1/admin/settings", s.putSettings, true)
	s.handle("GET /v1/admin/sync-errors", s.listSyncErrors, true)
	s.handle("GET /v1/admin/sync-errors/{ref}", s.getSyncError, true)
	s.handle("DELETE /v1/admin/sync-errors/{ref}", s.syncErrorCommand(engine.KindDeleteSyncError), true)
	s.handle("POST /v1/admin/sync-errors/{ref}/reapply", s.syncErrorCommand(engine.KindReapplySyncError), true)
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	set, err := s.r.Settings()
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, set)
}

// putSettings handles PUT /v1/admin/settings: the fields given replace
// the current ones, the others keep their value.
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) {
	set, err := s.r.Settings()
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if err := s.decodeJSON(r, &set); err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.proposeAndAnswer(w, r, &engine.Command{Kind: engine.KindSetSettings, Settings: &set})
}

// SyncErrorView is a sync error with its reference ("version-index").
type SyncErrorView struct {
	Ref string `json:"ref"`
	engine.SyncError
}

func viewOf(se engine.SyncError) SyncErrorView {
	return SyncErrorView{Ref: fmt.Sprintf("%d-%d", se.Version, se.Index), SyncError: se}
}

// SyncErrorPage is one page of GET /v1/admin/sync-errors: its errors,
// oldest first, and Next, the ref to pass as ?after= for the next page
// (empty on the last page).
type SyncErrorPage struct {
	Items []SyncErrorView `json:"items"`
	Next  string          `json:"next,omitempty"`
}

// listSyncErrors handles GET /v1/admin/sync-errors?user=&app=&entity=&code=&since=&until=&limit=&after=
// (times in RFC 3339 or unix milliseconds; limit 1..1000, default 100;
// after a ref from the previous page's next).
func (s *Server) listSyncErrors(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := engine.SyncErrorFilter{User: strings.ToLower(q.Get("user")), Entity: q.Get("entity"), Code: q.Get("code")}
	if ref := q.Get("app"); ref != "" {
		a, err := s.apps.resolve(s.r, ref)
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		f.App = a.ID
	}
	var err error
	if f.Since, err = parseTime(q.Get("since")); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if f.Until, err = parseTime(q.Get("until")); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > engine.MaxSyncErrorPage {
			s.writeErr(w, r, fmt.Errorf("limit %q: want 1 to %d: %w", v, engine.MaxSyncErrorPage, ErrBadRequest))
			return
		}
		f.Limit = n
	}
	if v := q.Get("after"); v != "" {
		ref, err := parseRef(v)
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		f.After = &ref
	}
	errs, more, err := s.r.SyncErrors(f)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	page := SyncErrorPage{Items: []SyncErrorView{}}
	for _, se := range errs {
		page.Items = append(page.Items, viewOf(se))
	}
	if more && len(page.Items) > 0 {
		page.Next = page.Items[len(page.Items)-1].Ref
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) getSyncError(w http.ResponseWriter, r *http.Request) {
	ref, err := parseRef(r.PathValue("ref"))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	se, err := s.r.SyncError(ref)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewOf(se))
}

// syncErrorCommand deletes or re-applies one sync error; a re-apply
// answers with the mutation's result.
func (s *Server) syncErrorCommand(kind engine.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ref, err := parseRef(r.PathValue("ref"))
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		res, err := s.propose(r.Context(), &engine.Command{Kind: kind, SyncError: &ref})
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		if kind == engine.KindReapplySyncError && len(res.Mutations) == 1 {
			writeJSON(w, http.StatusOK, res.Mutations[0])
			return
		}
		writeJSON(w, http.StatusOK, map[string]uint64{"version": res.Version})
	}
}

func parseRef(s string) (engine.SyncErrorRef, error) {
	v, i, ok := strings.Cut(s, "-")
	version, err1 := strconv.ParseUint(v, 10, 64)
	index, err2 := strconv.Atoi(i)
	if !ok || err1 != nil || err2 != nil || index < 0 || index >= engine.MaxMutationsPerPush {
		return engine.SyncErrorRef{}, fmt.Errorf("sync error %q: want VERSION-INDEX: %w", s, ErrBadRequest)
	}
	return engine.SyncErrorRef{Version: version, Index: index}, nil
}

func parseTime(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, fmt.Errorf("time %q: want RFC 3339 or unix milliseconds: %w", s, ErrBadRequest)
	}
	return t.UnixMilli(), nil
}

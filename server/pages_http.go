package server

import (
	"net/http"

	"github.com/offsync/offsync/codec"
)

// sharedPage handles GET /v1/sync/pages/{id}: one shared page of the
// caller's first load (pages.go). A page is served to a device whose
// user's current group parameters are those of the page's group; a page
// this node does not hold (evicted, or listed by another node) is
// computed again from the caller's own first load, and served when it is
// one of its pages. Anything else, a made-up id included, is 410
// page_gone, which says nothing of other users' pages.
func (s *Server) sharedPage(w http.ResponseWriter, r *http.Request) {
	user, app, ok := s.deviceUser(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	params, err := s.r.GroupParams(user, app)
	if err != nil {
		s.deviceErr(w, r, err)
		return
	}
	p, ok := s.groups.page(id, params)
	if !ok && params != "" && validPageID(id) {
		// Not held here (another node listed it, or it was evicted while
		// its group was not): this user's own first load lists it, or not.
		res, err := s.pullBounded(r, user, app, nil, true)
		if err != nil {
			s.deviceErr(w, r, err)
			return
		}
		p, ok = sharedPageOf(res.Shared, id, params)
	}
	if !ok || params == "" {
		writeError(w, http.StatusGone, CodePageGone, "this page is not part of your first load: load the view again (pull without a cursor)")
		return
	}
	// The id is a digest of the uncompressed body: the representation
	// (its encoding) is in the ETag.
	enc := codec.Zstd
	if ae := r.Header.Get("Accept-Encoding"); ae != "" {
		enc = codec.Negotiate(ae)
	}
	etag := `"` + p.id + "." + enc.String() + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := p.zstd
	if enc != codec.Zstd {
		raw, err := codec.Decompress(codec.Zstd, p.zstd, int64(p.raw))
		if err == nil && enc != codec.Identity {
			raw, err = codec.Compress(enc, nil, raw)
		}
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		body = raw
	}
	if enc != codec.Identity {
		h.Set("Content-Encoding", enc.String())
	}
	h.Set("Content-Type", "application/msgpack")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// validPageID reports whether id has the form of a page id: 32
// lowercase hex digits.
func validPageID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

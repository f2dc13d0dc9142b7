package server

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// devicePull handles POST /v1/sync/pull, and GET /v1/sync/pull?cursor=
// for caches (docs/protocol.md).
func (s *Server) devicePull(w http.ResponseWriter, r *http.Request) {
	user, app, ok := s.deviceUser(w, r)
	if !ok {
		return
	}
	req, err := s.pullRequest(r)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	key, err := s.cursorKey(r.Context())
	if err != nil {
		s.deviceErr(w, r, err)
		return
	}
	wc, _, err := openCursor(key, user, app, req.Cursor)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	need := req.MinVersion
	if wc.C != nil && wc.C.Version > need {
		need = wc.C.Version // a cursor from a node further ahead
	}
	if !s.waitVersion(r, need) {
		if wc.C == nil || wc.C.Version <= s.r.Applied() || !s.aheadOfCluster(r.Context(), wc.C.Version) {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, CodeRetry, "this node has not reached the version asked for yet; retry")
			return
		}
		// A cursor from another copy of the data (cursor_ahead.go): load
		// the view again. A minVersion past the cluster is from there too.
		s.log.Info("cursor ahead of the cluster: reset", "cursor", wc.C.Version, "applied", s.r.Applied())
		wc.C = nil
		if req.MinVersion > s.r.Applied() && !s.aheadOfCluster(r.Context(), req.MinVersion) && !s.waitVersion(r, req.MinVersion) {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, CodeRetry, "this node has not reached the version asked for yet; retry")
			return
		}
	}
	var res *engine.PullResult
	var enc *encodedLoad
	var shared []codec.PageRef // a fresh load's shared pages
	page := 0
	if wc.Snap != "" {
		res, enc = s.snaps.get(wc.Snap, user+"/"+app)
		page = wc.Page
		if enc != nil && (wantsJSON(r) || page >= len(enc.pages)) {
			enc = nil // asked for as JSON now: start it again
		}
	}
	if res == nil && enc == nil {
		cur := wc.C
		if wc.Snap != "" {
			cur = nil // the paged load is gone: start it again
		}
		pages := req.Pages && req.Kinds >= codec.ColumnKinds && !wantsJSON(r) // pages use every column kind
		if res, err = s.pullBounded(r, user, app, cur, pages); err != nil {
			s.deviceErr(w, r, err)
			return
		}
		shared = sharedRefs(res) // pages.go
		page = 0
		wc.Snap = ""
		if res.Reset && countRows(res) > s.cfg.PageRows {
			wc.Snap = newSnapID()
			if wantsJSON(r) {
				s.snaps.put(wc.Snap, user+"/"+app, res)
			} else {
				if enc, err = encodeLoad(s.r.Schema(), res, s.cfg.PageRows); err != nil {
					s.writeErr(w, r, err)
					return
				}
				enc.shared = shared
				s.snaps.putEncoded(wc.Snap, user+"/"+app, enc)
				res = nil
			}
		}
	}
	var part *engine.PullResult
	last, final := true, &engine.Cursor{}
	switch {
	case enc != nil:
		last, final = page == len(enc.pages)-1, &enc.cursor
	case wc.Snap != "":
		part, last = pageOf(res, page, s.cfg.PageRows)
		final = &res.Cursor
	default:
		part, final = res, &res.Cursor
	}
	next := wireCursor{C: final}
	if last {
		s.rememberContext(final.Context, final.Was) // contextqueue.go
	} else {
		next = wireCursor{Snap: wc.Snap, Page: page + 1}
	}
	cb, err := sealCursorBytes(key, user, app, next)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	cursor := base64.RawURLEncoding.EncodeToString(cb)
	if page == 0 && ((enc != nil && enc.reset) || (res != nil && res.Reset)) {
		s.metrics.resets.Inc()
	}
	if wc.Snap != "" {
		// A page of a load is immutable: it can be cached and resumed.
		etag := `"` + wc.Snap + "." + strconv.Itoa(page) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if enc != nil {
		raw, err := enc.answer(page, s.pullMetadataVersion(user, app), cursor)
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		s.writeDevice(w, r, raw, nil)
		return
	}
	part.Reset = res.Reset && page == 0
	ans := *part
	ans.MetadataVersion = s.pullMetadataVersion(user, app) // sync_metadata.go
	if wc.Snap == "" {
		s.dropIdle(wc.C, &ans, last) // sync_nochange.go
	}
	wire := wireAnswer(s.r.Schema(), &ans, cursor, !last)
	var dict *codec.Dict // the device holds the current one (sync_dict.go)
	if req.Dict != 0 && !wantsJSON(r) && (uint64(req.Dict) == ans.MetadataVersion || req.Dict == codec.DictCurrent) {
		if dict = s.answerDict(user, app, ans.MetadataVersion); dict != nil {
			wire = withCursorBytes(wire, cb)
		}
	}
	if pr, ok := wire.(*codec.PullResponse); ok && !wantsJSON(r) {
		// A fresh load that fits one answer lists its shared pages; a
		// paged one lists them on its last page (encodedLoad.answer).
		pr.Pages = shared
		if len(shared) > 0 { // fetched, if the device likes, before it decodes this answer
			w.Header().Set(codec.PagesHeader, codec.PagesHeaderValue(shared))
		}
		a, err := codec.MarshalAnswer(pr) // with its cuts, for the zstd blocks
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		wire = &a
	}
	if dict != nil {
		s.writeDictAnswer(w, r, wire, dict)
		return
	}
	var debug any
	if wantsJSON(r) {
		debug = toJSONPull(&ans, cursor, !last)
	}
	s.writeDevice(w, r, wire, debug)
}

// pullRequest reads a pull request from the body (POST) or the query
// (GET: cursor and minVersion).
func (s *Server) pullRequest(r *http.Request) (codec.PullRequest, error) {
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		req := codec.PullRequest{Cursor: q.Get("cursor"), Pages: q.Get("pages") == "1" || q.Get("pages") == "true"}
		req.Kinds, _ = strconv.Atoi(q.Get("kinds")) // absent or not a number: the first kinds only
		if mv := q.Get("minVersion"); mv != "" {
			v, err := strconv.ParseUint(mv, 10, 64)
			if err != nil {
				return req, fmt.Errorf("read minVersion: not a version: %w", ErrBadRequest)
			}
			req.MinVersion = v
		}
		return req, nil
	}
	body, format, err := s.readFormatted(r)
	if err != nil {
		return codec.PullRequest{}, err
	}
	return codec.DecodePullRequest(body, format)
}

func countRows(res *engine.PullResult) int {
	n := 0
	for _, e := range res.Entities {
		n += len(e.Upserts)
	}
	return n
}

func newSnapID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// pageOf cuts page k (of n rows each) out of a result. Cutoffs and due
// times travel with the last page, when the device holds every row.
func pageOf(res *engine.PullResult, k, n int) (*engine.PullResult, bool) {
	total := countRows(res)
	if total <= n && k == 0 {
		return res, true
	}
	from, to := k*n, (k+1)*n
	last := to >= total
	out := *res
	out.Entities = nil
	pos := 0
	for _, e := range res.Entities {
		lo, hi := max(from-pos, 0), min(to-pos, len(e.Upserts))
		pos += len(e.Upserts)
		d := engine.EntityDelta{Entity: e.Entity}
		if last {
			d.Cutoff, d.NextDue, d.Removals = e.Cutoff, e.NextDue, e.Removals
		}
		if lo < hi {
			d.Upserts = e.Upserts[lo:hi]
		}
		if lo < hi || last {
			out.Entities = append(out.Entities, d)
		}
	}
	return &out, last
}

// toWire converts a result to the msgpack wire form: binary GUIDs,
// interned owners and business units, and rows that codec encodes column
// by column (codec/columnar.go).
func toWire(sch *engine.Schema, res *engine.PullResult, cursor string, more bool) *codec.PullResponse {
	out := &codec.PullResponse{Version: res.Version, MetadataVersion: res.MetadataVersion, Cursor: cursor, More: more, Reset: res.Reset,
		Refs: [][]byte{}, Entities: []codec.EntityChanges{}}
	refs := map[string]int64{}
	ref := func(id string) int64 {
		if id == "" {
			return -1
		}
		if i, ok := refs[id]; ok {
			return i
		}
		b, _ := codec.GUIDBytes(id)
		refs[id] = int64(len(out.Refs))
		out.Refs = append(out.Refs, b)
		return refs[id]
	}
	for _, e := range res.Entities {
		ec := codec.EntityChanges{Entity: e.Entity, Columns: []string{}, Rows: [][]any{}, Removals: [][]byte{}, Cutoff: e.Cutoff, NextDue: e.NextDue}
		def := sch.Entity(e.Entity)
		if def != nil && len(e.Upserts) > 0 {
			for _, a := range def.Attributes {
				for i := range e.Upserts {
					if _, ok := e.Upserts[i].Attrs[a.Name]; ok {
						ec.Columns = append(ec.Columns, a.Name)
						break
					}
				}
			}
		}
		wireRow := func(row codec.Row, cols []string, guid []bool) []any {
			id, _ := codec.GUIDBytes(row.ID)
			vals := make([]any, 0, 6+len(cols))
			vals = append(vals, id, ref(row.OwnerID), ref(row.OwningBusinessUnit), row.CreatedOn, row.ModifiedOn, row.Version)
			for i, c := range cols {
				v := row.Attrs[c]
				if s, ok := v.(string); ok && guid[i] {
					if b, err := codec.GUIDBytes(s); err == nil {
						v = b
					}
				}
				vals = append(vals, v)
			}
			return vals
		}
		if len(e.Upserts) > 0 {
			guid := guidColumns(def, ec.Columns)
			for _, row := range e.Upserts {
				ec.Rows = append(ec.Rows, wireRow(row, ec.Columns, guid))
			}
		}
		ec.PatchColumns = e.PatchColumns
		if len(e.Patches) > 0 {
			guid := guidColumns(def, e.PatchColumns)
			for _, row := range e.Patches {
				ec.Patches = append(ec.Patches, wireRow(row, e.PatchColumns, guid))
			}
		}
		for _, id := range e.Removals {
			b, _ := codec.GUIDBytes(id)
			ec.Removals = append(ec.Removals, b)
		}
		out.Entities = append(out.Entities, ec)
	}
	codec.OrderByReference(out.Entities) // upserts apply in any order: the one that codes smallest
	return out
}

// guidColumns tells, for each of cols, whether def's attribute of that
// name holds GUIDs (sent as 16 bytes); all false for an entity the schema
// no longer has.
func guidColumns(def *engine.EntityDef, cols []string) []bool {
	guid := make([]bool, len(cols))
	if def == nil {
		return guid
	}
	for i, c := range cols {
		if a := def.Attribute(c); a != nil {
			guid[i] = a.Type == engine.TypeGUID || a.Type == engine.TypeLookup
		}
	}
	return guid
}

// jsonPull is the readable JSON form of a pull, for debugging.
type jsonPull struct {
	Version         uint64       `json:"version"`
	MetadataVersion uint64       `json:"metadataVersion"`
	Cursor          string       `json:"cursor"`
	More            bool         `json:"more"`
	Reset           bool         `json:"reset"`
	Entities        []jsonEntity `json:"entities"`
}

type jsonEntity struct {
	Entity   string      `json:"entity"`
	Upserts  []codec.Row `json:"upserts"`
	Patches  []codec.Row `json:"patches"`
	Removals []string    `json:"removals"`
	Cutoff   int64       `json:"cutoff"`
	NextDue  int64       `json:"nextDue"`
}

func toJSONPull(res *engine.PullResult, cursor string, more bool) *jsonPull {
	out := &jsonPull{Version: res.Version, MetadataVersion: res.MetadataVersion, Cursor: cursor, More: more, Reset: res.Reset, Entities: []jsonEntity{}}
	for _, e := range res.Entities {
		je := jsonEntity{Entity: e.Entity, Upserts: e.Upserts, Patches: e.Patches, Removals: e.Removals, Cutoff: e.Cutoff, NextDue: e.NextDue}
		if je.Patches == nil {
			je.Patches = []codec.Row{}
		}
		if je.Upserts == nil {
			je.Upserts = []codec.Row{}
		}
		if je.Removals == nil {
			je.Removals = []string{}
		}
		out.Entities = append(out.Entities, je)
	}
	return out
}

func jsonBytes(v any) ([]byte, error) { return json.Marshal(v) }

// pullBounded computes a pull once one of the MaxConcurrentPulls slots is
// free: beyond the cores, more pulls at once only add memory and queueing
// in the Go scheduler, and starve writes.
func (s *Server) pullBounded(r *http.Request, user, app string, cur *engine.Cursor, pages bool) (*engine.PullResult, error) {
	select {
	case s.pullSlots <- struct{}{}:
	case <-r.Context().Done():
		return nil, fmt.Errorf("wait for a pull slot: %w", ErrBusy)
	}
	defer func() { <-s.pullSlots }()
	// Views are taken at whole seconds: a cursor then carries its time
	// in seconds (cursor.go).
	opt := engine.PullOptions{Cache: s.rules, App: app}
	if pages {
		opt.Groups = s.groups // a first load shares its group as pages (pages.go)
	}
	return s.r.Pull(user, cur, s.now().Truncate(time.Second).UnixMilli(), opt)
}

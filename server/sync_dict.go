package server

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/offsync/offsync/codec"
)

// Answers coded with the answer dictionary (codec/dict.go). A device
// that holds its metadata says so in its pull (PullRequest.Dict, the
// metadata version it holds); when that is the user's current metadata
// version, the answer carries its cursor as bytes (cb) and, when zstd is
// acceptable and the answer small, is coded with the dictionary built
// from that metadata: header Offsync-Dictionary names it (codec.Dict.Name). A device whose
// metadata is stale gets the answer as any device does, with the current
// mv, and rebuilds its dictionary from GET /v1/sync/metadata. JSON
// answers and paged first loads never use it (docs/protocol.md, "The
// answer dictionary").

// dictHeader names the dictionary an answer is coded with.
const dictHeader = "Offsync-Dictionary"

// maxAnswerDicts bounds answerDicts: past it, it starts over.
const maxAnswerDicts = 1024

// answerDicts caches the dictionaries by what their metadata depends on
// (the key of metadataVersions) and its version. The zero value is
// ready.
type answerDicts struct {
	mu sync.Mutex
	m  map[string]*codec.Dict
}

// answerDict returns the dictionary of user's metadata in app when its
// version is mv, else nil.
func (s *Server) answerDict(user, app string, mv uint64) *codec.Dict {
	if mv == 0 || mv > 0xffffffff {
		return nil
	}
	acc, err := s.r.Access(user, app)
	if err != nil || acc.Profile == nil {
		return nil
	}
	sch, p := s.r.Schema(), acc.Profile
	key := strconv.FormatUint(mv, 10) + "\x00" + strconv.FormatUint(sch.Version, 10) + "\x00" + p.ID + "\x00" +
		strconv.FormatUint(p.Published, 10) + "\x00" + p.Name + "\x00" + acc.User.BusinessUnit
	c := &s.dicts
	c.mu.Lock()
	d := c.m[key]
	c.mu.Unlock()
	if d != nil {
		return d
	}
	md := metadataOf(sch, acc)
	if v, err := metadataHash(&md); err != nil || v != mv {
		return nil // the metadata moved on since mv was read
	}
	if d = dictOf(&md, uint32(mv)); d == nil {
		return nil
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxAnswerDicts {
		c.m = map[string]*codec.Dict{}
	}
	c.m[key] = d
	c.mu.Unlock()
	return d
}

// dictOf builds the dictionary of md, whose version is mv.
func dictOf(md *Metadata, mv uint32) *codec.Dict {
	ents := make([]codec.DictEntity, 0, len(md.Entities))
	for _, e := range md.Entities {
		de := codec.DictEntity{Name: e.Name, Columns: make([]string, 0, len(e.Attributes))}
		for _, a := range e.Attributes {
			de.Columns = append(de.Columns, a.Name)
		}
		ents = append(ents, de)
	}
	bu, err := codec.GUIDBytes(md.BusinessUnit)
	if err != nil {
		bu = nil // none, or not a GUID: 16 zero bytes
	}
	d, err := codec.NewDict(mv, bu, ents)
	if err != nil {
		return nil
	}
	return d
}

// quietDictWire is quietWire with the cursor as bytes.
type quietDictWire struct {
	Version         uint64 `msgpack:"v"`
	MetadataVersion uint64 `msgpack:"mv"`
	Cursor          []byte `msgpack:"cb"`
}

// withCursorBytes returns the wire answer v (wireAnswer's) with its
// cursor as the bytes cb.
func withCursorBytes(v any, cb []byte) any {
	switch a := v.(type) {
	case *quietWire:
		return &quietDictWire{Version: a.Version, MetadataVersion: a.MetadataVersion, Cursor: cb}
	case *codec.PullResponse:
		a.Cursor, a.CursorBytes = "", cb
	}
	return v
}

// writeDictAnswer writes the msgpack answer v coded with d when zstd is
// acceptable and the dictionary is worth it, else as writeDevice does.
func (s *Server) writeDictAnswer(w http.ResponseWriter, r *http.Request, v any, d *codec.Dict) {
	enc := codec.Zstd
	if ae := r.Header.Get("Accept-Encoding"); ae != "" {
		enc = codec.Negotiate(ae)
	}
	body, err := codec.MarshalCompact(v)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if enc != codec.Zstd || len(body) < minCompressed || !codec.UseDict(len(body)) {
		s.writeBody(w, r, "application/msgpack", body, codec.CutsOf(v)) // as writeDevice, without encoding v again
		return
	}
	packed := codec.CompressDict(d, nil, body)
	h := w.Header()
	h.Set("Content-Type", "application/msgpack")
	h.Set("Vary", "Accept, Accept-Encoding")
	if len(packed) < len(body) {
		body = packed
		h.Set("Content-Encoding", enc.String())
		h.Set(dictHeader, d.Name())
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

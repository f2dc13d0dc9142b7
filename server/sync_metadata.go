package server

import (
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// Metadata is the answer to GET /v1/sync/metadata: the definitions of the
// entities in the user's profile (only the columns carried) and the rule
// facts a device needs.
type Metadata struct {
	// MetadataVersion names this metadata: it changes whenever what the
	// user's device would receive here changes (see metadataVersion), and
	// every pull answer carries the current one as mv.
	MetadataVersion uint64 `msgpack:"metadataVersion" json:"metadataVersion"`
	Profile         string `msgpack:"profile" json:"profile"`
	// BusinessUnit is the user's business unit: part of the answer
	// dictionary (sync_dict.go), so the metadata version covers it.
	BusinessUnit string           `msgpack:"businessUnit,omitempty" json:"businessUnit,omitempty"`
	Entities     []MetadataEntity `msgpack:"entities" json:"entities"`
}

// MetadataEntity is one entity as a device sees it.
type MetadataEntity struct {
	Name                string             `msgpack:"name" json:"name"`
	DisplayName         string             `msgpack:"displayName,omitempty" json:"displayName,omitempty"`
	Ownership           string             `msgpack:"ownership" json:"ownership"`
	Attributes          []engine.Attribute `msgpack:"attributes" json:"attributes"`
	WindowDays          int                `msgpack:"windowDays" json:"windowDays"`
	SyncIntervalMinutes int                `msgpack:"syncIntervalMinutes" json:"syncIntervalMinutes"`
}

// deviceMetadata handles GET /v1/sync/metadata. The answer carries an
// ETag naming its metadata version; If-None-Match with it gets 304.
func (s *Server) deviceMetadata(w http.ResponseWriter, r *http.Request) {
	_, acc, ok := s.deviceAccess(w, r)
	if !ok {
		return
	}
	md := metadataOf(s.r.Schema(), acc)
	v, err := metadataHash(&md)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	md.MetadataVersion = v
	etag := `"m` + strconv.FormatUint(v, 10) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.Header().Set("Vary", "Accept, Accept-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.writeDevice(w, r, &md, &md)
}

// metadataOf builds the metadata of acc's profile under sch, without its
// version.
func metadataOf(sch *engine.Schema, acc *engine.Access) Metadata {
	md := Metadata{Profile: acc.Profile.Name, BusinessUnit: acc.User.BusinessUnit, Entities: []MetadataEntity{}}
	for _, rule := range acc.Profile.PublishedRules {
		def := sch.Entity(rule.Entity)
		if def == nil {
			continue
		}
		me := MetadataEntity{Name: def.Name, DisplayName: def.DisplayName, Ownership: string(def.Ownership),
			Attributes: []engine.Attribute{}, WindowDays: rule.Window(), SyncIntervalMinutes: rule.SyncIntervalMinutes}
		for _, a := range def.Attributes {
			if len(rule.Columns) == 0 || slices.Contains(rule.Columns, a.Name) {
				if a.Type == engine.TypeLookup {
					// Name only the targets the profile carries: the
					// others are not the device's business.
					a.Targets = slices.DeleteFunc(slices.Clone(a.Targets), func(t string) bool { return acc.Profile.Rule(t) == nil })
				}
				me.Attributes = append(me.Attributes, a)
			}
		}
		md.Entities = append(md.Entities, me)
	}
	return md
}

// metadataHash is the version of md: a hash of its encoded contents
// (MetadataVersion left at 0), folded to 31 bits and never 0, so that
// it fits every client's integer and every node computes the same one.
// Any change to what the device receives (a schema publish that touches
// the profile's entities, a republish, a move to another profile, a
// rename) changes it; only equality means anything.
func metadataHash(md *Metadata) (uint64, error) {
	b, err := codec.MarshalCompact(md)
	if err != nil {
		return 0, err
	}
	h := fnv.New64a()
	h.Write(b)
	sum := h.Sum64()
	v := (sum ^ sum>>31 ^ sum>>62) & 0x7fffffff
	if v == 0 {
		v = 1
	}
	return v, nil
}

// metadataVersions remembers metadataHash per profile publish and schema
// version, so that a pull reports its mv without building the metadata.
// The zero value is ready.
type metadataVersions struct {
	mu sync.Mutex
	m  map[string]uint64
}

// maxMetadataVersions bounds metadataVersions: past it, it starts over.
const maxMetadataVersions = 1024

// metadataVersion returns the version of the metadata acc's device gets
// under sch: what GET /v1/sync/metadata answers as metadataVersion, and
// pulls as mv. It is 0 when acc has no published profile.
func (s *Server) metadataVersion(sch *engine.Schema, acc *engine.Access) uint64 {
	p := acc.Profile
	if p == nil || p.Published == 0 {
		return 0
	}
	// Metadata depends on the schema, the profile's published rules
	// (which change only with Published), its name and the user's
	// business unit.
	key := strconv.FormatUint(sch.Version, 10) + "\x00" + p.ID + "\x00" + strconv.FormatUint(p.Published, 10) + "\x00" + p.Name + "\x00" + acc.User.BusinessUnit
	c := &s.mdVersions
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return v
	}
	md := metadataOf(sch, acc)
	v, err := metadataHash(&md)
	if err != nil {
		return 0
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxMetadataVersions {
		c.m = map[string]uint64{}
	}
	c.m[key] = v
	c.mu.Unlock()
	return v
}

// pullMetadataVersion is the mv of a pull answer for user in app: the
// metadata version GET /v1/sync/metadata answers now, so that a device
// refetches metadata whenever what it would receive changed (a profile
// move or republish too, not only a schema publish). 0 when the access
// cannot be read (the device then refetches, and learns why).
func (s *Server) pullMetadataVersion(user, app string) uint64 {
	acc, err := s.r.Access(user, app)
	if err != nil {
		return 0
	}
	return s.metadataVersion(s.r.Schema(), acc)
}

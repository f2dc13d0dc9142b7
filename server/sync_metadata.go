package server

import (
	"net/http"
	"slices"

	"github.com/offsync/offsync/engine"
)

// Metadata is the answer to GET /v1/sync/metadata: the definitions of the
// entities in the user's profile (only the columns carried) and the rule
// facts a device needs.
type Metadata struct {
	MetadataVersion uint64           `msgpack:"metadataVersion" json:"metadataVersion"`
	Profile         string           `msgpack:"profile" json:"profile"`
	Entities        []MetadataEntity `msgpack:"entities" json:"entities"`
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

// deviceMetadata handles GET /v1/sync/metadata.
func (s *Server) deviceMetadata(w http.ResponseWriter, r *http.Request) {
	_, acc, ok := s.deviceAccess(w, r)
	if !ok {
		return
	}
	sch := s.r.Schema()
	md := Metadata{MetadataVersion: sch.Version, Profile: acc.Profile.Name, Entities: []MetadataEntity{}}
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
	s.writeDevice(w, r, &md, &md)
}

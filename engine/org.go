package engine

import (
	"maps"
	"slices"

	"github.com/vmihailenco/msgpack/v5"
)

// Depth is how far a privilege reaches.
type Depth string

// The privilege depths, from narrowest to widest.
const (
	DepthNone         Depth = "none"
	DepthUser         Depth = "user"
	DepthBusinessUnit Depth = "businessunit"
	DepthParentChild  Depth = "parentchild"
	DepthOrganization Depth = "organization"
)

// BusinessUnit is a node of the business-unit tree. The root has no parent.
type BusinessUnit struct {
	ID     string `json:"id" msgpack:"id"`
	Name   string `json:"name" msgpack:"n"`
	Parent string `json:"parent,omitempty" msgpack:"p,omitempty"`
}

// Team belongs to a business unit and has member users.
type Team struct {
	ID           string   `json:"id" msgpack:"id"`
	Name         string   `json:"name" msgpack:"n"`
	BusinessUnit string   `json:"businessUnit" msgpack:"bu"`
	Members      []string `json:"members,omitempty" msgpack:"m,omitempty"`
	Roles        []string `json:"roles,omitempty" msgpack:"r,omitempty"`
}

// User is a person who may carry rows offline.
type User struct {
	ID           string   `json:"id" msgpack:"id"`
	Name         string   `json:"name" msgpack:"n"`
	Email        string   `json:"email,omitempty" msgpack:"e,omitempty"`
	BusinessUnit string   `json:"businessUnit" msgpack:"bu"`
	Roles        []string `json:"roles,omitempty" msgpack:"r,omitempty"`
	Enabled      bool     `json:"enabled" msgpack:"en"`
}

// Privileges are the depths a role grants on one entity.
type Privileges struct {
	Create Depth `json:"create,omitempty" msgpack:"c,omitempty"`
	Read   Depth `json:"read,omitempty" msgpack:"r,omitempty"`
	Write  Depth `json:"write,omitempty" msgpack:"w,omitempty"`
	Delete Depth `json:"delete,omitempty" msgpack:"d,omitempty"`
	Assign Depth `json:"assign,omitempty" msgpack:"as,omitempty"`
	// Append lets the role set lookups on rows it reaches; unset (roles
	// stored before it was checked) it is the Write depth.
	Append Depth `json:"append,omitempty" msgpack:"ap,omitempty"`
	// AppendTo lets the role make rows it reaches the target of a lookup;
	// unset (roles stored before it existed) it is the Read depth.
	AppendTo Depth `json:"appendTo,omitempty" msgpack:"at,omitempty"`
}

// Role is a security role: privileges per entity.
type Role struct {
	ID         string       `json:"id" msgpack:"id"`
	Name       string       `json:"name" msgpack:"n"`
	Privileges PrivilegeMap `json:"privileges" msgpack:"p"`
}

// PrivilegeMap is a role's privileges by entity name. It encodes to
// msgpack with its keys sorted, so that every replica stores the same
// bytes for the same role (msgpack writes other maps in Go's random
// iteration order).
type PrivilegeMap map[string]Privileges

// EncodeMsgpack implements msgpack.CustomEncoder.
func (m PrivilegeMap) EncodeMsgpack(enc *msgpack.Encoder) error {
	if m == nil {
		return enc.EncodeNil()
	}
	if err := enc.EncodeMapLen(len(m)); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := enc.EncodeString(k); err != nil {
			return err
		}
		if err := enc.Encode(m[k]); err != nil {
			return err
		}
	}
	return nil
}

// Org is a whole organization: used to load the demo dataset in one step.
type Org struct {
	BusinessUnits []BusinessUnit `json:"businessUnits"`
	Teams         []Team         `json:"teams"`
	Users         []User         `json:"users"`
	Roles         []Role         `json:"roles"`
	// Apps are written before Profiles, so that profiles can name them.
	Apps     []App     `json:"apps,omitempty"`
	Profiles []Profile `json:"profiles"`
	// Publish publishes Profiles as they are written.
	Publish bool `json:"publish,omitempty"`
	// Move takes profile members that are in another profile out of it.
	Move bool `json:"move,omitempty"`
}

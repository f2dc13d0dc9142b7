package engine

import (
	"fmt"
	"regexp"
	"sort"
)

// AttrType is the type of an entity attribute.
type AttrType string

// The attribute types. Values are stored canonically: datetime as int64 unix
// milliseconds (UTC), decimal, guid and lookup as strings, choice as int64.
const (
	TypeString   AttrType = "string"
	TypeInt      AttrType = "int"
	TypeFloat    AttrType = "float"
	TypeDecimal  AttrType = "decimal"
	TypeBool     AttrType = "bool"
	TypeDateTime AttrType = "datetime"
	TypeGUID     AttrType = "guid"
	TypeChoice   AttrType = "choice"
	TypeLookup   AttrType = "lookup"
)

// Ownership says who owns an entity's rows.
type Ownership string

// The ownership kinds.
const (
	OwnedByUserOrTeam   Ownership = "user"
	OwnedByOrganization Ownership = "organization"
)

// The system attributes every row carries. They cannot be declared as
// ordinary attributes.
const (
	AttrID                 = "id"
	AttrOwnerID            = "ownerid"
	AttrOwningBusinessUnit = "owningbusinessunit"
	AttrCreatedOn          = "createdon"
	AttrModifiedOn         = "modifiedon"
	AttrVersion            = "version"
)

// SystemAttributes lists the system attribute names.
var SystemAttributes = []string{AttrID, AttrOwnerID, AttrOwningBusinessUnit, AttrCreatedOn, AttrModifiedOn, AttrVersion}

// Choice is one option of a choice (option set) attribute.
type Choice struct {
	Value int64  `json:"value" msgpack:"v"`
	Label string `json:"label" msgpack:"l"`
}

// Attribute is one typed column of an entity.
type Attribute struct {
	Name      string   `json:"name" msgpack:"n"`
	Type      AttrType `json:"type" msgpack:"t"`
	Required  bool     `json:"required,omitempty" msgpack:"r,omitempty"`
	MaxLength int      `json:"maxLength,omitempty" msgpack:"ml,omitempty"`
	Choices   []Choice `json:"choices,omitempty" msgpack:"ch,omitempty"`
	// Targets names the entities a lookup may reference.
	Targets []string `json:"targets,omitempty" msgpack:"tg,omitempty"`
}

// EntityDef defines an entity (table).
type EntityDef struct {
	Name        string      `json:"name" msgpack:"n"`
	DisplayName string      `json:"displayName,omitempty" msgpack:"dn,omitempty"`
	Ownership   Ownership   `json:"ownership" msgpack:"o"`
	Offline     bool        `json:"offline" msgpack:"off"`
	Attributes  []Attribute `json:"attributes" msgpack:"a"`
}

// Schema is a set of entity definitions, draft or published.
type Schema struct {
	// Version is the metadata version: 0 for a draft, incremented by each
	// publish.
	Version  uint64      `json:"version" msgpack:"v"`
	Entities []EntityDef `json:"entities" msgpack:"e"`
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Entity returns the definition of name, or nil.
func (s *Schema) Entity(name string) *EntityDef {
	for i := range s.Entities {
		if s.Entities[i].Name == name {
			return &s.Entities[i]
		}
	}
	return nil
}

// Attribute returns the attribute called name, or nil.
func (e *EntityDef) Attribute(name string) *Attribute {
	for i := range e.Attributes {
		if e.Attributes[i].Name == name {
			return &e.Attributes[i]
		}
	}
	return nil
}

// Validate checks a schema and returns an ErrInvalid error naming the first
// bad field. It also sorts entities by name so that equal schemas have equal
// bytes.
func (s *Schema) Validate() error {
	seen := map[string]bool{}
	for i := range s.Entities {
		e := &s.Entities[i]
		if !nameRE.MatchString(e.Name) {
			return invalidf("entities[%d].name: %q is not a valid name (lowercase letters, digits, _)", i, e.Name)
		}
		if seen[e.Name] {
			return invalidf("entities[%d].name: duplicate entity %q", i, e.Name)
		}
		seen[e.Name] = true
		switch e.Ownership {
		case OwnedByUserOrTeam, OwnedByOrganization:
		case "":
			e.Ownership = OwnedByUserOrTeam
		default:
			return invalidf("entities[%d].ownership: %q is not user or organization", i, e.Ownership)
		}
		if err := validateAttributes(i, e); err != nil {
			return err
		}
	}
	for i := range s.Entities {
		for j, a := range s.Entities[i].Attributes {
			for _, t := range a.Targets {
				if !seen[t] {
					return invalidf("entities[%d].attributes[%d].targets: unknown entity %q", i, j, t)
				}
			}
		}
	}
	sort.Slice(s.Entities, func(a, b int) bool { return s.Entities[a].Name < s.Entities[b].Name })
	return nil
}

func validateAttributes(i int, e *EntityDef) error {
	seen := map[string]bool{}
	for _, sys := range SystemAttributes {
		seen[sys] = true
	}
	for j, a := range e.Attributes {
		field := fmt.Sprintf("entities[%d].attributes[%d]", i, j)
		if !nameRE.MatchString(a.Name) {
			return invalidf("%s.name: %q is not a valid name", field, a.Name)
		}
		if seen[a.Name] {
			return invalidf("%s.name: %q is a duplicate or a system attribute", field, a.Name)
		}
		seen[a.Name] = true
		switch a.Type {
		case TypeString, TypeInt, TypeFloat, TypeDecimal, TypeBool, TypeDateTime, TypeGUID:
		case TypeChoice:
			if len(a.Choices) == 0 {
				return invalidf("%s.choices: a choice attribute needs at least one choice", field)
			}
		case TypeLookup:
			if len(a.Targets) == 0 {
				return invalidf("%s.targets: a lookup needs at least one target entity", field)
			}
		default:
			return invalidf("%s.type: unknown type %q", field, a.Type)
		}
		if a.MaxLength < 0 {
			return invalidf("%s.maxLength: must not be negative", field)
		}
		if a.Type != TypeLookup && len(a.Targets) > 0 {
			return invalidf("%s.targets: only lookups have targets", field)
		}
	}
	return nil
}

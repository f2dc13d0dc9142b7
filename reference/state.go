package reference

import (
	"fmt"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// State is everything a view depends on, loaded whole.
type State struct {
	Schema        engine.Schema
	BusinessUnits []engine.BusinessUnit
	Teams         []engine.Team
	Users         []engine.User
	Roles         []engine.Role
	Profiles      []engine.Profile
	// Rows holds the live rows of each entity.
	Rows map[string][]codec.Row
}

// Source is the engine's read API that Load uses.
type Source interface {
	Schema() *engine.Schema
	BusinessUnits() ([]engine.BusinessUnit, error)
	Teams() ([]engine.Team, error)
	Users() ([]engine.User, error)
	Roles() ([]engine.Role, error)
	Profiles() ([]engine.Profile, error)
	Scan(entity string, fn func(codec.Row) error) error
}

// Load reads the whole state from src. The caller must make sure no write
// happens meanwhile.
func Load(src Source) (*State, error) {
	s := &State{Schema: *src.Schema(), Rows: map[string][]codec.Row{}}
	var err error
	if s.BusinessUnits, err = src.BusinessUnits(); err != nil {
		return nil, fmt.Errorf("load business units: %w", err)
	}
	if s.Teams, err = src.Teams(); err != nil {
		return nil, fmt.Errorf("load teams: %w", err)
	}
	if s.Users, err = src.Users(); err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	if s.Roles, err = src.Roles(); err != nil {
		return nil, fmt.Errorf("load roles: %w", err)
	}
	if s.Profiles, err = src.Profiles(); err != nil {
		return nil, fmt.Errorf("load profiles: %w", err)
	}
	for _, e := range s.Schema.Entities {
		err := src.Scan(e.Name, func(r codec.Row) error {
			s.Rows[e.Name] = append(s.Rows[e.Name], r)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("load %s rows: %w", e.Name, err)
		}
	}
	return s, nil
}

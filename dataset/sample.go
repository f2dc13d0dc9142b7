package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"

	"github.com/offsync/offsync"
	"github.com/offsync/offsync/engine"
)

// sampleDir is the root of the sample inputs inside offsync.SampleData.
const sampleDir = "testdata/crm"

// Schema returns the CRM schema of testdata/crm/schema.json: account,
// contact, opportunity and task, user/team-owned and offline-enabled, as a
// draft (Version 0), validated and sorted by entity name. For choice
// attributes the declared order is the generator's popularity order.
func Schema() (engine.Schema, error) {
	var s engine.Schema
	if err := readJSON("schema.json", &s); err != nil {
		return engine.Schema{}, fmt.Errorf("load schema: %w", err)
	}
	if err := s.Validate(); err != nil {
		return engine.Schema{}, fmt.Errorf("load schema: %w", err)
	}
	return s, nil
}

// Apps returns the app modules of testdata/crm/apps.json: "Sales" (the
// default app, engine.DefaultAppID) and "Field Service".
func Apps() ([]engine.App, error) {
	var as []engine.App
	if err := readJSON("apps.json", &as); err != nil {
		return nil, fmt.Errorf("load apps: %w", err)
	}
	return as, nil
}

// Profiles returns the offline profiles of testdata/crm/profiles.json,
// "Field Sales" and "Managers" in app Sales and "Field Technicians" in app
// Field Service, as drafts without members. Org adds the members.
func Profiles() ([]engine.Profile, error) {
	s, err := Schema()
	if err != nil {
		return nil, fmt.Errorf("load profiles: %w", err)
	}
	var ps []engine.Profile
	if err := readJSON("profiles.json", &ps); err != nil {
		return nil, fmt.Errorf("load profiles: %w", err)
	}
	for i := range ps {
		if err := checkProfile(&s, &ps[i]); err != nil {
			return nil, fmt.Errorf("load profiles: profiles[%d]: %w", i, err)
		}
	}
	return ps, nil
}

// checkProfile catches mistakes in profiles.json: the engine validates
// profiles for real when they are published.
func checkProfile(s *engine.Schema, p *engine.Profile) error {
	if p.ID == "" || p.Name == "" {
		return fmt.Errorf("id and name are required")
	}
	for j, r := range p.Rules {
		e := s.Entity(r.Entity)
		if e == nil {
			return fmt.Errorf("rules[%d].entity: unknown entity %q", j, r.Entity)
		}
		if len(r.Rows) == 0 {
			return fmt.Errorf("rules[%d].rows: empty", j)
		}
		for _, rel := range r.Relationships {
			if a := e.Attribute(rel); a == nil || a.Type != engine.TypeLookup {
				return fmt.Errorf("rules[%d].relationships: %q is not a lookup of %s", j, rel, r.Entity)
			}
		}
		if r.SyncIntervalMinutes < engine.MinSyncIntervalMinutes || r.SyncIntervalMinutes > engine.MaxSyncIntervalMinutes {
			return fmt.Errorf("rules[%d].syncIntervalMinutes: %d is out of range", j, r.SyncIntervalMinutes)
		}
	}
	return nil
}

// readJSON decodes testdata/crm/<name>, refusing unknown fields so that a
// typo in the file is an error rather than a silent default.
func readJSON(name string, v any) error {
	b, err := fs.ReadFile(offsync.SampleData, sampleDir+"/"+name)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", name, err)
	}
	return nil
}

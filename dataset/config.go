package dataset

import (
	"errors"
	"fmt"
	"time"
)

// The sizes ConfigFor knows.
const (
	SizeDemo   = "demo"   // about 3,000 rows and 25 users: a laptop demo
	SizeSmall  = "small"  // 10,000 rows
	SizeMedium = "medium" // 100,000 rows
	SizeLarge  = "large"  // 1,000,000 rows
)

// The kinds of dataset Config.Kind selects.
const (
	// KindCRMN is CRM-N, the realistic dataset (the default; an empty
	// Kind means the same).
	KindCRMN = "crm-n"
	// KindNoisy is CRM-noisy: CRM-N's schema, org, relationships and
	// owners, with high-entropy values (see noisy.go).
	KindNoisy = "noisy"
)

// DefaultSeed is the seed ConfigFor uses.
const DefaultSeed = 1

// DefaultNow is the reference time ConfigFor uses: 2026-01-01T00:00:00Z.
// Callers that want rows modified "recently" set Now to the current time.
var DefaultNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Window is how far before Config.Now the generated rows' createdon and
// modifiedon spread.
const Window = 90 * 24 * time.Hour

// ErrInvalidConfig is wrapped by every error of Config.Validate and
// ConfigFor.
var ErrInvalidConfig = errors.New("invalid dataset config")

// ConfigError names the bad field of a Config. It unwraps to
// ErrInvalidConfig.
type ConfigError struct {
	Field  string // the Config field, or "size" for ConfigFor
	Reason string // what is wrong with it
}

// Error returns "dataset config: <Field>: <Reason>".
func (e *ConfigError) Error() string {
	return "dataset config: " + e.Field + ": " + e.Reason
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// Config sizes a CRM-N dataset. Everything is deterministic from Seed and
// Now: the same Config always yields the same org and the same records.
type Config struct {
	// Kind is the dataset: KindCRMN (or empty) or KindNoisy. Both have
	// the same org, row counts and relationships.
	Kind string
	// Seed selects the dataset. Ids depend only on Seed, Kind, entity and
	// index.
	Seed int64
	// Now is the reference time: createdon and modifiedon spread over the
	// Window (90 days) before Now.
	Now time.Time
	// Row counts per entity.
	Accounts, Contacts, Opportunities, Tasks int
	// Org size. Users must be at least BusinessUnits: each business unit
	// has a manager. BusinessUnits >= 7 makes a 3-level tree.
	Users, Teams, BusinessUnits int
}

// The org of the small, medium and large sizes: the benchmarks' org is
// fixed, only the row counts grow.
const (
	fixedUsers         = 1000
	fixedTeams         = 100
	fixedBusinessUnits = 20
)

// ConfigFor returns the Config of a named size (SizeDemo, SizeSmall,
// SizeMedium or SizeLarge) with DefaultSeed and DefaultNow. Rows are mixed
// 20% accounts, 40% contacts, 25% opportunities and 15% tasks.
func ConfigFor(size string) (Config, error) {
	c := Config{Seed: DefaultSeed, Now: DefaultNow}
	var rows int
	switch size {
	case SizeDemo:
		rows = 3000
		c.Users, c.Teams, c.BusinessUnits = 25, 5, 5
	case SizeSmall:
		rows = 10_000
	case SizeMedium:
		rows = 100_000
	case SizeLarge:
		rows = 1_000_000
	default:
		return Config{}, &ConfigError{Field: "size", Reason: fmt.Sprintf("unknown size %q (want demo, small, medium or large)", size)}
	}
	if c.Users == 0 {
		c.Users, c.Teams, c.BusinessUnits = fixedUsers, fixedTeams, fixedBusinessUnits
	}
	c.Accounts = rows * 20 / 100
	c.Contacts = rows * 40 / 100
	c.Opportunities = rows * 25 / 100
	c.Tasks = rows * 15 / 100
	return c, nil
}

// Validate checks c. Its errors are *ConfigError values naming the field.
func (c Config) Validate() error {
	if err := CheckKind(c.Kind); err != nil {
		return err
	}
	if c.Now.IsZero() {
		return &ConfigError{Field: "Now", Reason: "must be set"}
	}
	counts := []struct {
		field string
		n     int
	}{
		{"Accounts", c.Accounts},
		{"Contacts", c.Contacts},
		{"Opportunities", c.Opportunities},
		{"Tasks", c.Tasks},
		{"Users", c.Users},
		{"Teams", c.Teams},
		{"BusinessUnits", c.BusinessUnits},
	}
	for _, f := range counts {
		if f.n <= 0 {
			return &ConfigError{Field: f.field, Reason: "must be positive"}
		}
		if f.n > maxCount {
			return &ConfigError{Field: f.field, Reason: fmt.Sprintf("must be at most %d", maxCount)}
		}
	}
	if c.Users < c.BusinessUnits {
		return &ConfigError{Field: "Users", Reason: fmt.Sprintf("must be at least BusinessUnits (%d): each business unit has a manager", c.BusinessUnits)}
	}
	return nil
}

// CheckKind returns a *ConfigError for Field "Kind" unless kind is
// KindCRMN, KindNoisy or empty.
func CheckKind(kind string) error {
	if kind != "" && kind != KindCRMN && kind != KindNoisy {
		return &ConfigError{Field: "Kind", Reason: fmt.Sprintf("unknown kind %q (want %q or %q)", kind, KindCRMN, KindNoisy)}
	}
	return nil
}

// maxCount bounds each count so that index arithmetic cannot overflow.
const maxCount = 1 << 30

// Rows returns the number of records Generate emits.
func (c Config) Rows() int {
	return c.Accounts + c.Contacts + c.Opportunities + c.Tasks
}

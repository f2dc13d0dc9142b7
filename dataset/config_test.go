package dataset

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConfigForCounts(t *testing.T) {
	tests := []struct {
		size                                     string
		accounts, contacts, opportunities, tasks int
		users, teams, businessUnits, rows        int
	}{
		{SizeDemo, 600, 1200, 750, 450, 25, 5, 5, 3000},
		{SizeSmall, 2000, 4000, 2500, 1500, 1000, 100, 20, 10_000},
		{SizeMedium, 20_000, 40_000, 25_000, 15_000, 1000, 100, 20, 100_000},
		{SizeLarge, 200_000, 400_000, 250_000, 150_000, 1000, 100, 20, 1_000_000},
	}
	for _, tt := range tests {
		c := mustConfig(t, tt.size)
		got := []int{c.Accounts, c.Contacts, c.Opportunities, c.Tasks, c.Users, c.Teams, c.BusinessUnits, c.Rows()}
		want := []int{tt.accounts, tt.contacts, tt.opportunities, tt.tasks, tt.users, tt.teams, tt.businessUnits, tt.rows}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: counts = %v, want %v", tt.size, got, want)
				break
			}
		}
		if c.Seed != DefaultSeed || !c.Now.Equal(DefaultNow) {
			t.Errorf("%s: Seed %d Now %v, want defaults", tt.size, c.Seed, c.Now)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: Validate: %v", tt.size, err)
		}
	}
}

func TestConfigForUnknownSize(t *testing.T) {
	_, err := ConfigFor("huge")
	if err == nil || !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "size") || !strings.Contains(err.Error(), "huge") {
		t.Fatalf("ConfigFor(huge) = %v, want an ErrInvalidConfig naming the size", err)
	}
}

func TestValidateNamesField(t *testing.T) {
	tests := []struct {
		field string
		edit  func(*Config)
	}{
		{"Accounts", func(c *Config) { c.Accounts = 0 }},
		{"Contacts", func(c *Config) { c.Contacts = -1 }},
		{"Opportunities", func(c *Config) { c.Opportunities = 0 }},
		{"Tasks", func(c *Config) { c.Tasks = 0 }},
		{"Users", func(c *Config) { c.Users = 0 }},
		{"Teams", func(c *Config) { c.Teams = 0 }},
		{"BusinessUnits", func(c *Config) { c.BusinessUnits = 0 }},
		{"Users", func(c *Config) { c.Users = 3 }}, // fewer than the 5 business units
		{"Now", func(c *Config) { c.Now = time.Time{} }},
		{"Kind", func(c *Config) { c.Kind = "crm-x" }},
	}
	for _, tt := range tests {
		c := mustConfig(t, SizeDemo)
		tt.edit(&c)
		err := c.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Validate after editing %s = %v, want a ConfigError for %s", tt.field, err, tt.field)
			continue
		}
		if want := "dataset config: " + tt.field + ": "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %q does not start with %q", err, want)
		}
	}
}

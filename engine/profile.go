package engine

// The row scopes a profile rule can take. RowsAll and RowsRelated stand
// alone; the others combine.
const (
	RowsAll          = "all"
	RowsRelated      = "related"
	RowsOrganization = "organization"
	RowsUser         = "user"
	RowsTeam         = "team"
	RowsBusinessUnit = "businessunit"
)

// Defaults for a new profile rule.
const (
	DefaultModifiedWithinDays  = 10
	DefaultSyncIntervalMinutes = 60
	MinSyncIntervalMinutes     = 5
	MaxSyncIntervalMinutes     = 1440
)

// Rule says which rows of one entity a profile carries.
type Rule struct {
	Entity string   `json:"entity" msgpack:"e"`
	Rows   []string `json:"rows" msgpack:"r"`
	Filter string   `json:"filter,omitempty" msgpack:"f,omitempty"`
	// ModifiedWithinDays keeps rows modified in the last N days; nil means
	// the default (10), 0 means no window.
	ModifiedWithinDays  *int     `json:"modifiedWithinDays,omitempty" msgpack:"w,omitempty"`
	Relationships       []string `json:"relationships,omitempty" msgpack:"rel,omitempty"`
	SyncIntervalMinutes int      `json:"syncIntervalMinutes,omitempty" msgpack:"si,omitempty"`
	Columns             []string `json:"columns,omitempty" msgpack:"c,omitempty"`
}

// Profile is an offline profile: the rules and its members.
type Profile struct {
	ID          string   `json:"id" msgpack:"id"`
	Name        string   `json:"name" msgpack:"n"`
	Description string   `json:"description,omitempty" msgpack:"d,omitempty"`
	Rules       []Rule   `json:"rules" msgpack:"r"`
	Users       []string `json:"users,omitempty" msgpack:"u,omitempty"`
	Teams       []string `json:"teams,omitempty" msgpack:"t,omitempty"`
	// Published is the metadata of the last publish: 0 while a draft only.
	Published uint64 `json:"published" msgpack:"pub"`
}

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

// Profile is an offline profile: its draft rules, the rules last
// published (those are what devices get), and its members.
type Profile struct {
	ID string `json:"id" msgpack:"id"`
	// Name is unique among profiles ignoring case, and never a GUID, so
	// that a name never reads as another profile's id.
	Name        string `json:"name" msgpack:"n"`
	Description string `json:"description,omitempty" msgpack:"d,omitempty"`
	// App is the id of the app the profile belongs to; empty (as stored)
	// is the default app (DefaultAppID). Its rules may name only the
	// app's entities, and it cannot move to another app.
	App string `json:"app,omitempty" msgpack:"a,omitempty"`
	// Rules is the draft: editing it changes nothing for devices until
	// the profile is published.
	Rules []Rule `json:"rules" msgpack:"r"`
	// Users and Teams are the members. A user is a member of at most one
	// profile; a user with no profile of their own takes the profile of
	// one of their teams (the smallest profile id). Writing a profile with
	// neither keeps its current members.
	Users []string `json:"users,omitempty" msgpack:"u,omitempty"`
	Teams []string `json:"teams,omitempty" msgpack:"t,omitempty"`
	// Published is the version of the last publish, 0 if never.
	Published uint64 `json:"published" msgpack:"pub"`
	// PublishedRules are the rules in effect since Published.
	PublishedRules []Rule `json:"publishedRules,omitempty" msgpack:"pr,omitempty"`
}

// AppID returns the id of the profile's app.
func (p *Profile) AppID() string { return appID(p.App) }

// Rule returns the published rule for entity, or nil.
func (p *Profile) Rule(entity string) *Rule {
	for i := range p.PublishedRules {
		if p.PublishedRules[i].Entity == entity {
			return &p.PublishedRules[i]
		}
	}
	return nil
}

// Window returns the rule's modified-within days (0: no window).
func (r *Rule) Window() int {
	if r.ModifiedWithinDays == nil {
		return DefaultModifiedWithinDays
	}
	return *r.ModifiedWithinDays
}

// Has reports whether the rule's rows include choice.
func (r *Rule) Has(choice string) bool {
	for _, c := range r.Rows {
		if c == choice {
			return true
		}
	}
	return false
}

// Members changes a profile's members.
type Members struct {
	Profile string `json:"profile" msgpack:"p"`
	// (The members' app is the profile's: a user is in at most one
	// profile per app, and Move takes members out of another profile of
	// the same app.)
	Users []string `json:"users,omitempty" msgpack:"u,omitempty"`
	Teams []string `json:"teams,omitempty" msgpack:"t,omitempty"`
	// Remove takes the members out instead of adding them.
	Remove bool `json:"remove,omitempty" msgpack:"rm,omitempty"`
	// Move takes members that are in another profile out of it.
	Move bool `json:"move,omitempty" msgpack:"mv,omitempty"`
}

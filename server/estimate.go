package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// DefaultEstimateSample is how many members an estimate evaluates at most.
const DefaultEstimateSample = 20

// Estimate is what a profile's first download would cost.
type Estimate struct {
	Profile string `json:"profile"`
	// App is the id of the profile's app.
	App string `json:"app"`
	// Rules says which rules were evaluated: "draft" or "published".
	Rules string `json:"rules"`
	// Users are the users evaluated; Members is how many the profile has.
	Users    []string         `json:"users"`
	Members  int              `json:"members"`
	Entities []EntityEstimate `json:"entities"`
	Total    EntityEstimate   `json:"total"`
}

// EntityEstimate is one entity's share: rows and zstd-compressed msgpack
// bytes of a first download, averaged over the users evaluated, and the
// largest.
type EntityEstimate struct {
	Entity   string `json:"entity,omitempty"`
	Rows     int    `json:"rows"`
	Bytes    int    `json:"bytes"`
	MaxRows  int    `json:"maxRows"`
	MaxBytes int    `json:"maxBytes"`
	// DependsOnTime says the rule's filter compares with today(): rows
	// enter and leave the view as days pass, so the numbers are those of
	// today.
	DependsOnTime bool `json:"dependsOnTime,omitempty"`
}

// estimate handles GET /v1/admin/profiles/{id}/estimate[?user=ID][&rules=published].
// It evaluates the draft rules (what would go live) by default.
func (s *Server) estimate(w http.ResponseWriter, r *http.Request) {
	p, ok := s.findProfile(w, r)
	if !ok {
		return
	}
	rules, which := p.Rules, "draft"
	if r.URL.Query().Get("rules") == "published" {
		rules, which = p.PublishedRules, "published"
	}
	users, members, err := s.estimateUsers(p, strings.ToLower(r.URL.Query().Get("user")))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	est := Estimate{Profile: p.Name, App: p.AppID(), Rules: which, Users: users, Members: members}
	sums := map[string]*EntityEstimate{}
	for _, rule := range rules {
		sums[rule.Entity] = &EntityEstimate{Entity: rule.Entity}
	}
	now := s.now().UnixMilli()
	for _, u := range users {
		per := map[string][]byte{}
		count := map[string]int{}
		_, err := s.r.ViewOf(u, rules, now, func(vr engine.ViewRow) error {
			b, err := codec.AppendMarshal(per[vr.Rule.Entity], engine.Project(vr.Rule, vr.Row))
			per[vr.Rule.Entity] = b
			count[vr.Rule.Entity]++
			return err
		})
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		for entity, sum := range sums {
			z, err := codec.Compress(codec.Zstd, nil, per[entity])
			if err != nil {
				s.writeErr(w, r, err)
				return
			}
			sum.Rows += count[entity]
			sum.Bytes += len(z)
			sum.MaxRows = max(sum.MaxRows, count[entity])
			sum.MaxBytes = max(sum.MaxBytes, len(z))
		}
	}
	for _, rule := range rules {
		e := *sums[rule.Entity]
		e.DependsOnTime = rule.DependsOnTime(s.r.Schema())
		if n := len(users); n > 0 {
			e.Rows, e.Bytes = e.Rows/n, e.Bytes/n
		}
		est.Entities = append(est.Entities, e)
		est.Total.Rows += e.Rows
		est.Total.Bytes += e.Bytes
		est.Total.MaxRows += e.MaxRows
		est.Total.MaxBytes += e.MaxBytes
	}
	writeJSON(w, http.StatusOK, est)
}

// estimateUsers picks the users to evaluate: the one asked for, else an
// evenly spaced sample of the profile's members (direct, and through its
// teams).
func (s *Server) estimateUsers(p *engine.Profile, user string) ([]string, int, error) {
	if user != "" {
		users, err := s.r.Users()
		if err != nil {
			return nil, 0, err
		}
		if !slices.ContainsFunc(users, func(u engine.User) bool { return u.ID == user }) {
			return nil, 0, &engine.Error{Err: engine.ErrNotFound, Msg: "user " + user + " not found"}
		}
		return []string{user}, 1, nil
	}
	members := slices.Clone(p.Users)
	teams, err := s.r.Teams()
	if err != nil {
		return nil, 0, err
	}
	for _, t := range teams {
		if slices.Contains(p.Teams, t.ID) {
			members = append(members, t.Members...)
		}
	}
	slices.Sort(members)
	members = slices.Compact(members)
	if len(members) == 0 {
		return nil, 0, &engine.Error{Err: engine.ErrInvalid, Msg: "profile has no members: pass ?user= to estimate for one user"}
	}
	sample := members
	if len(members) > DefaultEstimateSample {
		sample = make([]string, 0, DefaultEstimateSample)
		for i := 0; i < DefaultEstimateSample; i++ {
			sample = append(sample, members[i*len(members)/DefaultEstimateSample])
		}
	}
	return sample, len(members), nil
}

package dataset

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/offsync/offsync/engine"
)

// The streams of random values. Each row of each entity has its own
// streams, seeded from (seed, stream kind, index), so a row can be rebuilt
// alone and a lookup can compute facts about the row it references (its
// owner, name or city) without the generator keeping any row.
var (
	kindAccountRow    = kindOf("account/row")
	kindAccountName   = kindOf("account/name")
	kindAccountCity   = kindOf("account/city")
	kindAccountOwner  = kindOf("account/owner")
	kindContactRow    = kindOf("contact/row")
	kindContactParent = kindOf("contact/parent")
	kindOppRow        = kindOf("opportunity/row")
	kindOppAccount    = kindOf("opportunity/account")
	kindOppOwner      = kindOf("opportunity/owner")
	kindTaskRow       = kindOf("task/row")
)

// The choice values the generator gives meaning to. newGenerator checks
// that schema.json declares them.
const (
	priorityLow, priorityNormal, priorityHigh = 0, 1, 2
	stateOpen, stateCompleted, stateCanceled  = 0, 1, 2
)

// salesStages are the salesstage values from Qualify to Close.
var salesStages = []int64{0, 1, 2, 3}

// generator builds the rows of one Config. It holds only the word lists,
// the owner ids and the samplers: O(Users + Teams), never O(rows).
type generator struct {
	c      Config
	k      keyer
	w      *words
	nowSec int64 // Config.Now in unix seconds

	users, teams []string // owner ids, as Org returns them

	// Skewed index spaces: who owns rows, which rows lookups reference.
	userPick, teamPick                  skewedIndex
	accountPick, contactPick, oppPick   skewedIndex
	first, last, stem, sector, suffix   skew
	city, job, street, fragment         skew
	subject, product, pattern, quantity skew

	industries []int64
	industry   skew
}

// quantities are the order sizes in opportunity names, most common first.
var quantities = []string{"10", "25", "50", "5", "100", "20", "250", "15", "500", "1000", "30", "75"}

func newGenerator(c Config) (*generator, error) {
	w, err := loadWords()
	if err != nil {
		return nil, err
	}
	s, err := Schema()
	if err != nil {
		return nil, err
	}
	industries, err := choiceValues(&s, "account", "industrycode")
	if err != nil {
		return nil, err
	}
	for _, want := range []struct {
		entity, attr string
		values       []int64
	}{
		{"opportunity", "salesstage", salesStages},
		{"task", "prioritycode", []int64{priorityLow, priorityNormal, priorityHigh}},
		{"task", "statecode", []int64{stateOpen, stateCompleted, stateCanceled}},
	} {
		got, err := choiceValues(&s, want.entity, want.attr)
		if err != nil {
			return nil, err
		}
		for _, v := range want.values {
			if !slices.Contains(got, v) {
				return nil, fmt.Errorf("check schema: %s.%s does not declare choice %d", want.entity, want.attr, v)
			}
		}
	}
	g := &generator{
		c:           c,
		k:           newKeyer(c.Seed),
		w:           w,
		nowSec:      c.Now.Unix(),
		users:       make([]string, c.Users),
		teams:       make([]string, c.Teams),
		userPick:    newSkewedIndex(c.Users, 1.1, 10, uint64(c.Seed)*7+1),
		teamPick:    newSkewedIndex(c.Teams, 1.1, 3, uint64(c.Seed)*7+2),
		accountPick: newSkewedIndex(c.Accounts, 1, 100, uint64(c.Seed)*7+3),
		contactPick: newSkewedIndex(c.Contacts, 1, 100, uint64(c.Seed)*7+4),
		oppPick:     newSkewedIndex(c.Opportunities, 1, 100, uint64(c.Seed)*7+5),
		first:       newSkew(len(w.firstNames), 1.05, 5),
		last:        newSkew(len(w.lastNames), 1.0, 8),
		stem:        newSkew(len(w.stems), 1.1, 3),
		sector:      newSkew(len(w.sectors), 1.0, 4),
		suffix:      newSkew(len(w.suffixes), 1.2, 1),
		city:        newSkew(len(w.cities), 1.1, 3),
		job:         newSkew(len(w.jobTitles), 1.0, 3),
		street:      newSkew(len(w.streets), 0.9, 5),
		fragment:    newSkew(len(w.fragments), 1.1, 3),
		subject:     newSkew(len(w.taskSubjects), 1.1, 3),
		product:     newSkew(len(w.products), 1.0, 4),
		pattern:     newSkew(len(w.oppPatterns), 0.8, 2),
		quantity:    newSkew(len(quantities), 1.0, 2),
		industries:  industries,
		industry:    newSkew(len(industries), 1.0, 2),
	}
	for i := range g.users {
		g.users[i] = g.k.id(kindUser, i)
	}
	for i := range g.teams {
		g.teams[i] = g.k.id(kindTeam, i)
	}
	return g, nil
}

// choiceValues returns the declared values of a choice attribute in order.
func choiceValues(s *engine.Schema, entity, attr string) ([]int64, error) {
	e := s.Entity(entity)
	if e == nil {
		return nil, fmt.Errorf("check schema: no entity %q", entity)
	}
	a := e.Attribute(attr)
	if a == nil || a.Type != engine.TypeChoice || len(a.Choices) == 0 {
		return nil, fmt.Errorf("check schema: %s.%s is not a choice", entity, attr)
	}
	out := make([]int64, len(a.Choices))
	for i, ch := range a.Choices {
		out[i] = ch.Value
	}
	return out, nil
}

// drawOwner returns a user id (about 90%) or a team id, skewed: a few
// users own far more rows than most.
func (g *generator) drawOwner(r *stream) string {
	if r.chance(0.1) {
		return g.teams[g.teamPick.pick(r)]
	}
	return g.users[g.userPick.pick(r)]
}

// stamps returns createdon and modifiedon in unix milliseconds, at second
// precision: created uniformly over the Window before Now, modified
// between created and Now, leaning to recent.
func (g *generator) stamps(r *stream) (created, modified int64) {
	c := g.nowSec - int64(r.intn(int(Window/time.Second)))
	m := c
	if !r.chance(0.3) {
		m = c + int64(math.Sqrt(r.float())*float64(g.nowSec-c))
	}
	return c * 1000, m * 1000
}

// descSizes weighs descriptions of 1, 2, 3 and 4 fragments.
var descSizes = []float64{0.5, 0.3, 0.15, 0.05}

// description composes a note from the skewed fragment list, so that
// common sentences repeat across rows the way pasted notes do.
func (g *generator) description(r *stream, cityName string) string {
	n := 1 + r.weighted(descSizes)
	var b strings.Builder
	prev := -1
	for range n {
		f := g.fragment.pick(r)
		if f == prev {
			continue
		}
		prev = f
		s := g.w.fragments[f]
		if strings.IndexByte(s, '{') >= 0 {
			if cityName == "" {
				cityName = g.w.cities[g.city.pick(r)].name
			}
			s = strings.ReplaceAll(s, "{city}", cityName)
			s = strings.ReplaceAll(s, "{product}", g.w.products[g.product.pick(r)])
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return clip(b.String(), 2000)
}

// absent leaves an optional attribute out, or about one time in ten sends
// it as an explicit null, as back-office exports do.
func absent(r *stream, attrs map[string]any, name string) {
	if r.chance(0.1) {
		attrs[name] = nil
	}
}

// dayMillis returns the unix milliseconds of midnight UTC of the day of
// sec, plus days.
func dayMillis(sec int64, days int) int64 {
	d := sec/86400 + int64(days)
	return d * 86400 * 1000
}

package dataset

import (
	"time"

	"github.com/offsync/offsync/codec"
)

// CRM-noisy (Config.Kind KindNoisy) is CRM-N's worst case for an encoder:
// the same schema, org, row counts, relationships and owners, but
//
//   - row ids from another key space, and account numbers of random
//     characters: nothing sequential or structured;
//   - names, titles, cities and descriptions of random pseudo-words
//     (noisy_text.go), so almost no string repeats; descriptions come
//     about as often as CRM-N's, and about as long;
//   - numbers, choices, booleans, owners and lookup targets drawn
//     uniformly, not skewed; dates and times uniform to the millisecond.
//
// Like CRM-N, every row draws from its own streams seeded from (seed,
// purpose, index), so a row can compute the id and owner of the rows it
// references, and the output is a pure function of the Config.

// noisySalt moves CRM-noisy's ids and streams away from CRM-N's.
const noisySalt = 0x2545f4914f6cdd1d

// noisy builds CRM-noisy rows. It borrows the generator's owners and the
// choices the schema declares, and nothing else.
type noisy struct {
	g *generator
	k keyer
}

func newNoisy(g *generator) *noisy {
	return &noisy{g: g, k: newKeyer(g.c.Seed ^ noisySalt)}
}

// owner returns a user id (about 90%) or a team id, uniformly.
func (n *noisy) owner(r *stream) string {
	if r.chance(0.1) {
		return n.g.teams[r.intn(len(n.g.teams))]
	}
	return n.g.users[r.intn(len(n.g.users))]
}

// stamps returns createdon uniformly over the Window before Now and
// modifiedon uniformly between it and Now, in unix milliseconds.
func (n *noisy) stamps(r *stream) (created, modified int64) {
	now := n.g.nowSec * 1000
	created = now - int64(r.intn(int(Window/time.Millisecond)))
	return created, created + int64(r.intn(int(now-created)+1))
}

// optional sets attrs[name] to value() with probability p, else leaves
// it out or sends an explicit null (see absent).
func optional(r *stream, attrs map[string]any, name string, p float64, value func() any) {
	if r.chance(p) {
		attrs[name] = value()
	} else {
		absent(r, attrs, name)
	}
}

// money returns a decimal string of a uniform amount of cents below
// limit.
func money(r *stream, limit int) string { return cents(int64(r.intn(limit))) }

func (n *noisy) accountOwner(j int) string {
	r := n.k.stream(kindAccountOwner, j)
	return n.owner(&r)
}

func (n *noisy) account(j int) codec.Record {
	r := n.k.stream(kindAccountRow, j)
	a := make(map[string]any, 16)
	a["createdon"], a["modifiedon"] = n.stamps(&r)
	a["name"] = randTitle(&r, 1, 4, 160)
	optional(&r, a, "accountnumber", 0.8, func() any { return randCode(&r, r.between(6, 20), upperDigits) })
	optional(&r, a, "telephone1", 0.8, func() any { return noisyPhone(&r) })
	optional(&r, a, "websiteurl", 0.8, func() any { return "https://" + randDomain(&r) + "/" + randWord(&r) })
	optional(&r, a, "address1_line1", 0.8, func() any { return randCode(&r, r.between(1, 5), digitChars) + " " + randTitle(&r, 1, 3, 240) })
	optional(&r, a, "address1_city", 0.8, func() any { return randTitle(&r, 1, 2, 80) })
	optional(&r, a, "address1_stateorprovince", 0.8, func() any { return randTitle(&r, 1, 1, 50) })
	optional(&r, a, "address1_country", 0.8, func() any { return randTitle(&r, 1, 2, 80) })
	optional(&r, a, "industrycode", 0.8, func() any { return n.g.industries[r.intn(len(n.g.industries))] })
	optional(&r, a, "revenue", 0.8, func() any { return money(&r, 1e12) })
	optional(&r, a, "numberofemployees", 0.8, func() any { return int64(r.between(1, 500_000)) })
	a["creditonhold"] = r.chance(0.5)
	optional(&r, a, "description", 0.35, func() any { return randSentences(&r, 5, 40, 2000) })
	if j < n.g.c.Contacts && r.chance(0.85) {
		a["primarycontactid"] = n.k.id(kindContact, j) // contact j's parent is account j
	} else {
		absent(&r, a, "primarycontactid")
	}
	return codec.Record{Op: codec.OpUpsert, Entity: "account", ID: n.k.id(kindAccount, j), OwnerID: n.accountOwner(j), Attrs: a}
}

// contactParent returns the index of contact i's account, or -1: account
// i for the first contacts (so an account's primary contact is its own),
// then a uniform one.
func (n *noisy) contactParent(i int) int {
	if i < n.g.c.Accounts {
		return i
	}
	r := n.k.stream(kindContactParent, i)
	if r.chance(0.05) {
		return -1
	}
	return r.intn(n.g.c.Accounts)
}

// birthFrom and birthSpan bound contacts' birth dates: uniform, to the
// millisecond, from 1950 over 55 years.
var (
	birthFrom = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	birthSpan = int(55 * 365 * 24 * time.Hour / time.Millisecond)
)

func (n *noisy) contact(i int) codec.Record {
	r := n.k.stream(kindContactRow, i)
	parent := n.contactParent(i)
	a := make(map[string]any, 13)
	a["createdon"], a["modifiedon"] = n.stamps(&r)
	last := randTitle(&r, 1, 2, 50)
	a["lastname"] = last
	first := ""
	if r.chance(0.9) {
		first = randTitle(&r, 1, 1, 50)
		a["firstname"] = first
		a["fullname"] = first + " " + last
	} else {
		a["fullname"] = last
	}
	optional(&r, a, "emailaddress1", 0.8, func() any { return noisyEmail(&r, first, last) })
	optional(&r, a, "telephone1", 0.8, func() any { return noisyPhone(&r) })
	optional(&r, a, "jobtitle", 0.8, func() any { return randTitle(&r, 1, 4, 100) })
	optional(&r, a, "address1_city", 0.8, func() any { return randTitle(&r, 1, 2, 80) })
	if parent >= 0 {
		a["parentcustomerid"] = n.k.id(kindAccount, parent)
	} else {
		absent(&r, a, "parentcustomerid")
	}
	optional(&r, a, "birthdate", 0.2, func() any { return birthFrom + int64(r.intn(birthSpan)) })
	a["donotemail"] = r.chance(0.5)
	optional(&r, a, "description", 0.15, func() any { return randSentences(&r, 5, 40, 2000) })
	owner := ""
	if parent >= 0 && r.chance(0.75) {
		owner = n.accountOwner(parent)
	} else {
		owner = n.owner(&r)
	}
	return codec.Record{Op: codec.OpUpsert, Entity: "contact", ID: n.k.id(kindContact, i), OwnerID: owner, Attrs: a}
}

// oppAccount returns the index of opportunity k's account, or -1.
func (n *noisy) oppAccount(k int) int {
	r := n.k.stream(kindOppAccount, k)
	if r.chance(0.03) {
		return -1
	}
	return r.intn(n.g.c.Accounts)
}

// oppOwner returns opportunity k's owner: often its account's.
func (n *noisy) oppOwner(k int) string {
	r := n.k.stream(kindOppOwner, k)
	if acct := n.oppAccount(k); acct >= 0 && r.chance(0.65) {
		return n.accountOwner(acct)
	}
	return n.owner(&r)
}

// yearMillis is a year in milliseconds.
const yearMillis = int(365 * 24 * time.Hour / time.Millisecond)

func (n *noisy) opportunity(k int) codec.Record {
	r := n.k.stream(kindOppRow, k)
	acct := n.oppAccount(k)
	a := make(map[string]any, 10)
	created, modified := n.stamps(&r)
	a["createdon"], a["modifiedon"] = created, modified
	a["name"] = randTitle(&r, 2, 6, 300)
	a["salesstage"] = salesStages[r.intn(len(salesStages))]
	optional(&r, a, "closeprobability", 0.8, func() any { return int64(r.intn(101)) })
	optional(&r, a, "estimatedclosedate", 0.8, func() any { return created + int64(r.intn(yearMillis)) })
	optional(&r, a, "estimatedvalue", 0.8, func() any { return money(&r, 1e10) })
	if acct >= 0 {
		a["accountid"] = n.k.id(kindAccount, acct)
	} else {
		absent(&r, a, "accountid")
	}
	switch {
	case acct >= 0 && acct < n.g.c.Contacts && r.chance(0.7):
		a["parentcontactid"] = n.k.id(kindContact, acct) // the account's primary contact
	case r.chance(0.5):
		a["parentcontactid"] = n.k.id(kindContact, r.intn(n.g.c.Contacts))
	default:
		absent(&r, a, "parentcontactid")
	}
	optional(&r, a, "description", 0.3, func() any { return randSentences(&r, 5, 40, 2000) })
	return codec.Record{Op: codec.OpUpsert, Entity: "opportunity", ID: n.k.id(kindOpportunity, k), OwnerID: n.oppOwner(k), Attrs: a}
}

// monthMillis is 30 days in milliseconds.
const monthMillis = int(30 * 24 * time.Hour / time.Millisecond)

func (n *noisy) task(t int) codec.Record {
	r := n.k.stream(kindTaskRow, t)
	a := make(map[string]any, 9)
	created, modified := n.stamps(&r)
	a["createdon"], a["modifiedon"] = created, modified
	a["subject"] = randSentences(&r, 2, 8, 200)
	owner := ""
	switch p := r.float(); {
	case p < 0.55:
		k := r.intn(n.g.c.Opportunities)
		a["regardingobjectid"] = n.k.id(kindOpportunity, k)
		if r.chance(0.5) {
			owner = n.oppOwner(k)
		}
	case p < 0.9:
		j := r.intn(n.g.c.Accounts)
		a["regardingobjectid"] = n.k.id(kindAccount, j)
		if r.chance(0.5) {
			owner = n.accountOwner(j)
		}
	default:
		absent(&r, a, "regardingobjectid")
	}
	if owner == "" {
		owner = n.owner(&r)
	}
	optional(&r, a, "scheduledend", 0.8, func() any { return created + int64(r.intn(monthMillis)) })
	a["prioritycode"] = priorityValues[r.intn(len(priorityValues))]
	state := stateValues[r.intn(len(stateValues))]
	a["statecode"] = state
	if state == stateCompleted {
		a["actualdurationminutes"] = int64(r.between(1, 600))
	}
	optional(&r, a, "description", 0.25, func() any { return randSentences(&r, 5, 40, 2000) })
	return codec.Record{Op: codec.OpUpsert, Entity: "task", ID: n.k.id(kindTask, t), OwnerID: owner, Attrs: a}
}

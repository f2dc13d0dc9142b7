package dataset

import (
	"strconv"
	"strings"
	"time"

	"github.com/offsync/offsync/codec"
)

// oppAccount returns the account index of opportunity k, or -1 (a few
// opportunities have no customer yet). Busy accounts get many.
func (g *generator) oppAccount(k int) int {
	r := g.k.stream(kindOppAccount, k)
	if r.chance(0.03) {
		return -1
	}
	return g.accountPick.pick(&r)
}

// oppOwner returns the owner id of opportunity k: usually its account's
// owner.
func (g *generator) oppOwner(k int) string {
	r := g.k.stream(kindOppOwner, k)
	if acct := g.oppAccount(k); acct >= 0 && r.chance(0.65) {
		return g.accountOwner(acct)
	}
	return g.drawOwner(&r)
}

// Per sales stage (Qualify, Develop, Propose, Close): how common it is, the
// base close probability, and the days from creation to expected close.
var (
	stageWeights     = []float64{0.4, 0.3, 0.2, 0.1}
	stageProbability = []int64{10, 30, 60, 80}
	stageCloseDays   = []float64{90, 60, 40, 20}
)

// opportunity builds row k of opportunity.
func (g *generator) opportunity(k int) codec.Record {
	r := g.k.stream(kindOppRow, k)
	w := g.w
	acct := g.oppAccount(k)
	a := make(map[string]any, 10)
	created, modified := g.stamps(&r)
	a["createdon"], a["modifiedon"] = created, modified
	stage := r.weighted(stageWeights)
	a["salesstage"] = salesStages[stage]
	if r.chance(0.92) {
		a["closeprobability"] = stageProbability[stage] + 10*int64(r.intn(2))
	} else {
		absent(&r, a, "closeprobability")
	}
	closeSec := created / 1000
	if r.chance(0.9) {
		days := int(stageCloseDays[stage] * (0.5 + r.float()))
		ms := dayMillis(closeSec, days)
		a["estimatedclosedate"] = ms
		closeSec = ms / 1000
	} else {
		absent(&r, a, "estimatedclosedate")
	}
	if r.chance(0.9) {
		a["estimatedvalue"] = estimatedValue(&r)
	} else {
		absent(&r, a, "estimatedvalue")
	}
	product := w.products[g.product.pick(&r)]
	pattern := w.oppPatterns[g.pattern.pick(&r)]
	accountName := ""
	if acct >= 0 {
		a["accountid"] = g.k.id(kindAccount, acct)
		accountName = g.company(acct).name
	} else {
		absent(&r, a, "accountid")
		if strings.Contains(pattern, "{account}") {
			pattern = w.oppPatterns[0]
		}
	}
	a["name"] = clip(oppName(pattern, product, quantities[g.quantity.pick(&r)], accountName, time.Unix(closeSec, 0).UTC()), 300)
	switch {
	case acct >= 0 && acct < g.c.Contacts && r.chance(0.7):
		a["parentcontactid"] = g.k.id(kindContact, acct) // the account's primary contact
	case r.chance(0.5):
		a["parentcontactid"] = g.k.id(kindContact, g.contactPick.pick(&r))
	default:
		absent(&r, a, "parentcontactid")
	}
	if r.chance(0.3) {
		a["description"] = g.description(&r, "")
	} else {
		absent(&r, a, "description")
	}
	return codec.Record{Op: codec.OpUpsert, Entity: "opportunity", ID: g.k.id(kindOpportunity, k), OwnerID: g.oppOwner(k), Attrs: a}
}

// oppName fills an opportunity_patterns.txt line. A hand-rolled expansion:
// a strings.Replacer per row cost a tenth of the generation time.
func oppName(pattern, product, qty, account string, close time.Time) string {
	var b strings.Builder
	b.Grow(len(pattern) + len(product) + len(account))
	for {
		open := strings.IndexByte(pattern, '{')
		if open < 0 {
			b.WriteString(pattern)
			return b.String()
		}
		end := strings.IndexByte(pattern[open:], '}')
		if end < 0 {
			b.WriteString(pattern)
			return b.String()
		}
		b.WriteString(pattern[:open])
		switch pattern[open+1 : open+end] {
		case "product":
			b.WriteString(product)
		case "qty":
			b.WriteString(qty)
		case "account":
			b.WriteString(account)
		case "year":
			b.WriteString(strconv.Itoa(close.Year()))
		case "quarter":
			b.WriteString(strconv.Itoa((int(close.Month()) + 2) / 3))
		default:
			b.WriteString(pattern[open : open+end+1])
		}
		pattern = pattern[open+end+1:]
	}
}

// estimatedValue returns a deal size as a decimal string: log-normal around
// 18,000, mostly rounded to hundreds.
func estimatedValue(r *stream) string {
	v := expNorm(r, 18_000, 1.2)
	v = max(v, 500)
	if r.chance(0.8) {
		return cents(int64(v/100) * 100 * 100)
	}
	return cents(int64(v * 100))
}

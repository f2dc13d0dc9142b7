package dataset

import (
	"math"
	"strconv"

	"github.com/offsync/offsync/codec"
)

// company is an account's name and web domain.
type company struct{ name, domain string }

// company returns the name of account j: a stem ("Northwind"), a surname
// ("Patel & Chen") or a city ("Denver"), often with a sector ("Logistics")
// and a legal suffix ("LLC"). Skewed draws make popular names repeat.
func (g *generator) company(j int) company {
	r := g.k.stream(kindAccountName, j)
	w := g.w
	var base string
	switch p := r.float(); {
	case p < 0.7:
		base = w.stems[g.stem.pick(&r)]
		if r.chance(0.55) {
			base += " " + w.sectors[g.sector.pick(&r)]
		}
	case p < 0.9:
		base = w.lastNames[g.last.pick(&r)]
		if r.chance(0.25) {
			base += " & " + w.lastNames[g.last.pick(&r)]
		} else if r.chance(0.5) {
			base += " " + w.sectors[g.sector.pick(&r)]
		}
	default:
		base = w.cities[g.city.pick(&r)].name + " " + w.sectors[g.sector.pick(&r)]
	}
	name := base
	if r.chance(0.65) {
		name += " " + w.suffixes[g.suffix.pick(&r)]
	}
	d := slug(base)
	if d == "" {
		d = "company"
	}
	return company{name: clip(name, 160), domain: clip(d, 60) + ".com"}
}

// accountCity returns the index in words.cities of account j's city.
func (g *generator) accountCity(j int) int {
	r := g.k.stream(kindAccountCity, j)
	return g.city.pick(&r)
}

// accountOwner returns the owner id of account j.
func (g *generator) accountOwner(j int) string {
	r := g.k.stream(kindAccountOwner, j)
	return g.drawOwner(&r)
}

// account builds row j of account.
func (g *generator) account(j int) codec.Record {
	r := g.k.stream(kindAccountRow, j)
	w := g.w
	co := g.company(j)
	ct := w.cities[g.accountCity(j)]
	a := make(map[string]any, 16)
	a["createdon"], a["modifiedon"] = g.stamps(&r)
	a["name"] = co.name
	if r.chance(0.85) {
		a["accountnumber"] = "ACC-" + strconv.Itoa(100000+j)
	} else {
		absent(&r, a, "accountnumber")
	}
	if r.chance(0.8) {
		a["telephone1"] = phone(&r, w.dialCodes[ct.country])
	} else {
		absent(&r, a, "telephone1")
	}
	if r.chance(0.6) {
		a["websiteurl"] = "https://www." + co.domain
	} else {
		absent(&r, a, "websiteurl")
	}
	if r.chance(0.9) {
		if r.chance(0.8) {
			a["address1_line1"] = strconv.Itoa(r.between(1, 9999)) + " " + w.streets[g.street.pick(&r)]
		}
		a["address1_city"] = ct.name
		a["address1_stateorprovince"] = ct.state
		a["address1_country"] = ct.country
	}
	if r.chance(0.85) {
		a["industrycode"] = g.industries[g.industry.pick(&r)]
	} else {
		absent(&r, a, "industrycode")
	}
	rev := int64(-1)
	if r.chance(0.8) {
		rev = revenue(&r)
		a["revenue"] = cents(rev)
	} else {
		absent(&r, a, "revenue")
	}
	if r.chance(0.85) {
		a["numberofemployees"] = employees(&r, rev)
	} else {
		absent(&r, a, "numberofemployees")
	}
	a["creditonhold"] = r.chance(0.04)
	if r.chance(0.35) {
		a["description"] = g.description(&r, ct.name)
	} else {
		absent(&r, a, "description")
	}
	if j < g.c.Contacts && r.chance(0.85) {
		// Contact j's parent is account j (see contactParent).
		a["primarycontactid"] = g.k.id(kindContact, j)
	} else {
		absent(&r, a, "primarycontactid")
	}
	return codec.Record{Op: codec.OpUpsert, Entity: "account", ID: g.k.id(kindAccount, j), OwnerID: g.accountOwner(j), Attrs: a}
}

// revenue returns an annual revenue in cents, log-normal around 500,000
// (most customers are small, a few are huge), usually rounded to two
// significant digits as people enter it, otherwise exact to the cent.
func revenue(r *stream) int64 {
	v := expNorm(r, 500_000, 2)
	v = math.Min(math.Max(v, 5_000), 50e9)
	if r.chance(0.75) {
		return int64(roundSignificant(v, 2)) * 100
	}
	return int64(v)*100 + int64(r.intn(100))
}

// employees returns a head count: revenue (in cents) over a revenue per
// employee around 150,000, or log-normal around 25 when revenue is unknown
// (< 0).
func employees(r *stream, revenue int64) int64 {
	var v float64
	if revenue >= 0 {
		v = float64(revenue) / 100 / expNorm(r, 150_000, 0.5)
	} else {
		v = expNorm(r, 25, 1.5)
	}
	if v > 100 && r.chance(0.7) {
		v = roundSignificant(v, 2)
	}
	return max(1, int64(math.Round(v)))
}

// roundSignificant rounds v (> 0) to n significant digits.
func roundSignificant(v float64, n int) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(v))-float64(n-1))
	return math.Round(v/mag) * mag
}

package dataset

import (
	"time"

	"github.com/offsync/offsync/codec"
)

// contactParent returns the account index of contact i's parentcustomerid,
// or -1. Contact i < Accounts belongs to account i, which lets account i
// name contact i as its primary contact; the others go to skewed accounts,
// so a few accounts have many contacts.
func (g *generator) contactParent(i int) int {
	if i < g.c.Accounts {
		return i
	}
	r := g.k.stream(kindContactParent, i)
	if r.chance(0.05) {
		return -1
	}
	return g.accountPick.pick(&r)
}

// birthEpoch is the earliest generated birthdate, 1955-01-01.
var birthEpoch = time.Date(1955, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

// emailForms weighs first.last@, flast@ and first@.
var emailForms = []float64{0.6, 0.25, 0.15}

// contact builds row i of contact.
func (g *generator) contact(i int) codec.Record {
	r := g.k.stream(kindContactRow, i)
	w := g.w
	parent := g.contactParent(i)
	a := make(map[string]any, 13)
	a["createdon"], a["modifiedon"] = g.stamps(&r)
	first := w.firstNames[g.first.pick(&r)]
	last := w.lastNames[g.last.pick(&r)]
	a["lastname"] = last
	if r.chance(0.97) {
		a["firstname"] = first
		a["fullname"] = first + " " + last
	} else {
		first = ""
		a["fullname"] = last
	}
	if parent >= 0 {
		a["parentcustomerid"] = g.k.id(kindAccount, parent)
		if r.chance(0.85) {
			a["emailaddress1"] = email(&r, first, last, g.company(parent).domain)
		} else {
			absent(&r, a, "emailaddress1")
		}
	} else {
		absent(&r, a, "parentcustomerid")
	}
	dial := "+1"
	if r.chance(0.85) {
		var ct city
		if parent >= 0 && r.chance(0.8) {
			ct = w.cities[g.accountCity(parent)]
		} else {
			ct = w.cities[g.city.pick(&r)]
		}
		a["address1_city"] = ct.name
		dial = w.dialCodes[ct.country]
	}
	if r.chance(0.65) {
		a["telephone1"] = phone(&r, dial)
	} else {
		absent(&r, a, "telephone1")
	}
	if r.chance(0.75) {
		a["jobtitle"] = w.jobTitles[g.job.pick(&r)]
	} else {
		absent(&r, a, "jobtitle")
	}
	if r.chance(0.2) {
		a["birthdate"] = dayMillis(birthEpoch, r.intn(47*365))
	}
	a["donotemail"] = r.chance(0.07)
	if r.chance(0.15) {
		a["description"] = g.description(&r, "")
	} else {
		absent(&r, a, "description")
	}
	owner := ""
	if parent >= 0 && r.chance(0.75) {
		owner = g.accountOwner(parent)
	} else {
		owner = g.drawOwner(&r)
	}
	return codec.Record{Op: codec.OpUpsert, Entity: "contact", ID: g.k.id(kindContact, i), OwnerID: owner, Attrs: a}
}

// email returns an address at domain in one of the common forms.
func email(r *stream, first, last, domain string) string {
	f, l := slug(first), slug(last)
	local := l
	if f != "" {
		switch r.weighted(emailForms) {
		case 0:
			local = f + "." + l
		case 1:
			local = f[:1] + l
		default:
			local = f
		}
	}
	return clip(local+"@"+domain, 100)
}

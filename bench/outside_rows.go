package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// The outside fixture: CRM rows shaped like an export from another
// system, generated here with word lists and distributions of its own
// (none of testdata/crm/words, none of the dataset package's draws), so
// that the byte checks see data our encoders were not tuned on:
// international names with accents, legal forms and free-form legacy
// values (country as "DE" or "Deutschland"), account numbers with gaps,
// phone numbers in several national styles, Pareto revenues exact to the
// cent, CRM notes with dates and initials, and the time stamps of a
// migration (many rows modified at the same instant).

var (
	outsideTrades = []string{"Logistik", "Bau", "Consulting", "Trading", "Foods", "Pharma", "Energie", "Textil", "Maschinenbau", "Robotics", "Seafood", "Imports", "Ceramics", "Software", "Holdings", "Marine", "Agro", "Optics", "Medical", "Print"}
	outsideForms  = []string{"GmbH", "AG", "S.A.", "S.r.l.", "K.K.", "Pty Ltd", "AB", "Oy", "B.V.", "Ltd.", "Inc.", "SARL", "sp. z o.o.", "A/S", "S.L.", "LLC", "Co., Ltd.", "GmbH & Co. KG"}
	outsideFirst  = []string{"Åsa", "Björn", "Haruto", "Yui", "Aarav", "Saanvi", "Yusuf", "Amira", "Lukas", "Wiktoria", "Thiago", "Lucía", "Chidinma", "Giovanni", "Espen", "Sigrid", "Jun", "Xiu", "Olumide", "Idris", "Thabo", "Léa", "Étienne", "Jürgen", "Małgorzata", "Søren", "Nikolai", "Anastasia", "Alejandro", "Camila", "Aiko", "Hinata", "Rahul", "Kavya", "Zainab", "Layla", "Joaquín", "Inês", "Henrik", "Elif", "Bongani", "Ragnhild", "Teodor", "Noor"}
	outsideLast   = []string{"Lindqvist", "Yamamoto", "Varma", "Al-Farsi", "Kowalczyk", "García López", "Esposito", "Ferrara", "Lundgren", "Qian", "Adeyemi", "Nkosi", "Wiśniewski", "Müller-Lüdenscheidt", "Petrov", "Sørensen", "Kobayashi", "Fernández", "Desai", "Carvalho", "Haddad", "Fitzgerald", "Costa", "Virtanen", "Yılmaz", "Hoffmeister", "van der Berg", "De Luca", "Iyer", "Nakamura", "Rinaldi", "Halvorsen", "Zielińska", "Abebe", "Castellanos", "Ravindran", "Bhattacharya", "Okonkwo", "Schultheiß", "Mäkinen", "Ahlberg"}
	outsideCities = []struct{ city, region, country string }{
		{"München", "BY", "Deutschland"}, {"Zürich", "ZH", "CH"}, {"Kraków", "małopolskie", "Poland"}, {"São Paulo", "SP", "Brasil"},
		{"Göteborg", "", "Sweden"}, {"Osaka", "Osaka-fu", "JP"}, {"Bengaluru", "KA", "India"}, {"Dubai", "", "UAE"},
		{"Lagos", "LA", "Nigeria"}, {"Lyon", "Auvergne-Rhône-Alpes", "France"}, {"Århus", "", "DK"}, {"Milano", "MI", "Italia"},
		{"Valencia", "Comunidad Valenciana", "España"}, {"Helsinki", "Uusimaa", "FI"}, {"Izmir", "", "Türkiye"}, {"Cape Town", "WC", "South Africa"},
		{"Rotterdam", "ZH", "Netherlands"}, {"Shenzhen", "Guangdong", "China"}, {"Porto", "", "PT"}, {"Cork", "Co. Cork", "Ireland"},
	}
	outsideStreets = []string{"Hauptstraße", "Bahnhofstr.", "ul. Floriańska", "Rua Augusta", "Kungsgatan", "Chūō-dōri", "MG Road", "Sheikh Zayed Rd", "Rue de la République", "Via Torino", "Carrer de Colón", "Mannerheimintie", "Keizersgracht", "Avenida Paulista"}
	outsideTitles  = []string{"CEO", "Geschäftsführer", "Head of Procurement", "head of procurement", "Einkaufsleiter", "VP Sales", "vp of sales", "Directeur commercial", "CFO", "IT Manager", "IT-Leiter", "Office Manager", "Buyer", "Senior Buyer", "Responsabile acquisti", "Inköpschef", "Plant Manager", "COO", "Assistant", ""}
	outsideNotes   = []string{
		"Called re renewal. Left VM.", "Sent price list %s.", "Meeting at their office, %s attended.", "Asked for discount on volume > %d units.",
		"Complaint about late delivery (order #%d), escalated.", "Moved to new ERP, wants EDI.", "Prefers contact by e-mail only!!", "Budget frozen until Q%d.",
		"Trade fair lead (booth %d).", "Payment terms changed to 60 days net.", "Duplicate of older record, merged.", "Re: Angebot %d - bitte Rückruf.",
	}
	outsideMails = []string{"gmail.com", "outlook.com", "yahoo.co.jp", "web.de", "orange.fr", "libero.it", "qq.com", "hotmail.se"}
)

// outsideRecord is one record of POST /v1/records.
type outsideRecord struct {
	Op         string         `json:"op"`
	Entity     string         `json:"entity"`
	ID         string         `json:"id"`
	OwnerID    string         `json:"ownerid"`
	Attributes map[string]any `json:"attributes"`
}

// outsideGen draws the fixture from one seeded PCG.
type outsideGen struct {
	r          *rand.Rand
	now        time.Time
	migration  int64   // the instant of the migration, unix ms
	industries []int64 // the declared industry codes
	owners     []string
	accountNo  int
}

// outsideRows returns accounts accounts and their contacts (0 to 6 each,
// about 2), owned by owners, dated before now: the accounts first, then
// the contacts. The output is a pure function of the arguments.
func outsideRows(seed uint64, accounts int, owners []string, industries []int64, now time.Time) []outsideRecord {
	g := &outsideGen{
		r:          rand.New(rand.NewPCG(seed, 0x6f75747369646521)),
		now:        now,
		migration:  now.Add(-41*24*time.Hour - 3*time.Hour).UnixMilli(),
		industries: industries,
		owners:     owners,
		accountNo:  4_200_000,
	}
	var accts, contacts []outsideRecord
	for range accounts {
		a := g.account()
		n := g.contactCount()
		for i := range n {
			c := g.contact(a)
			if i == 0 && g.r.Float64() < 0.8 {
				a.Attributes["primarycontactid"] = c.ID
			}
			contacts = append(contacts, c)
		}
		accts = append(accts, a)
	}
	return append(accts, contacts...)
}

// guid returns a random GUID, in the case and braces other systems use.
func (g *outsideGen) guid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.r.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	switch p := g.r.Float64(); {
	case p < 0.3:
		return strings.ToUpper(s)
	case p < 0.4:
		return "{" + strings.ToUpper(s) + "}"
	}
	return s
}

func (g *outsideGen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// stamps returns createdon over the three years before now and a
// modifiedon: 40% the migration's instant, else between created and now.
func (g *outsideGen) stamps() (created, modified int64) {
	nowMs := g.now.UnixMilli()
	created = nowMs - g.r.Int64N(3*365*24*3600*1000)
	if created < g.migration && g.r.Float64() < 0.4 {
		return created, g.migration
	}
	return created, created + g.r.Int64N(nowMs-created+1)
}

// pareto returns a Pareto value of minimum lo and shape alpha.
func (g *outsideGen) pareto(lo, alpha float64) float64 {
	return lo / math.Pow(1-g.r.Float64(), 1/alpha)
}

func (g *outsideGen) account() outsideRecord {
	a := map[string]any{}
	a["createdon"], a["modifiedon"] = g.stamps()
	ct := outsideCities[g.r.IntN(len(outsideCities))]
	var name string
	switch p := g.r.Float64(); {
	case p < 0.35:
		name = g.pick(outsideLast) + " " + g.pick(outsideTrades) + " " + g.pick(outsideForms)
	case p < 0.6:
		name = ct.city + " " + g.pick(outsideTrades) + " " + g.pick(outsideForms)
	case p < 0.75:
		name = g.pick(outsideLast) + " & " + g.pick(outsideLast)
	case p < 0.9:
		name = string(rune('A'+g.r.IntN(26))) + string(rune('A'+g.r.IntN(26))) + string(rune('A'+g.r.IntN(26))) + " " + g.pick(outsideForms)
	default:
		name = strings.ToUpper(g.pick(outsideTrades)+" "+ct.city) + " - FILIALE " + strconv.Itoa(1+g.r.IntN(40))
	}
	a["name"] = name
	g.accountNo += 1 + g.r.IntN(37) // numbers with gaps, as after years of deletions
	if g.r.Float64() < 0.7 {
		a["accountnumber"] = "C" + strconv.Itoa(g.accountNo)
	} else {
		a["accountnumber"] = "SAP-" + strconv.FormatInt(1_000_000_000+g.r.Int64N(9_000_000_000), 10)
	}
	a["telephone1"] = g.phone()
	if g.r.Float64() < 0.5 {
		slug := strings.ToLower(strings.NewReplacer(" ", "", "&", "-", ".", "", ",", "", "'", "").Replace(strings.Fields(name)[0]))
		a["websiteurl"] = []string{"http://", "https://www.", "www."}[g.r.IntN(3)] + slug + "." + []string{"de", "com", "ch", "se", "jp", "it", "fr", "com.br"}[g.r.IntN(8)]
	}
	if g.r.Float64() < 0.85 {
		a["address1_line1"] = g.pick(outsideStreets) + " " + strconv.Itoa(1+g.r.IntN(250)) + []string{"", "", "a", ", Suite 200", ", 2. OG"}[g.r.IntN(5)]
		a["address1_city"] = ct.city
		if ct.region != "" {
			a["address1_stateorprovince"] = ct.region
		}
		a["address1_country"] = ct.country
	}
	if g.r.Float64() < 0.7 {
		// The other system's most used industries are the schema's last.
		k := len(g.industries) - 1 - int(math.Min(float64(len(g.industries)-1), g.pareto(1, 1.5)-1))
		a["industrycode"] = g.industries[k]
	}
	if g.r.Float64() < 0.6 {
		c := int64(math.Min(g.pareto(10_000, 1.16), 5e10) * 100)
		a["revenue"] = strconv.FormatInt(c/100, 10) + "." + fmt.Sprintf("%02d", c%100)
	}
	if g.r.Float64() < 0.5 {
		a["numberofemployees"] = int64(math.Min(g.pareto(2, 1.3), 250_000))
	}
	a["creditonhold"] = g.r.Float64() < 0.12
	if g.r.Float64() < 0.3 {
		a["description"] = g.notes()
	}
	return outsideRecord{Op: "upsert", Entity: "account", ID: g.guid(), OwnerID: g.pick(g.owners), Attributes: a}
}

// contactCount returns 0 to 6, about 2 on average.
func (g *outsideGen) contactCount() int {
	n := 0
	for n < 6 && g.r.Float64() < 0.67 {
		n++
	}
	return n
}

func (g *outsideGen) contact(acct outsideRecord) outsideRecord {
	a := map[string]any{}
	a["createdon"], a["modifiedon"] = g.stamps()
	first, last := g.pick(outsideFirst), g.pick(outsideLast)
	a["firstname"], a["lastname"] = first, last
	if g.r.Float64() < 0.3 {
		a["fullname"] = last + ", " + first
	} else {
		a["fullname"] = first + " " + last
	}
	a["parentcustomerid"] = acct.ID
	if g.r.Float64() < 0.8 {
		local := strings.ToLower(strings.NewReplacer(" ", "", "'", "").Replace(first + "." + last))
		dom := g.pick(outsideMails)
		if w, ok := acct.Attributes["websiteurl"].(string); ok && g.r.Float64() < 0.7 {
			dom = w[strings.LastIndex(w, "/")+1:]
			dom = strings.TrimPrefix(dom, "www.")
		}
		a["emailaddress1"] = local + "@" + dom
	}
	if g.r.Float64() < 0.6 {
		a["telephone1"] = g.phone()
	}
	if t := g.pick(outsideTitles); t != "" {
		a["jobtitle"] = t
	}
	if city, ok := acct.Attributes["address1_city"]; ok && g.r.Float64() < 0.5 {
		a["address1_city"] = city
	}
	if g.r.Float64() < 0.05 {
		a["birthdate"] = time.Date(1950+g.r.IntN(50), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	}
	a["donotemail"] = g.r.Float64() < 0.2
	if g.r.Float64() < 0.1 {
		a["description"] = g.notes()
	}
	owner := acct.OwnerID
	if g.r.Float64() < 0.3 {
		owner = g.pick(g.owners)
	}
	return outsideRecord{Op: "upsert", Entity: "contact", ID: g.guid(), OwnerID: owner, Attributes: a}
}

// phone returns a number in one of the national styles of a back office.
func (g *outsideGen) phone() string {
	d := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + g.r.IntN(10)))
		}
		return b.String()
	}
	switch g.r.IntN(5) {
	case 0:
		return "+49" + d(10)
	case 1:
		return "0" + d(3) + " " + d(7)
	case 2:
		return "+81 " + d(1) + "-" + d(4) + "-" + d(4)
	case 3:
		return "(" + d(3) + ") " + d(3) + "-" + d(4) + " x" + d(3)
	default:
		return "+46 " + d(2) + "-" + d(3) + " " + d(2) + " " + d(2)
	}
}

// notes returns one to four dated CRM notes with the writer's initials.
func (g *outsideGen) notes() string {
	var b strings.Builder
	for i := range 1 + g.r.IntN(4) {
		if i > 0 {
			b.WriteString("\n")
		}
		day := g.now.Add(-time.Duration(g.r.IntN(900)) * 24 * time.Hour)
		b.WriteString(day.Format("2006-01-02"))
		b.WriteString(" " + string(rune('A'+g.r.IntN(26))) + string(rune('A'+g.r.IntN(26))) + ": ")
		tmpl := g.pick(outsideNotes)
		switch {
		case strings.Contains(tmpl, "%s"):
			tmpl = fmt.Sprintf(tmpl, g.pick(outsideFirst))
		case strings.Contains(tmpl, "%d"):
			tmpl = fmt.Sprintf(tmpl, g.r.IntN(100_000))
		}
		b.WriteString(tmpl)
	}
	return b.String()
}

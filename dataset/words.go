package dataset

import (
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"github.com/offsync/offsync"
)

// words holds the generator's inputs from testdata/crm/words: one entry per
// line, most common first, since the generator draws low ranks most often.
type words struct {
	firstNames, lastNames []string
	stems, sectors        []string // company name parts
	suffixes              []string // Inc, LLC, Group, ...
	cities                []city
	dialCodes             map[string]string // country -> "+1"
	jobTitles, streets    []string
	fragments             []string // description sentences; may hold {city} and {product}
	taskSubjects          []string
	products              []string
	oppPatterns           []string // {qty} {product} {account} {year} {quarter}
	regions, teamNames    []string
}

// city is one line of cities.txt: "City|State|Country".
type city struct{ name, state, country string }

// loadWords reads the word lists once per process: they are read-only
// afterwards and shared by every generator.
var loadWords = sync.OnceValues(func() (*words, error) {
	w := &words{}
	lists := []struct {
		file string
		dst  *[]string
	}{
		{"first_names.txt", &w.firstNames},
		{"last_names.txt", &w.lastNames},
		{"company_stems.txt", &w.stems},
		{"company_sectors.txt", &w.sectors},
		{"company_suffixes.txt", &w.suffixes},
		{"job_titles.txt", &w.jobTitles},
		{"streets.txt", &w.streets},
		{"fragments.txt", &w.fragments},
		{"task_subjects.txt", &w.taskSubjects},
		{"products.txt", &w.products},
		{"opportunity_patterns.txt", &w.oppPatterns},
		{"regions.txt", &w.regions},
		{"team_names.txt", &w.teamNames},
	}
	for _, l := range lists {
		lines, err := readLines(l.file)
		if err != nil {
			return nil, fmt.Errorf("load words: %w", err)
		}
		*l.dst = lines
	}
	countries, err := readFields("countries.txt", 2)
	if err != nil {
		return nil, fmt.Errorf("load words: %w", err)
	}
	w.dialCodes = make(map[string]string, len(countries))
	for _, f := range countries {
		w.dialCodes[f[0]] = f[1]
	}
	cities, err := readFields("cities.txt", 3)
	if err != nil {
		return nil, fmt.Errorf("load words: %w", err)
	}
	for i, f := range cities {
		if _, ok := w.dialCodes[f[2]]; !ok {
			return nil, fmt.Errorf("load words: cities.txt entry %d: country %q is not in countries.txt", i+1, f[2])
		}
		w.cities = append(w.cities, city{name: f[0], state: f[1], country: f[2]})
	}
	return w, nil
})

// readLines returns the non-blank lines of words/<name>, trimmed.
func readLines(name string) ([]string, error) {
	b, err := fs.ReadFile(offsync.SampleData, sampleDir+"/words/"+name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no entries", name)
	}
	return out, nil
}

// readFields returns the lines of words/<name> split on "|" into n fields.
func readFields(name string, n int) ([][]string, error) {
	lines, err := readLines(name)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(lines))
	for i, line := range lines {
		f := strings.Split(line, "|")
		if len(f) != n {
			return nil, fmt.Errorf("%s entry %d: want %d fields separated by |, got %d", name, i+1, n, len(f))
		}
		out[i] = f
	}
	return out, nil
}

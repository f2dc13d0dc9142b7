package reference

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// checkShared syncs every device of app at one clock, with nothing
// written in between, and checks what users share:
//   - two devices whose users hold the same profile hold byte-identical
//     images of every row both hold;
//   - a first load of each user is exactly the user's view, naming no row
//     or id outside it, and the first loads of two users whose views are
//     equal are byte-identical, entity by entity: what a page shared by
//     the users of one partition must be.
func checkShared(t *testing.T, w world, devices []*device, app string, clock int64, where string) {
	t.Helper()
	var group []*device
	for _, d := range devices {
		if d.app == app {
			genSync(t, w, d, clock, where+" (shared sync of "+d.user+")")
			group = append(group, d)
		}
	}
	s, err := Load(w.e)
	if err != nil {
		t.Fatal(err)
	}
	profile := map[*device]string{}
	views := map[*device]View{}
	firsts := map[*device]map[string][]byte{}
	groups := map[*device]*engine.SharedGroup{}
	for _, d := range group {
		p := profileOf(s, d.user, app)
		if p == nil {
			continue
		}
		profile[d] = p.ID
		want, err := Compute(s, d.user, app, clock)
		if err != nil {
			t.Fatalf("%s: reference view of %s: %v", where, d.user, err)
		}
		// Each group computed on its own (a group cache of its own), as
		// another node would.
		res, err := w.e.Pull(d.user, nil, clock, engine.PullOptions{Cache: w.cache, Groups: mapGroups{}, App: app})
		if err != nil {
			t.Fatalf("%s: first load of %s in app %s: %v", where, d.user, app, err)
		}
		checkNoLeak(t, where+" (first load)", d.user+" (app "+app+")", res, View{}, want)
		fresh := &device{user: d.user, app: app, rows: View{}}
		fresh.apply(res)
		if !sameView(fresh.rows, want) {
			t.Fatalf("%s: first load of %s in app %s:\ngot       %v\nreference %v", where, d.user, app, summary(fresh.rows), summary(want))
		}
		views[d], firsts[d], groups[d] = want, encodeUpserts(t, res), res.Shared
	}
	for i, a := range group {
		for _, b := range group[i+1:] {
			if profile[a] == "" || profile[a] != profile[b] {
				continue
			}
			for e, rows := range a.rows {
				for rid, ra := range rows {
					rb, ok := b.rows[e][rid]
					if !ok {
						continue
					}
					genStats.sharedRows++
					if !bytes.Equal(marshalRow(t, ra), marshalRow(t, rb)) {
						t.Fatalf("%s: %s and %s, both of profile %s, hold different images of %s %s:\n%+v\n%+v", where, a.user, b.user, profile[a], e, rid, ra, rb)
					}
				}
			}
			if ga, gb := groups[a], groups[b]; ga != nil && gb != nil && ga.Params == gb.Params {
				genStats.sharedGroups++
				if x, y := encodeGroup(t, ga), encodeGroup(t, gb); !bytes.Equal(x, y) {
					t.Fatalf("%s: %s and %s share group parameters, but their groups differ:\n%x\n%x", where, a.user, b.user, x, y)
				}
			}
			if views[a].Count() == 0 || !sameView(views[a], views[b]) {
				continue
			}
			genStats.sameViewPairs++
			for _, m := range []map[string][]byte{firsts[a], firsts[b]} {
				for e := range m {
					if !bytes.Equal(firsts[a][e], firsts[b][e]) {
						t.Fatalf("%s: %s and %s have the same view, but their first loads of %s differ:\n%x\n%x", where, a.user, b.user, e, firsts[a][e], firsts[b][e])
					}
				}
			}
		}
	}
}

// profileOf is the user's profile in app, as the reference finds it.
func profileOf(s *State, userID, app string) *engine.Profile {
	var teams []engine.Team
	for _, t := range s.Teams {
		for _, m := range t.Members {
			if m == userID {
				teams = append(teams, t)
			}
		}
	}
	return findProfile(s, userID, app, teams)
}

// encodeUpserts encodes each entity's upserts of an answer, its shared
// part and its own merged by id (entities with none are left out).
func encodeUpserts(t *testing.T, res *engine.PullResult) map[string][]byte {
	t.Helper()
	rows := map[string][]codec.Row{}
	entities := res.Entities
	if res.Shared != nil {
		entities = append(slices.Clone(res.Shared.Entities), entities...)
	}
	for _, ed := range entities {
		rows[ed.Entity] = append(rows[ed.Entity], ed.Upserts...)
	}
	out := map[string][]byte{}
	for e, rs := range rows {
		if len(rs) == 0 {
			continue
		}
		slices.SortFunc(rs, func(a, b codec.Row) int { return strings.Compare(a.ID, b.ID) })
		b, err := codec.Marshal(rs)
		if err != nil {
			t.Fatal(err)
		}
		out[e] = b
	}
	return out
}

// encodeGroup encodes a group's rows: what its pages are made of.
func encodeGroup(t *testing.T, g *engine.SharedGroup) []byte {
	t.Helper()
	b, err := codec.Marshal(g.Entities)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func marshalRow(t *testing.T, r codec.Row) []byte {
	t.Helper()
	b, err := codec.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

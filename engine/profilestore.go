package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// putProfiles upserts offline profiles: their names, draft rules and
// members. With publish, the rules also take effect at once. A user (or
// team) already in another profile is a conflict unless move is set, which
// takes it out of the other profile.
func (st *cmdState) putProfiles(ps []Profile, publish, move bool) error {
	sch := st.currentSchema()
	for i := range ps {
		p := ps[i]
		f := fmt.Sprintf("profiles[%d]", i)
		if err := canonID(f, &p.ID); err != nil {
			return err
		}
		if err := st.checkProfileName(f, &p); err != nil {
			return err
		}
		p.Rules = slices.Clone(p.Rules)
		if err := checkRules(f, sch, p.Rules); err != nil {
			return err
		}
		var old Profile
		err := st.getDecoded(profileKey(p.ID), &old)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		app, err := st.profileApp(f, &p, err == nil, old.App)
		if err != nil {
			return err
		}
		if err := checkRulesInApp(f, sch, &app, p.Rules); err != nil {
			return err
		}
		p.Published, p.PublishedRules = old.Published, old.PublishedRules
		users, teams := p.Users, p.Teams
		if users == nil && teams == nil {
			// No members given: keep them (use KindSetMembers to remove).
			users, teams = old.Users, old.Teams
		}
		p.Users, p.Teams = old.Users, old.Teams
		if err := st.replaceMembers(f, &p, users, teams, move); err != nil {
			return err
		}
		if publish {
			p.Published, p.PublishedRules = st.version, p.Rules
			if err := st.setDecoded(ruleHistoryKey(p.ID, st.version), p.PublishedRules); err != nil {
				return err
			}
		}
		if err := st.setDecoded(profileKey(p.ID), &p); err != nil {
			return err
		}
	}
	return nil
}

// profileApp canonicalizes p.App (stored as "" for the default app) and
// returns the app, which must exist; a profile that exists keeps its app.
func (st *cmdState) profileApp(f string, p *Profile, exists bool, was string) (App, error) {
	if p.App != "" {
		if err := canonID(f+".app", &p.App); err != nil {
			return App{}, err
		}
	}
	p.App = storedAppID(p.App)
	if exists && p.App != was {
		return App{}, invalidf("%s.app: a profile cannot move to another app (it belongs to %s); create a profile in the other app instead", f, appID(was))
	}
	app, err := appIn(st, st.currentSchema(), appID(p.App))
	if errors.Is(err, ErrNotFound) {
		return App{}, invalidf("%s.app: app %s does not exist", f, p.App)
	}
	return app, err
}

// checkProfileName: a profile's name is required, is not a GUID (so a
// name never reads as an id), and no other profile has it, compared case
// insensitively. Profiles stored with the same name before names were
// unique keep it until renamed; writing one of them needs a free name.
func (st *cmdState) checkProfileName(f string, p *Profile) error {
	if strings.TrimSpace(p.Name) == "" {
		return invalidf("%s.name: required", f)
	}
	if _, ok := CanonicalGUID(p.Name); ok {
		return invalidf("%s.name: %q is a GUID; a name must not look like an id", f, p.Name)
	}
	keys, err := st.keysWithPrefix([]byte(prefixProfile))
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k[len(prefixProfile):] == p.ID {
			continue
		}
		var other Profile
		if err := st.getDecoded([]byte(k), &other); err != nil {
			return err
		}
		if strings.EqualFold(other.Name, p.Name) {
			return &Error{Err: ErrConflict, Msg: fmt.Sprintf("%s.name: profile %s is already named %q (names are unique, ignoring case)", f, other.ID, other.Name)}
		}
	}
	return nil
}

// replaceMembers makes users and teams the members of p (p itself is
// written by the caller).
func (st *cmdState) replaceMembers(f string, p *Profile, users, teams []string, move bool) error {
	for _, m := range []struct {
		field string
		kind  string
		now   *[]string
		want  []string
		key   func(string) []byte
	}{{"users", kindUser, &p.Users, users, func(id string) []byte { return userProfileKey(id, p.App) }},
		{"teams", kindTeam, &p.Teams, teams, func(id string) []byte { return teamProfileKey(id, p.App) }}} {
		want := slices.Clone(m.want)
		for j := range want {
			mf := fmt.Sprintf("%s.%s[%d]", f, m.field, j)
			if err := canonID(mf, &want[j]); err != nil {
				return err
			}
			if err := st.mustExist(mf, secKey(m.kind, want[j])); err != nil {
				return err
			}
		}
		slices.Sort(want)
		want = slices.Compact(want)
		for _, id := range *m.now {
			if !slices.Contains(want, id) {
				st.del(m.key(id))
			}
		}
		for _, id := range want {
			if err := st.claimMember(f+"."+m.field, p.ID, m.kind, id, m.key(id), move); err != nil {
				return err
			}
		}
		*m.now = want
	}
	return nil
}

// claimMember records that id (a user or team) belongs to profile pid,
// taking it out of another profile when move is set.
func (st *cmdState) claimMember(field, pid, kind, id string, key []byte, move bool) error {
	var other string
	err := st.getDecoded(key, &other)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if err == nil && other != pid {
		var op Profile
		if err := st.getDecoded(profileKey(other), &op); err != nil {
			return err
		}
		if !move {
			return &Error{Err: ErrConflict, Msg: fmt.Sprintf("%s: %s %s is already a member of profile %q (%s) of the same app; ask to move it", field, kind, id, op.Name, other)}
		}
		op.Users = slices.DeleteFunc(op.Users, func(u string) bool { return u == id })
		op.Teams = slices.DeleteFunc(op.Teams, func(t string) bool { return t == id })
		if err := st.setDecoded(profileKey(other), &op); err != nil {
			return err
		}
	}
	return st.setDecoded(key, pid)
}

// setMembers adds members to (or removes them from) a profile.
func (st *cmdState) setMembers(m *Members) error {
	if m == nil {
		return invalidf("members: missing")
	}
	if err := canonID("members.profile", &m.Profile); err != nil {
		return err
	}
	var p Profile
	if err := st.getDecoded(profileKey(m.Profile), &p); err != nil {
		if errors.Is(err, ErrNotFound) {
			return notFoundf("profile %s not found", m.Profile)
		}
		return err
	}
	users, teams := slices.Clone(p.Users), slices.Clone(p.Teams)
	if m.Remove {
		for _, u := range m.Users {
			if g, ok := CanonicalGUID(u); ok {
				users = slices.DeleteFunc(users, func(x string) bool { return x == g })
			}
		}
		for _, t := range m.Teams {
			if g, ok := CanonicalGUID(t); ok {
				teams = slices.DeleteFunc(teams, func(x string) bool { return x == g })
			}
		}
	} else {
		users = append(users, m.Users...)
		teams = append(teams, m.Teams...)
	}
	if err := st.replaceMembers("members", &p, users, teams, m.Move); err != nil {
		return err
	}
	return st.setDecoded(profileKey(p.ID), &p)
}

// publishProfile makes a profile's draft rules the ones in effect.
func (st *cmdState) publishProfile(t *Target) error {
	if t == nil {
		return invalidf("target: missing")
	}
	if err := canonID("target", &t.ID); err != nil {
		return err
	}
	var p Profile
	if err := st.getDecoded(profileKey(t.ID), &p); err != nil {
		if errors.Is(err, ErrNotFound) {
			return notFoundf("profile %s not found", t.ID)
		}
		return err
	}
	// The schema may have changed since the draft was saved.
	if err := checkRules("rules", st.currentSchema(), p.Rules); err != nil {
		return err
	}
	app, err := appIn(st, st.currentSchema(), p.AppID())
	if err != nil {
		return err
	}
	if err := checkRulesInApp("profile", st.currentSchema(), &app, p.Rules); err != nil {
		return err
	}
	p.Published, p.PublishedRules = st.version, slices.Clone(p.Rules)
	if err := st.setDecoded(ruleHistoryKey(p.ID, st.version), p.PublishedRules); err != nil {
		return err
	}
	return st.setDecoded(profileKey(p.ID), &p)
}

// checkRules checks a profile's rules together: one rule per entity, each
// rule valid, and every related rule reachable through a relationship of
// another rule.
func checkRules(f string, sch *Schema, rules []Rule) error {
	seen := map[string]bool{}
	for j := range rules {
		rf := fmt.Sprintf("%s.rules[%d]", f, j)
		if seen[rules[j].Entity] {
			return invalidf("%s.entity: a second rule for %s", rf, rules[j].Entity)
		}
		seen[rules[j].Entity] = true
		if err := checkRule(rf, sch, &rules[j]); err != nil {
			return err
		}
	}
	if sch.Version == 0 {
		return nil
	}
	for j, r := range rules {
		if !r.Has(RowsRelated) || reachable(sch, rules, r.Entity) {
			continue
		}
		return invalidf("%s.rules[%d].rows: related rows of %s need a relationship from another rule of the profile that looks up %s", f, j, r.Entity, r.Entity)
	}
	return nil
}

// reachable reports whether some rule's relationships look up entity.
func reachable(sch *Schema, rules []Rule, entity string) bool {
	for _, r := range rules {
		def := sch.Entity(r.Entity)
		for _, rel := range r.Relationships {
			if a := def.Attribute(rel); a != nil && slices.Contains(a.Targets, entity) {
				return true
			}
		}
	}
	return false
}

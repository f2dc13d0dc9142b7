package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// DefaultAppID is the app of profiles, tokens and sync errors stored
// before apps existed, and of devices that name no app. Until an
// administrator writes it, it is implicit: named DefaultAppName, it
// offers every offline-enabled entity.
const DefaultAppID = "00000000-0000-4000-8000-0000000000a0"

// DefaultAppName is the implicit default app's name.
const DefaultAppName = "Default"

// kindApp stores apps under s/app/{id}.
const kindApp = "app"

// App is an app module (a mobile app such as "Sales" or "Field Service"):
// the offline-enabled entities it uses. Every profile belongs to one app,
// a user is in at most one profile per app, and a device syncs for one
// app.
type App struct {
	ID          string `json:"id" msgpack:"id"`
	Name        string `json:"name" msgpack:"n"`
	Description string `json:"description,omitempty" msgpack:"d,omitempty"`
	// Entities are the offline-enabled entities the app uses, sorted.
	Entities []string `json:"entities" msgpack:"e"`
	// Implicit marks the default app while no administrator has written
	// it: it then offers every offline-enabled entity (Entities lists
	// them as of the current schema).
	Implicit bool `json:"implicit,omitempty" msgpack:"-"`
}

// Allows reports whether the app offers entity.
func (a *App) Allows(sch *Schema, entity string) bool {
	if a.Implicit {
		def := sch.Entity(entity)
		return def != nil && def.Offline
	}
	return slices.Contains(a.Entities, entity)
}

// appID maps the stored form of an app reference ("" for the default
// app) to the app's id.
func appID(stored string) string {
	if stored == "" {
		return DefaultAppID
	}
	return stored
}

// storedAppID is the inverse of appID: the default app is stored as "",
// so that profiles, tokens and sync errors written before apps existed
// and after are the same bytes.
func storedAppID(id string) string {
	if id == DefaultAppID {
		return ""
	}
	return id
}

// implicitApp is the default app before an administrator writes it.
func implicitApp(sch *Schema) App {
	a := App{ID: DefaultAppID, Name: DefaultAppName, Description: "Every offline-enabled entity: the app of profiles and devices that name none.", Implicit: true}
	for _, e := range sch.Entities {
		if e.Offline {
			a.Entities = append(a.Entities, e.Name)
		}
	}
	return a
}

// appIn reads app id through r (stored, or the implicit default), or
// ErrNotFound.
func appIn(r objectReader, sch *Schema, id string) (App, error) {
	var a App
	err := r.getDecoded(secKey(kindApp, id), &a)
	if errors.Is(err, ErrNotFound) && id == DefaultAppID {
		return implicitApp(sch), nil
	}
	if errors.Is(err, ErrNotFound) {
		return a, notFoundf("app %s not found", id)
	}
	return a, err
}

// appsIn lists every app through r, the implicit default included, by id.
func appsIn(r objectReader, sch *Schema) ([]App, error) {
	keys, err := r.keysWithPrefix(secPrefix(kindApp))
	if err != nil {
		return nil, err
	}
	var out []App
	for _, k := range keys {
		var a App
		if err := r.getDecoded([]byte(k), &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if !slices.ContainsFunc(out, func(a App) bool { return a.ID == DefaultAppID }) {
		out = append(out, implicitApp(sch))
	}
	slices.SortFunc(out, func(a, b App) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// putApps upserts apps. A name is required, unique ignoring case and not
// a GUID; the entities must be offline-enabled entities of the schema;
// and an app keeps every entity that a profile of it has a rule for.
func (st *cmdState) putApps(apps []App) error {
	sch := st.currentSchema()
	for i := range apps {
		a := apps[i]
		a.Implicit = false
		f := fmt.Sprintf("apps[%d]", i)
		if err := canonID(f, &a.ID); err != nil {
			return err
		}
		if strings.TrimSpace(a.Name) == "" {
			return invalidf("%s.name: required", f)
		}
		if _, ok := CanonicalGUID(a.Name); ok {
			return invalidf("%s.name: %q is a GUID; a name must not look like an id", f, a.Name)
		}
		all, err := appsIn(st, sch)
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.ID != a.ID && strings.EqualFold(o.Name, a.Name) {
				return &Error{Err: ErrConflict, Msg: fmt.Sprintf("%s.name: app %s is already named %q (names are unique, ignoring case)", f, o.ID, o.Name)}
			}
		}
		a.Entities = slices.Clone(a.Entities)
		slices.Sort(a.Entities)
		a.Entities = slices.Compact(a.Entities)
		if len(a.Entities) == 0 {
			return invalidf("%s.entities: an app uses at least one entity", f)
		}
		for j, e := range a.Entities {
			def := sch.Entity(e)
			switch {
			case def == nil && sch.Version > 0:
				return invalidf("%s.entities[%d]: unknown entity %q", f, j, e)
			case def != nil && !def.Offline:
				return invalidf("%s.entities[%d]: %s cannot be taken offline", f, j, e)
			}
		}
		if err := st.checkAppKeepsRules(f, &a); err != nil {
			return err
		}
		if err := st.setDecoded(secKey(kindApp, a.ID), &a); err != nil {
			return err
		}
	}
	return nil
}

// checkAppKeepsRules refuses to drop from an app an entity that one of its
// profiles has a rule for, in its draft or its published rules.
func (st *cmdState) checkAppKeepsRules(f string, a *App) error {
	keys, err := st.keysWithPrefix([]byte(prefixProfile))
	if err != nil {
		return err
	}
	for _, k := range keys {
		var p Profile
		if err := st.getDecoded([]byte(k), &p); err != nil {
			return err
		}
		if appID(p.App) != a.ID {
			continue
		}
		for _, rules := range [][]Rule{p.Rules, p.PublishedRules} {
			for _, r := range rules {
				if !slices.Contains(a.Entities, r.Entity) {
					return &Error{Err: ErrConflict, Msg: fmt.Sprintf("%s.entities: profile %q (%s) of this app has a rule for %s; remove the rule first", f, p.Name, p.ID, r.Entity)}
				}
			}
		}
	}
	return nil
}

// checkRulesInApp checks that every rule names an entity the app offers.
func checkRulesInApp(f string, sch *Schema, app *App, rules []Rule) error {
	for j, r := range rules {
		if !app.Allows(sch, r.Entity) {
			return invalidf("%s.rules[%d].entity: %s is not an entity of app %q", f, j, r.Entity, app.Name)
		}
	}
	return nil
}

// checkAppUnused refuses to delete the default app, or an app that still
// has profiles.
func (st *cmdState) checkAppUnused(id string) error {
	if id == DefaultAppID {
		return &Error{Err: ErrConflict, Msg: "app " + id + " is the default app (of devices that name none): it cannot be deleted; rename it instead"}
	}
	keys, err := st.keysWithPrefix([]byte(prefixProfile))
	if err != nil {
		return err
	}
	for _, k := range keys {
		var p Profile
		if err := st.getDecoded([]byte(k), &p); err != nil {
			return err
		}
		if appID(p.App) == id {
			return &Error{Err: ErrConflict, Msg: fmt.Sprintf("app %s is in use: profile %q (%s) belongs to it", id, p.Name, p.ID)}
		}
	}
	return nil
}

// Apps lists the apps, the implicit default app included, by id.
func (e *Engine) Apps() ([]App, error) {
	var out []App
	err := e.readObjects(func(r objectReader) error {
		var err error
		out, err = appsIn(r, e.Schema())
		return err
	})
	return out, err
}

// App returns one app (the default app even while implicit), or
// ErrNotFound.
func (e *Engine) App(id string) (App, error) {
	var a App
	err := e.readObjects(func(r objectReader) error {
		var err error
		a, err = appIn(r, e.Schema(), id)
		return err
	})
	return a, err
}

// readObjects runs fn with a reader over one read transaction.
func (e *Engine) readObjects(fn func(objectReader) error) error {
	return e.readTxn(func(txn *badger.Txn) error { return fn(txnReader{txn: txn}) })
}

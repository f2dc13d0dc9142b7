package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// testApp is an app as the CLI prints it with --output json.
type testApp struct {
	ID, Name, Description string
	Entities              []string
}

// TestAppCLI: app create, list, get, update, included and delete, by name
// or id, in JSON and tables, with the server's refusals (a name taken, an
// entity unknown, the default app or an app with profiles deleted); a
// profile created or applied into an app with --app, its rules held to
// the app's entities; a token for one app; and app names completed.
func TestAppCLI(t *testing.T) {
	a := newAdminEnv(t)
	var apps []testApp
	a.json(&apps, "app", "list")
	if len(apps) != 2 || apps[0].Name != "Sales" || apps[0].ID != engine.DefaultAppID || apps[1].ID != dataset.FieldServiceApp {
		t.Fatalf("demo apps %+v", apps)
	}
	if out := a.ok("app", "list"); !regexpHeader(strings.SplitN(out, "\n", 2)[0], "ID", "NAME", "ENTITIES", "DESCRIPTION") || !strings.Contains(out, "account, task") {
		t.Fatalf("table:\n%s", out)
	}

	var made struct{ ID, Name string }
	a.json(&made, "app", "create", "--name", "Inspections", "--entities", "task,account", "--description", "Site inspections")
	if _, ok := engine.CanonicalGUID(made.ID); !ok || made.Name != "Inspections" {
		t.Fatalf("create answered %+v", made)
	}
	var got testApp
	a.json(&got, "app", "get", "inspections") // by name, ignoring case
	if got.ID != made.ID || !slices.Equal(got.Entities, []string{"account", "task"}) || got.Description != "Site inspections" {
		t.Fatalf("get %+v", got)
	}
	a.fails(client.ErrConflict, "app", "create", "--name", "SALES", "--entities", "task")
	if err := a.fails(client.ErrInvalid, "app", "create", "--name", "X", "--entities", "task,nosuch"); !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("unknown entity: %v", err)
	}
	if out, err := a.cli("app", "create", "--name", "X"); err == nil {
		t.Fatalf("create without --entities: %s", out)
	}

	// update changes only the fields given.
	if out := a.ok("app", "update", made.ID, "--name", "Audits"); !strings.HasPrefix(out, "updated app Audits ("+made.ID+") (version ") {
		t.Fatalf("update: %q", out)
	}
	a.ok("app", "update", "Audits", "--entities", "account")
	a.json(&got, "app", "get", made.ID)
	if got.Name != "Audits" || got.Description != "Site inspections" || !slices.Equal(got.Entities, []string{"account"}) {
		t.Fatalf("after update %+v", got)
	}
	if _, err := a.cli("app", "update", "Audits"); err == nil {
		t.Fatal("update with no field succeeded")
	}

	// See what's included, per app.
	var inc []struct{ Name string }
	a.json(&inc, "app", "included", "Field Service")
	if len(inc) != 2 || inc[0].Name != "account" || inc[1].Name != "task" {
		t.Fatalf("included %+v", inc)
	}
	if out := a.ok("app", "included", "Field Service"); !strings.Contains(out, "regardingobjectid -> account") || strings.Contains(out, "contact") {
		t.Fatalf("included table:\n%s", out)
	}
	a.json(&inc, "profile", "included", "--app", "Audits")
	if len(inc) != 1 || inc[0].Name != "account" {
		t.Fatalf("profile included --app %+v", inc)
	}

	// A profile of the app: its rules may name only the app's entities.
	prof := map[string]any{"id": "a0d17000-0000-4000-8000-000000000001", "name": "Auditors",
		"rules": []map[string]any{{"entity": "task", "rows": []string{"user"}}}}
	if err := a.fails(client.ErrInvalid, "profile", "apply", "-f", writeFile(t, prof), "--app", "Audits"); !strings.Contains(err.Error(), "task is not an entity of app") {
		t.Fatalf("a rule outside the app: %v", err)
	}
	prof["rules"] = []map[string]any{{"entity": "account", "rows": []string{"user"}}}
	a.ok("profile", "apply", "-f", writeFile(t, prof), "--app", "audits")
	var p struct{ App string }
	a.json(&p, "profile", "get", "Auditors")
	if p.App != made.ID {
		t.Fatalf("profile app %q, want %s", p.App, made.ID)
	}
	if l := lineWith(a.ok("profile", "list"), "Auditors"); !strings.Contains(l, "Audits") {
		t.Fatalf("profile list row %q names no app", l)
	}
	if l := lineWith(a.ok("profile", "list"), "Field Sales"); !strings.Contains(l, "Sales") {
		t.Fatalf("profile list row %q", l)
	}

	var created struct{ ID string }
	a.json(&created, "profile", "create", "--name", "Auditors too", "--app", "Audits")
	p.App = ""
	a.json(&p, "profile", "get", created.ID)
	if p.App != made.ID {
		t.Fatalf("profile create --app: app %q, want %s", p.App, made.ID)
	}
	a.ok("profile", "delete", "Auditors too")

	a.fails(client.ErrConflict, "app", "delete", "Audits") // has a profile
	a.fails(client.ErrConflict, "app", "delete", "Sales")  // the default app
	a.ok("profile", "delete", "Auditors")
	if out := a.ok("app", "delete", "audits"); !strings.HasPrefix(out, "deleted app audits (version ") {
		t.Fatalf("delete: %q", out)
	}
	a.fails(client.ErrNotFound, "app", "get", made.ID)

	// A token for one app.
	user := firstUser(a)
	var tok struct{ Token, App string }
	a.json(&tok, "token", "create", "--user", user, "--app", "Field Service")
	if tok.App != dataset.FieldServiceApp {
		t.Fatalf("token app %q", tok.App)
	}
	dt, err := a.e.Authenticate(tok.Token)
	if err != nil || dt.App != dataset.FieldServiceApp {
		t.Fatalf("the token authenticates as %+v, %v", dt, err)
	}
	if out := a.ok("token", "create", "--user", user, "--app", dataset.FieldServiceApp); !strings.Contains(out, "\napp:") {
		t.Fatalf("token create table:\n%s", out)
	}
	if l := lineWith(a.ok("token", "list", "--user", user), user); !strings.Contains(l, "Field Service") {
		t.Fatalf("token list row %q", l)
	}
	if _, err := a.cli("token", "create", "--user", user, "--app", "Nope"); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Fatalf("a token for an unknown app: %v", err)
	}

	out, err := run(t, context.Background(), "__complete", "app", "get", "--server", a.base, "--admin-token", adminTestToken, "Fi")
	if err != nil || !strings.Contains(out, "Field Service\n") || strings.Contains(out, "Sales\n") {
		t.Fatalf("app names: %v\n%s", err, out)
	}
	out, err = run(t, context.Background(), "__complete", "token", "create", "--server", a.base, "--admin-token", adminTestToken, "--app", "")
	if err != nil || !strings.Contains(out, "Field Service\n") || !strings.Contains(out, "Sales\n") {
		t.Fatalf("--app names: %v\n%s", err, out)
	}
}

// TestAppSyncErrorsAndEstimate: sync-errors list --app keeps one app's
// errors and names each error's app; the estimate names the profile's
// app.
func TestAppSyncErrorsAndEstimate(t *testing.T) {
	a := newAdminEnv(t)
	var prof struct{ Users []string }
	a.json(&prof, "profile", "get", dataset.ProfileFieldTechnicians)
	user := prof.Users[0]
	for i, app := range []string{"", dataset.FieldServiceApp, dataset.FieldServiceApp} {
		m := engine.Mutation{ID: fmt.Sprint(i), Entity: "task", RowID: fmt.Sprintf("10000000-0000-4000-8000-%012d", i), Op: engine.MutationDelete}
		if r, err := a.e.Apply(a.e.Applied()+1, &engine.Command{Kind: engine.KindPush, Now: 1, Push: &engine.Push{User: user, App: app,
			Device: "d0000000-0000-4000-8000-000000000001", Mutations: []engine.Mutation{m}}}); err != nil || r.Err != nil {
			t.Fatalf("push: %v %v", err, r)
		}
	}
	var errs []struct{ App string }
	a.json(&errs, "sync-errors", "list", "--app", "field service")
	if len(errs) != 2 || errs[0].App != dataset.FieldServiceApp || errs[1].App != dataset.FieldServiceApp {
		t.Fatalf("Field Service errors %+v", errs)
	}
	a.json(&errs, "sync-errors", "list", "--app", "Sales")
	if len(errs) != 1 {
		t.Fatalf("Sales errors %+v", errs)
	}
	out := a.ok("sync-errors", "list")
	if !regexpHeader(strings.SplitN(out, "\n", 2)[0], "REF", "TIME", "USER", "APP", "CODE", "MESSAGE") ||
		strings.Count(out, "Field Service") != 2 || strings.Count(out, " Sales ") != 1 {
		t.Fatalf("table:\n%s", out)
	}
	a.fails(client.ErrNotFound, "sync-errors", "list", "--app", "Nope")

	out = a.ok("profile", "estimate", dataset.ProfileFieldTechnicians, "--user", user)
	if !strings.HasPrefix(out, "profile Field Technicians (app Field Service), draft rules") {
		t.Fatalf("estimate:\n%s", out)
	}
	if out = a.ok("profile", "estimate", dataset.ProfileFieldSales, "--user", user); !strings.HasPrefix(out, "profile Field Sales (app Sales),") {
		t.Fatalf("estimate:\n%s", out)
	}
}

// viewIDs is the engine's view of user in app at the server's clock, by
// entity.
func viewIDs(t *testing.T, a *adminEnv, user, app string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	if _, err := a.e.View(user, app, a.now.UnixMilli(), func(vr engine.ViewRow) error {
		out[vr.Rule.Entity] = append(out[vr.Rule.Entity], vr.Row.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}

// storeIDs is what a device store holds, by entity.
func storeIDs(t *testing.T, store string) map[string][]string {
	t.Helper()
	d, err := openStore(store)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	counts, err := d.Counts()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for e := range counts {
		if err := d.Rows(e, func(r client.Row) error { out[e] = append(out[e], r.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out[e])
	}
	return out
}

func sameView(a, b map[string][]string) bool {
	for _, m := range []map[string][]string{a, b} {
		for e := range m {
			if !slices.Equal(a[e], b[e]) {
				return false
			}
		}
	}
	return true
}

// TestAppDeviceSync: a user in a profile of each demo app syncs one store
// per app with device sync (--app, OFFSYNC_DEVICE_APP, or none for the
// default app), and each holds exactly the engine's view of the user in
// that app; the store keeps its app, so a later sync that names none
// stays in it, and refuses another app.
func TestAppDeviceSync(t *testing.T) {
	a := newAdminEnv(t)
	var prof struct{ Users []string }
	a.json(&prof, "profile", "get", dataset.ProfileFieldTechnicians)
	user := prof.Users[0]
	var tok struct{ Token string }
	a.json(&tok, "token", "create", "--user", user)
	dir := t.TempDir()
	sync := func(store string, extra ...string) (string, error) {
		return run(t, context.Background(), append([]string{"device", "sync", "--server", a.base, "--token", tok.Token, "--store", filepath.Join(dir, store)}, extra...)...)
	}
	field := viewIDs(t, a, user, dataset.FieldServiceApp)
	sales := viewIDs(t, a, user, engine.DefaultAppID)
	if len(field["task"]) == 0 || len(field) != 2 || len(sales["opportunity"]) == 0 {
		t.Fatalf("the fixture: Field Service %d entities, %d tasks; Sales %d opportunities", len(field), len(field["task"]), len(sales["opportunity"]))
	}
	if out, err := sync("field", "--app", "Field Service"); err != nil || !strings.Contains(out, "app Field Service") {
		t.Fatalf("sync --app: %v\n%s", err, out)
	}
	if _, err := sync("sales"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OFFSYNC_DEVICE_APP", "sales")
	if _, err := sync("sales-env"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OFFSYNC_DEVICE_APP", "")
	for store, want := range map[string]map[string][]string{"field": field, "sales": sales, "sales-env": sales} {
		if got := storeIDs(t, filepath.Join(dir, store)); !sameView(got, want) {
			t.Fatalf("store %s holds %d entities, want the app's view of %d", store, len(got), len(want))
		}
	}

	// The Field Service store keeps its app, and refuses Sales.
	if out, err := sync("field"); err != nil || !strings.Contains(out, "app Field Service") {
		t.Fatalf("a later sync of the Field Service store: %v\n%s", err, out)
	}
	if got := storeIDs(t, filepath.Join(dir, "field")); !sameView(got, field) {
		t.Fatal("a later sync without --app left the Field Service view")
	}
	for _, other := range [][]string{{"field", "Sales"}, {"sales", "Field Service"}} {
		_, err := sync(other[0], "--app", other[1])
		if !errors.Is(err, client.ErrOtherApp) || !strings.Contains(err.Error(), "another store") {
			t.Fatalf("store %s synced for %s: %v, want ErrOtherApp", other[0], other[1], err)
		}
	}
	if _, err := sync("nope", "--app", "Nope"); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("an unknown app: %v", err)
	}
	// A token for Field Service cannot sync Sales.
	var fsTok struct{ Token string }
	a.json(&fsTok, "token", "create", "--user", user, "--app", "Field Service")
	_, err := run(t, context.Background(), "device", "sync", "--server", a.base, "--token", fsTok.Token, "--store", filepath.Join(dir, "x"), "--app", "Sales")
	if !errors.Is(err, client.ErrForbidden) {
		t.Fatalf("a Field Service token syncing Sales: %v, want ErrForbidden", err)
	}
}

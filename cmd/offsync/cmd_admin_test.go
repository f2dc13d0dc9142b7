package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/server"
)

const adminTestToken = "cmd-admin-test-token-0123456789"

// directWriter applies commands straight to the engine at consecutive
// versions, standing in for the replication node.
type directWriter struct{ e *engine.Engine }

// directMu serializes directWriter proposals: two at once (a test's and
// a server's background one, such as registering cursor contexts) would
// take the same version, and the second would be skipped.
var directMu sync.Mutex

func (d directWriter) Propose(_ context.Context, cmd *engine.Command) (*engine.Result, error) {
	directMu.Lock()
	defer directMu.Unlock()
	return d.e.Apply(d.e.Applied()+1, cmd)
}

type readyAlways struct{}

func (readyAlways) Ready() bool { return true }

// adminEnv is an in-process server holding the demo dataset, and the way
// to run admin commands against it.
type adminEnv struct {
	t    *testing.T
	base string
	e    *engine.Engine
	now  time.Time // the server's clock
}

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	return newAdminEnvWith(t, nil)
}

// newAdminEnvWith is newAdminEnv with a hook on the server's config.
func newAdminEnvWith(t *testing.T, tune func(*server.Config)) *adminEnv {
	t.Helper()
	ecfg := engine.DefaultConfig(t.TempDir())
	ecfg.MemTableSize, ecfg.BlockCacheSize = 8<<20, 1<<20
	e, err := engine.Open(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	cfg, err := dataset.ConfigFor(dataset.SizeDemo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dataset.Load(context.Background(), directWriter{e}, cfg, 500, nil); err != nil {
		t.Fatal(err)
	}
	scfg := server.DefaultConfig(adminTestToken)
	scfg.Now = func() time.Time { return cfg.Now } // the dataset's dates are relative to it
	if tune != nil {
		tune(&scfg)
	}
	s, err := server.New(scfg, directWriter{e}, e, readyAlways{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &adminEnv{t: t, base: ts.URL, e: e, now: cfg.Now}
}

// cli runs offsync with args against the server, with the admin token.
func (a *adminEnv) cli(args ...string) (string, error) {
	a.t.Helper()
	return run(a.t, context.Background(), append(args, "--server", a.base, "--admin-token", adminTestToken)...)
}

// ok runs a command that must succeed.
func (a *adminEnv) ok(args ...string) string {
	a.t.Helper()
	out, err := a.cli(args...)
	if err != nil {
		a.t.Fatalf("offsync %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// json runs a command with --output json and decodes its output into v.
func (a *adminEnv) json(v any, args ...string) {
	a.t.Helper()
	out := a.ok(append(args, "--output", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		a.t.Fatalf("offsync %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// fails runs a command that must fail with want (a client sentinel).
func (a *adminEnv) fails(want error, args ...string) error {
	a.t.Helper()
	out, err := a.cli(args...)
	if !errors.Is(err, want) {
		a.t.Fatalf("offsync %s: err %v, want %v\n%s", strings.Join(args, " "), err, want, out)
	}
	return err
}

// writeFile writes a JSON file for -f.
func writeFile(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "in.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type testProfile struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Rules     []json.RawMessage `json:"rules"`
	Users     []string          `json:"users"`
	Teams     []string          `json:"teams"`
	Published uint64            `json:"published"`
}

func TestAdminCLI(t *testing.T) {
	a := newAdminEnv(t)

	t.Run("profile list", func(t *testing.T) {
		var ps []testProfile
		a.json(&ps, "profile", "list")
		var names []string
		for _, p := range ps {
			names = append(names, p.Name)
			if p.Published == 0 {
				t.Errorf("profile %s not published", p.Name)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{dataset.ProfileFieldSales, dataset.ProfileFieldTechnicians, dataset.ProfileManagers}) {
			t.Fatalf("profiles %v", names)
		}
		out := a.ok("profile", "list")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 4 || strings.Join(strings.Fields(lines[0]), " ") != "ID NAME APP PUBLISHED RULES USERS TEAMS" {
			t.Fatalf("table:\n%s", out)
		}
	})

	t.Run("user list", func(t *testing.T) {
		var users []map[string]any
		a.json(&users, "user", "list")
		if len(users) == 0 {
			t.Fatal("no users")
		}
		out := a.ok("user", "list")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if !regexpHeader(lines[0], "ID", "NAME", "EMAIL", "BUSINESS UNIT", "ENABLED") {
			t.Fatalf("header %q", lines[0])
		}
		if len(lines) != len(users)+1 {
			t.Fatalf("%d lines for %d users", len(lines), len(users))
		}
		first := users[0]
		if !strings.Contains(out, first["id"].(string)) || !strings.Contains(out, first["email"].(string)) {
			t.Fatalf("user %v not in table:\n%s", first, out)
		}
		// Columns are aligned: every row has the EMAIL column where the
		// header does.
		col := strings.Index(lines[0], "EMAIL")
		for _, l := range lines[1:] {
			if !strings.Contains(l[col:], "@") || l[col-1] != ' ' {
				t.Fatalf("unaligned row %q", l)
			}
		}
	})

	t.Run("tokens", func(t *testing.T) {
		user := firstUser(a)
		var tok struct{ Token, ID, UserID string }
		a.json(&tok, "token", "create", "--user", user, "--name", "phone")
		if !strings.HasPrefix(tok.Token, server.TokenPrefix) || tok.ID == "" || tok.UserID != user {
			t.Fatalf("token %+v", tok)
		}
		if _, err := a.e.Authenticate(tok.Token); err != nil {
			t.Fatalf("new token does not authenticate: %v", err)
		}
		out := a.ok("token", "create", "--user", user)
		if !strings.HasPrefix(out, "token:") || !strings.Contains(out, "\nid:") || !strings.Contains(out, server.TokenPrefix) {
			t.Fatalf("table create:\n%s", out)
		}

		out = a.ok("token", "list", "--user", user, "--output", "json")
		if strings.Contains(out, tok.Token) || strings.Contains(out, "hash") {
			t.Fatalf("list shows a secret:\n%s", out)
		}
		var list []struct {
			ID, UserID, Name string
			Revoked          bool
		}
		a.json(&list, "token", "list", "--user", user)
		i := slices.IndexFunc(list, func(l struct {
			ID, UserID, Name string
			Revoked          bool
		}) bool {
			return l.ID == tok.ID
		})
		if len(list) != 2 || i < 0 || list[i].Name != "phone" || list[i].Revoked {
			t.Fatalf("list %+v", list)
		}
		out = a.ok("token", "list")
		if !strings.Contains(out, tok.ID) || !regexpHeader(strings.SplitN(out, "\n", 2)[0], "ID", "USER", "NAME", "APP", "CREATED", "REVOKED", "REVOKED ON") {
			t.Fatalf("table list:\n%s", out)
		}

		if out := a.ok("token", "revoke", tok.ID); !strings.HasPrefix(out, "revoked token "+tok.ID+" (version ") {
			t.Fatalf("revoke: %q", out)
		}
		a.json(&list, "token", "list", "--user", user)
		for _, l := range list {
			if l.ID == tok.ID && !l.Revoked {
				t.Fatalf("token not revoked: %+v", l)
			}
		}
		if _, err := a.e.Authenticate(tok.Token); err == nil {
			t.Fatal("revoked token still authenticates")
		}
		a.fails(client.ErrNotFound, "token", "revoke", "00000000-0000-4000-8000-00000000dead")
	})

	t.Run("add-member conflict and move", func(t *testing.T) {
		var mgr, fs testProfile
		a.json(&mgr, "profile", "get", dataset.ProfileManagers)
		if len(mgr.Users) == 0 {
			t.Fatal("Managers has no users")
		}
		u := mgr.Users[0]
		err := a.fails(client.ErrConflict, "profile", "add-member", dataset.ProfileFieldSales, "--user", u)
		if !strings.HasPrefix(err.Error(), "conflict: ") || !strings.Contains(err.Error(), "--move") {
			t.Fatalf("conflict message %q", err)
		}
		a.json(&fs, "profile", "get", dataset.ProfileFieldSales)
		if slices.Contains(fs.Users, u) {
			t.Fatal("a refused add-member changed the profile")
		}

		out := a.ok("profile", "add-member", dataset.ProfileFieldSales, "--user", u, "--move")
		if !strings.Contains(out, "added to profile Field Sales (version ") {
			t.Fatalf("add-member: %q", out)
		}
		a.json(&fs, "profile", "get", dataset.ProfileFieldSales)
		a.json(&mgr, "profile", "get", mgr.ID) // by id as well as by name
		if !slices.Contains(fs.Users, u) || slices.Contains(mgr.Users, u) {
			t.Fatalf("user %s not moved: field sales %v, managers %v", u, fs.Users, mgr.Users)
		}

		a.ok("profile", "remove-member", dataset.ProfileFieldSales, "--user", u)
		a.json(&fs, "profile", "get", dataset.ProfileFieldSales)
		if slices.Contains(fs.Users, u) {
			t.Fatal("remove-member kept the user")
		}
		a.ok("profile", "add-member", dataset.ProfileManagers, "--user", u)

		out = a.ok("profile", "get", dataset.ProfileFieldSales)
		for _, want := range []string{"name:", "Field Sales", "DRAFT RULES:", "PUBLISHED RULES:", "primarycontactid", fs.Users[0]} {
			if !strings.Contains(out, want) {
				t.Fatalf("profile get lacks %q:\n%s", want, out)
			}
		}
		a.fails(client.ErrNotFound, "profile", "get", "No Such Profile")
		if _, err := a.cli("profile", "add-member", dataset.ProfileManagers); err == nil {
			t.Fatal("add-member without members succeeded")
		}
	})

	t.Run("estimate", func(t *testing.T) {
		var est struct {
			Rules    string
			Members  int
			Entities []struct{ Entity string }
			Total    struct{ Rows, Bytes, MaxRows, MaxBytes int }
		}
		a.json(&est, "profile", "estimate", dataset.ProfileFieldSales)
		if est.Rules != "draft" || est.Members == 0 || len(est.Entities) != 4 || est.Total.Rows == 0 || est.Total.Bytes == 0 {
			t.Fatalf("estimate %+v", est)
		}
		out := a.ok("profile", "estimate", dataset.ProfileFieldSales, "--published")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if !strings.Contains(lines[0], "published rules") {
			t.Fatalf("estimate title %q", lines[0])
		}
		hi := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "ENTITY") })
		if hi < 0 || !regexpHeader(lines[hi], "ENTITY", "ROWS", "BYTES", "MAX ROWS", "MAX BYTES") {
			t.Fatalf("estimate table:\n%s", out)
		}
		if len(lines) != hi+1+4+1 {
			t.Fatalf("want 4 entities and a total:\n%s", out)
		}
		for _, l := range lines[hi+1:] {
			if f := strings.Fields(l); len(f) < 2 {
				t.Fatalf("row %q", l)
			}
		}
		total := strings.Fields(lines[len(lines)-1])
		if total[0] != "TOTAL" {
			t.Fatalf("last line %q", lines[len(lines)-1])
		}
		if n, err := strconv.Atoi(total[1]); err != nil || n == 0 {
			t.Fatalf("total rows in %q", lines[len(lines)-1])
		}
		if !strings.Contains(lines[len(lines)-1], "KiB") && !strings.Contains(lines[len(lines)-1], " B") {
			t.Fatalf("total bytes in %q", lines[len(lines)-1])
		}
		user := firstUser(a)
		a.json(&est, "profile", "estimate", dataset.ProfileFieldSales, "--user", user)
		if est.Members != 1 {
			t.Fatalf("estimate for one user: %+v", est)
		}
	})

	t.Run("included", func(t *testing.T) {
		out := a.ok("profile", "included")
		if !regexpHeader(strings.SplitN(out, "\n", 2)[0], "ENTITY", "DISPLAY NAME", "OWNERSHIP", "RELATIONSHIPS") ||
			!strings.Contains(out, "primarycontactid -> contact") {
			t.Fatalf("included:\n%s", out)
		}
	})

	t.Run("profile apply publish delete", func(t *testing.T) {
		var fs testProfile
		a.json(&fs, "profile", "get", dataset.ProfileFieldSales)
		u := fs.Users[0]
		p := map[string]any{
			"id": "5e1f0000-0000-4000-8000-000000000001", "name": "Tasks Only",
			"rules": []any{map[string]any{"entity": "task", "rows": []string{"user"}, "modifiedWithinDays": 0}},
			"users": []string{u},
		}
		file := writeFile(t, p)
		a.fails(client.ErrConflict, "profile", "apply", "-f", file)
		if out := a.ok("profile", "apply", "-f", file, "--move"); !strings.HasPrefix(out, "applied profile Tasks Only") {
			t.Fatalf("apply: %q", out)
		}
		out := a.ok("profile", "list")
		if !strings.Contains(out, "Tasks Only") || !strings.Contains(lineWith(out, "Tasks Only"), " no ") {
			t.Fatalf("unpublished profile:\n%s", out)
		}
		a.ok("profile", "publish", "Tasks Only")
		var tp testProfile
		a.json(&tp, "profile", "get", "Tasks Only")
		if tp.Published == 0 || !slices.Equal(tp.Users, []string{u}) {
			t.Fatalf("published profile %+v", tp)
		}
		a.ok("profile", "delete", "Tasks Only")
		a.fails(client.ErrNotFound, "profile", "get", "Tasks Only")
		a.ok("profile", "add-member", dataset.ProfileFieldSales, "--user", u)

		// The documented round trip: get as JSON, apply the same file.
		got := a.ok("profile", "get", dataset.ProfileManagers, "-o", "json")
		rt := filepath.Join(t.TempDir(), "managers.json")
		if err := os.WriteFile(rt, []byte(got), 0o600); err != nil {
			t.Fatal(err)
		}
		a.ok("profile", "apply", "-f", rt)
		if again := a.ok("profile", "get", dataset.ProfileManagers, "-o", "json"); again != got {
			t.Fatalf("round trip changed the profile:\n%s\n%s", got, again)
		}

		bad := writeFile(t, map[string]any{"name": "no id"})
		if _, err := a.cli("profile", "apply", "-f", bad); err == nil || !strings.Contains(err.Error(), `"id"`) {
			t.Fatalf("apply without id: %v", err)
		}
		bad = writeFile(t, map[string]any{"id": "5e1f0000-0000-4000-8000-000000000002", "name": "x", "rules": []any{map[string]any{"entity": "task", "rows": []string{"everything"}}}})
		err := a.fails(client.ErrInvalid, "profile", "apply", "-f", bad)
		if !strings.HasPrefix(err.Error(), "invalid: ") || !strings.Contains(err.Error(), "rows") {
			t.Fatalf("invalid rule message %q", err)
		}
	})

	t.Run("entity apply and publish", func(t *testing.T) {
		var sch struct {
			Version  uint64
			Entities []map[string]any
		}
		a.json(&sch, "entity", "list")
		if sch.Version == 0 || len(sch.Entities) == 0 {
			t.Fatalf("schema %+v", sch)
		}
		out := a.ok("entity", "list")
		if !strings.HasPrefix(out, fmt.Sprintf("published schema, metadata version %d\n", sch.Version)) ||
			!strings.Contains(out, "account") || !strings.Contains(out, "OWNERSHIP") {
			t.Fatalf("entity list:\n%s", out)
		}
		e0 := sch.Entities[0]
		e0["attributes"] = append(e0["attributes"].([]any), map[string]any{"name": "cli_note", "type": "string", "maxLength": 100})
		file := writeFile(t, map[string]any{"entities": sch.Entities})
		a.ok("entity", "apply", "-f", file)
		if out := a.ok("entity", "draft", "-o", "json"); !strings.Contains(out, "cli_note") {
			t.Fatalf("draft lacks the new attribute:\n%s", out)
		}
		out = a.ok("entity", "publish")
		if !strings.HasPrefix(out, fmt.Sprintf("published the schema: metadata version %d (version ", sch.Version+1)) {
			t.Fatalf("publish: %q", out)
		}
		var after struct{ Version uint64 }
		a.json(&after, "entity", "list")
		if after.Version != sch.Version+1 {
			t.Fatalf("metadata version %d after publishing %d", after.Version, sch.Version)
		}
		a.fails(client.ErrBadRequest, "entity", "apply", "-f", writeFile(t, map[string]any{"entities": []any{}, "bogus": 1}))
	})

	t.Run("put get delete round trips", func(t *testing.T) {
		const (
			bu   = "b0000000-0000-4000-8000-000000000001"
			team = "b0000000-0000-4000-8000-000000000002"
			user = "b0000000-0000-4000-8000-000000000003"
			role = "b0000000-0000-4000-8000-000000000004"
		)
		root := rootBU(a)
		if out := a.ok("bu", "put", bu, "--name", "CLI Unit", "--parent", root); !strings.HasPrefix(out, "saved business unit "+bu+" (version ") {
			t.Fatalf("bu put: %q", out)
		}
		var gotBU engine.BusinessUnit
		a.json(&gotBU, "bu", "get", bu)
		if gotBU != (engine.BusinessUnit{ID: bu, Name: "CLI Unit", Parent: root}) {
			t.Fatalf("bu %+v", gotBU)
		}
		if !strings.Contains(a.ok("bu", "list"), "CLI Unit") {
			t.Fatal("bu list lacks the new unit")
		}

		roleFile := writeFile(t, map[string]any{"name": "CLI Reader", "privileges": map[string]any{"account": map[string]any{"read": "organization"}}})
		a.ok("role", "put", role, "-f", roleFile)
		var gotRole engine.Role
		a.json(&gotRole, "role", "get", role)
		if gotRole.ID != role || gotRole.Name != "CLI Reader" || gotRole.Privileges["account"].Read != engine.DepthOrganization {
			t.Fatalf("role %+v", gotRole)
		}
		if out := a.ok("role", "get", role); !strings.Contains(out, "PRIVILEGES:") || !strings.Contains(lineWith(out, "account"), "organization") {
			t.Fatalf("role get:\n%s", out)
		}

		a.ok("user", "put", user, "--name", "Cli User", "--bu", bu, "--email", "cli@example.com", "--role", role, "--disabled")
		var gotUser engine.User
		a.json(&gotUser, "user", "get", user)
		if gotUser.Name != "Cli User" || gotUser.BusinessUnit != bu || gotUser.Email != "cli@example.com" ||
			!slices.Equal(gotUser.Roles, []string{role}) || gotUser.Enabled {
			t.Fatalf("user %+v", gotUser)
		}
		a.ok("user", "put", user, "--name", "Cli User", "--bu", bu)
		gotUser = engine.User{}
		a.json(&gotUser, "user", "get", user)
		if !gotUser.Enabled || gotUser.Email != "" || len(gotUser.Roles) != 0 {
			t.Fatalf("user after replace %+v", gotUser)
		}

		a.ok("team", "put", team, "--name", "CLI Team", "--bu", bu, "--member", user, "--role", role)
		var gotTeam engine.Team
		a.json(&gotTeam, "team", "get", team)
		if gotTeam.Name != "CLI Team" || gotTeam.BusinessUnit != bu || !slices.Equal(gotTeam.Members, []string{user}) || !slices.Equal(gotTeam.Roles, []string{role}) {
			t.Fatalf("team %+v", gotTeam)
		}
		if out := a.ok("team", "list"); !strings.Contains(lineWith(out, "CLI Team"), bu) {
			t.Fatalf("team list:\n%s", out)
		}

		// Objects in use cannot be deleted; the conflict says why.
		err := a.fails(client.ErrConflict, "bu", "delete", bu)
		if !strings.HasPrefix(err.Error(), "conflict: ") || !strings.Contains(err.Error(), "in use") {
			t.Fatalf("conflict message %q", err)
		}
		a.fails(client.ErrConflict, "role", "delete", role)

		for _, c := range [][]string{{"team", team}, {"user", user}, {"role", role}, {"bu", bu}} {
			if out := a.ok(c[0], "delete", c[1]); !strings.HasPrefix(out, "deleted ") {
				t.Fatalf("%s delete: %q", c[0], out)
			}
			a.fails(client.ErrNotFound, c[0], "get", c[1])
		}
		a.fails(client.ErrInvalid, "user", "put", user, "--name", "x", "--bu", "not-a-guid")
		if _, err := a.cli("user", "put", user, "--name", "x"); err == nil || !strings.Contains(err.Error(), "bu") {
			t.Fatalf("put without --bu: %v", err)
		}
	})

	t.Run("org apply", func(t *testing.T) {
		const bu, user = "c0000000-0000-4000-8000-000000000001", "c0000000-0000-4000-8000-000000000002"
		file := writeFile(t, map[string]any{
			"businessUnits": []any{map[string]any{"id": bu, "name": "Org Unit", "parent": rootBU(a)}},
			"users":         []any{map[string]any{"id": user, "name": "Org User", "businessUnit": bu, "enabled": true}},
		})
		a.ok("org", "apply", "-f", file)
		var u engine.User
		a.json(&u, "user", "get", user)
		if u.Name != "Org User" || u.BusinessUnit != bu {
			t.Fatalf("user %+v", u)
		}
		a.fails(client.ErrBadRequest, "org", "apply", "-f", writeFile(t, map[string]any{"people": []any{}}))
		if _, err := a.cli("org", "apply", "-f", filepath.Join(t.TempDir(), "missing.json")); err == nil {
			t.Fatal("missing file accepted")
		}
	})

	t.Run("auth and flags", func(t *testing.T) {
		_, err := run(t, context.Background(), "user", "list", "--server", a.base, "--admin-token", "wrong")
		if !errors.Is(err, client.ErrUnauthorized) || !strings.HasPrefix(err.Error(), "unauthorized: ") {
			t.Fatalf("bad token: %v", err)
		}
		t.Setenv("OFFSYNC_ADMIN_TOKEN", "")
		if _, err := run(t, context.Background(), "user", "list", "--server", a.base); err == nil || !strings.Contains(err.Error(), "OFFSYNC_ADMIN_TOKEN") {
			t.Fatalf("no token: %v", err)
		}
		t.Setenv("OFFSYNC_ADMIN_TOKEN", adminTestToken)
		t.Setenv("OFFSYNC_SERVER", a.base)
		if out, err := run(t, context.Background(), "bu", "list"); err != nil || !strings.HasPrefix(out, "ID") {
			t.Fatalf("token and server from the environment: %v\n%s", err, out)
		}
		if _, err := a.cli("user", "list", "--output", "yaml"); err == nil || !strings.Contains(err.Error(), "--output") {
			t.Fatalf("bad --output: %v", err)
		}
		if _, err := run(t, context.Background(), "user", "list", "--server", "localhost:7070"); err == nil || !strings.Contains(err.Error(), "use http://localhost:7070") {
			t.Fatalf("bad --server: %v", err)
		}
	})
}

// regexpHeader reports whether line is exactly the headers, separated by
// at least two spaces.
func regexpHeader(line string, headers ...string) bool {
	parts := strings.FieldsFunc(strings.ReplaceAll(strings.TrimSpace(line), "  ", "\t"), func(r rune) bool { return r == '\t' })
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return slices.Equal(parts, headers)
}

// lineWith returns the first line of out containing s.
func lineWith(out, s string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

func firstUser(a *adminEnv) string {
	a.t.Helper()
	var users []struct{ ID string }
	a.json(&users, "user", "list")
	return users[0].ID
}

func rootBU(a *adminEnv) string {
	a.t.Helper()
	var bus []engine.BusinessUnit
	a.json(&bus, "bu", "list")
	for _, b := range bus {
		if b.Parent == "" {
			return b.ID
		}
	}
	a.t.Fatal("no root business unit")
	return ""
}

// ingest posts an ingest batch with the admin token.
func (a *adminEnv) ingest(body string) error {
	adm, err := client.NewAdmin(a.base, adminTestToken)
	if err != nil {
		return err
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		return err
	}
	return adm.Do(context.Background(), "POST", "/v1/records", raw, nil)
}

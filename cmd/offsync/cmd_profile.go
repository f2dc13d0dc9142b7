package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/server"
	"github.com/spf13/cobra"
)

const pathProfiles = "/v1/admin/profiles"

var profileColumns = []column{col("ID", "id"), col("NAME", "name"), {"PUBLISHED", publishedCell},
	countCol("RULES", "rules"), countCol("USERS", "users"), countCol("TEAMS", "teams")}

// ruleColumns show a profile's rules.
var ruleColumns = []column{col("ENTITY", "entity"), col("ROWS", "rows"), col("FILTER", "filter"),
	col("WITHIN DAYS", "modifiedWithinDays"), col("RELATIONSHIPS", "relationships"),
	col("SYNC MINUTES", "syncIntervalMinutes"), col("COLUMNS", "columns")}

// publishedCell says whether and when a profile was published, and
// whether its draft rules have changed since.
func publishedCell(row map[string]any) string {
	v := format(row["published"])
	if v == "" || v == "0" {
		return "no"
	}
	if !reflect.DeepEqual(row["rules"], row["publishedRules"]) {
		return "v" + v + ", draft changed"
	}
	return "v" + v
}

// newProfileCmd is `offsync profile`: offline profiles, their members,
// what they would send, and "see what's included".
func newProfileCmd() *cobra.Command {
	c := &cobra.Command{Use: "profile", Short: "Manage offline profiles"}
	f := addAdminFlags(c)
	get := &cobra.Command{
		Use:   "get NAME_OR_ID",
		Short: "Show a profile: its draft and published rules and its members",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodGet, pathProfiles+"/"+esc(args[0]), nil, func(p printer, raw json.RawMessage) error {
				return p.object(raw, section{"rules", "DRAFT RULES", ruleColumns}, section{"publishedRules", "PUBLISHED RULES", ruleColumns})
			})
		},
	}
	publish := &cobra.Command{
		Use:   "publish NAME_OR_ID",
		Short: "Publish a profile's draft rules: devices get them at their next sync",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodPost, pathProfiles+"/"+esc(args[0])+"/publish", nil, func(p printer, raw json.RawMessage) error {
				return p.done(raw, "published profile "+args[0])
			})
		},
	}
	del := &cobra.Command{
		Use:   "delete NAME_OR_ID",
		Short: "Delete a profile",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// The server deletes by id only: resolve a name first.
			var prof struct{ ID string }
			if err := f.fetch(cmd, pathProfiles+"/"+esc(args[0]), &prof); err != nil {
				return err
			}
			return f.call(cmd, http.MethodDelete, pathProfiles+"/"+esc(prof.ID), nil, func(p printer, raw json.RawMessage) error {
				return p.done(raw, "deleted profile "+args[0])
			})
		},
	}
	var includedApp string
	included := &cobra.Command{
		Use:   "included [--app NAME]",
		Short: "See what's included: the offline-enabled entities and their relationships (of one app with --app)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path := "/v1/admin/offline-entities"
			if includedApp != "" {
				path += "?app=" + url.QueryEscape(includedApp)
			}
			return f.call(cmd, http.MethodGet, path, nil, func(p printer, raw json.RawMessage) error {
				return p.list(raw, includedColumns)
			})
		},
	}
	addAppFlag(included, f, &includedApp, "only this app's entities (name or id)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List offline profiles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			names := f.appNames(cmd)
			cols := slices.Insert(slices.Clone(profileColumns), 2, appCol(names, "app", defaultAppName(names)))
			return f.call(cmd, http.MethodGet, pathProfiles, nil, func(p printer, raw json.RawMessage) error { return p.list(raw, cols) })
		},
	}
	c.AddCommand(
		list,
		get,
		newProfileCreateCmd(f),
		newProfileApplyCmd(f),
		publish,
		del,
		newProfileMembersCmd(f, false),
		newProfileMembersCmd(f, true),
		newProfileEstimateCmd(f),
		included,
	)
	// Every NAME_OR_ID argument completes with the profiles' names.
	names := firstArg(f.completeNames(pathProfiles, "name"))
	for _, sub := range c.Commands() {
		if strings.Contains(sub.Use, "NAME_OR_ID") {
			sub.ValidArgsFunction = names
		}
	}
	return c
}

// relationshipsCell renders [{attribute, targets}] as "attribute -> t1|t2, ...".
func relationshipsCell(row map[string]any) string {
	rels, _ := row["relationships"].([]any)
	out := ""
	for i, r := range rels {
		m, _ := r.(map[string]any)
		targets, _ := m["targets"].([]any)
		if i > 0 {
			out += ", "
		}
		out += format(m["attribute"]) + " ->"
		for j, t := range targets {
			sep := " "
			if j > 0 {
				sep = "|"
			}
			out += sep + format(t)
		}
	}
	return out
}

// newProfileApplyCmd is `profile apply -f FILE`: create or replace the
// profile the file describes (PUT by its id).
func newProfileApplyCmd(f *adminFlags) *cobra.Command {
	var file, app string
	var move bool
	c := &cobra.Command{
		Use:   "apply -f FILE [--app NAME]",
		Short: "Create or replace a profile from a JSON file",
		Long: `Create or replace the profile a JSON file describes (its "id" is required):
name, description, draft rules and members ("users", "teams"). The profile is
replaced whole: members the file leaves out are taken out of the profile.
Published rules change only with "profile publish".

A profile belongs to one app ("app": a name or an id; none is the default
app), given in the file or by --app, and its rules may name only that app's
entities. A user is in at most one profile per app. A profile cannot move to
another app.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readJSONFile(cmd, file)
			if err != nil {
				return err
			}
			var prof struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			}
			if err := json.Unmarshal(raw, &prof); err != nil || prof.ID == "" {
				return fmt.Errorf("apply profile: %s: needs a JSON object with an \"id\"", file)
			}
			if app != "" {
				if raw, err = withField(raw, "app", app); err != nil {
					return fmt.Errorf("apply profile: %s: %w", file, err)
				}
			}
			path := pathProfiles + "/" + esc(prof.ID)
			if move {
				path += "?move=true"
			}
			err = f.call(cmd, http.MethodPut, path, raw, func(p printer, raw json.RawMessage) error {
				return p.done(raw, fmt.Sprintf("applied profile %s (%s)", prof.Name, prof.ID))
			})
			return moveHint(err, move)
		},
	}
	addFileFlag(c, &file, "one profile")
	c.Flags().BoolVar(&move, "move", false, "take members that are in another profile of the same app out of it")
	addAppFlag(c, f, &app, `the profile's app, by name or id (sets the file's "app")`)
	return c
}

// withField sets key to value in the JSON object raw, keeping its other
// members as they are.
func withField(raw json.RawMessage, key string, value any) (json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	v, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	obj[key] = v
	return json.Marshal(obj)
}

// moveHint points at --move when a member is already in another profile.
func moveHint(err error, move bool) error {
	if !move && errors.Is(err, client.ErrConflict) {
		return fmt.Errorf("%w (use --move)", err)
	}
	return err
}

// newProfileMembersCmd is `profile add-member` (or, with remove,
// `profile remove-member`).
func newProfileMembersCmd(f *adminFlags, remove bool) *cobra.Command {
	var req server.MembersRequest
	use, short, method, verb := "add-member", "Add users and teams to a profile", http.MethodPost, "added to"
	if remove {
		use, short, method, verb = "remove-member", "Remove users and teams from a profile", http.MethodDelete, "removed from"
	}
	c := &cobra.Command{
		Use:   use + " NAME_OR_ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(req.Users)+len(req.Teams) == 0 {
				return errors.New("profile " + use + ": give at least one --user or --team")
			}
			msg := fmt.Sprintf("%d user(s) and %d team(s) %s profile %s", len(req.Users), len(req.Teams), verb, args[0])
			err := f.call(cmd, method, pathProfiles+"/"+esc(args[0])+"/members", req, func(p printer, raw json.RawMessage) error {
				return p.done(raw, msg)
			})
			return moveHint(err, req.Move || remove)
		},
	}
	c.Flags().StringArrayVar(&req.Users, "user", nil, "user id (repeatable)")
	c.Flags().StringArrayVar(&req.Teams, "team", nil, "team id (repeatable)")
	if !remove {
		c.Flags().BoolVar(&req.Move, "move", false, "take members that are in another profile out of it")
	}
	return c
}

// estimateColumns show an estimate's entities (and its total).
var estimateColumns = []column{col("ENTITY", "entity"), col("ROWS", "rows"), bytesCol("BYTES", "bytes"),
	col("MAX ROWS", "maxRows"), bytesCol("MAX BYTES", "maxBytes")}

// newProfileEstimateCmd is `profile estimate`: what a first download
// would cost.
func newProfileEstimateCmd(f *adminFlags) *cobra.Command {
	var user string
	var published bool
	c := &cobra.Command{
		Use:   "estimate NAME_OR_ID",
		Short: "Estimate a profile's first download: rows and compressed bytes per entity",
		Long: `Estimate a profile's first download: rows and zstd-compressed bytes per
entity, averaged over a sample of its members (or for --user), and the largest.
The draft rules are evaluated unless --published is given.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			if user != "" {
				q.Set("user", user)
			}
			if published {
				q.Set("rules", "published")
			}
			path := pathProfiles + "/" + esc(args[0]) + "/estimate"
			if len(q) > 0 {
				path += "?" + q.Encode()
			}
			app := ""
			if f.output == outputTable {
				app = profileAppName(cmd, f, args[0])
			}
			return f.call(cmd, http.MethodGet, path, nil, func(p printer, raw json.RawMessage) error {
				return p.custom(raw, func(w io.Writer, v any) error { return printEstimate(w, v, app) })
			})
		},
	}
	c.Flags().StringVar(&user, "user", "", "estimate for this user instead of a sample of the members")
	c.Flags().BoolVar(&published, "published", false, "evaluate the published rules instead of the draft")
	return c
}

// printEstimate prints an estimate of a profile of app (its name, or ""
// when unknown).
func printEstimate(w io.Writer, v any, app string) error {
	est, ok := v.(map[string]any)
	if !ok {
		return errors.New("print estimate: expected a JSON object")
	}
	users, _ := est["users"].([]any)
	if app != "" {
		app = fmt.Sprintf(" (app %s)", app)
	}
	fmt.Fprintf(w, "profile %s%s, %s rules, %d of %s member(s) evaluated\n\n",
		format(est["profile"]), app, format(est["rules"]), len(users), format(est["members"]))
	entities, _ := est["entities"].([]any)
	total, _ := est["total"].(map[string]any)
	if total != nil {
		total["entity"] = "TOTAL"
		entities = append(entities, total)
	}
	writeTable(w, entities, estimateColumns)
	return nil
}

// profileAppName returns the name of the app of profile ref, or "" when
// it cannot be looked up (the estimate itself then says why).
func profileAppName(cmd *cobra.Command, f *adminFlags, ref string) string {
	a, _, err := f.open(cmd)
	if err != nil {
		return ""
	}
	var prof struct{ App string }
	if a.Do(cmd.Context(), http.MethodGet, pathProfiles+"/"+esc(ref), nil, &prof) != nil {
		return ""
	}
	if prof.App == "" {
		prof.App = engine.DefaultAppID
	}
	app, err := a.App(cmd.Context(), prof.App)
	if err != nil {
		return ""
	}
	return app.Name
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/engine"
	"github.com/spf13/cobra"
)

const pathApps = "/v1/admin/apps"

var appColumns = []column{col("ID", "id"), col("NAME", "name"), col("ENTITIES", "entities"), col("DESCRIPTION", "description")}

// includedColumns show "see what's included".
var includedColumns = []column{col("ENTITY", "name"), col("DISPLAY NAME", "displayName"),
	col("OWNERSHIP", "ownership"), {"RELATIONSHIPS", relationshipsCell}}

// newAppCmd is `offsync app`: app modules (a mobile app such as Sales or
// Field Service) and the offline-enabled entities each uses.
func newAppCmd() *cobra.Command {
	c := &cobra.Command{Use: "app", Short: "Manage app modules: the mobile apps, and the entities each takes offline"}
	f := addAdminFlags(c)
	get := &cobra.Command{
		Use:   "get NAME_OR_ID",
		Short: "Show an app",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodGet, pathApps+"/"+esc(args[0]), nil, func(p printer, raw json.RawMessage) error { return p.object(raw) })
		},
	}
	del := &cobra.Command{
		Use:   "delete NAME_OR_ID",
		Short: "Delete an app (not the default app, nor one that has profiles)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodDelete, pathApps+"/"+esc(args[0]), nil, func(p printer, raw json.RawMessage) error {
				return p.done(raw, "deleted app "+args[0])
			})
		},
	}
	included := &cobra.Command{
		Use:   "included NAME_OR_ID",
		Short: "See what's included: the app's offline-enabled entities and the relationships among them",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodGet, pathApps+"/"+esc(args[0])+"/included", nil, func(p printer, raw json.RawMessage) error {
				return p.list(raw, includedColumns)
			})
		},
	}
	c.AddCommand(newAppWriteCmd(f, true), listCmd(f, pathApps, "apps", appColumns), get, newAppWriteCmd(f, false), del, included)
	names := firstArg(f.completeNames(pathApps, "name"))
	for _, sub := range c.Commands() {
		if strings.Contains(sub.Use, "NAME_OR_ID") {
			sub.ValidArgsFunction = names
		}
	}
	return c
}

// newAppWriteCmd is `app create` (a new id is generated) or, with create
// false, `app update NAME_OR_ID` (the fields given change, the others
// keep their value).
func newAppWriteCmd(f *adminFlags, create bool) *cobra.Command {
	var app client.App
	c := &cobra.Command{
		Use:   "create --name NAME --entities E1,E2",
		Short: "Create an app that takes the entities given offline",
		Args:  cobra.NoArgs,
	}
	if !create {
		c.Use, c.Short, c.Args = "update NAME_OR_ID", "Change an app's name, description or entities", cobra.ExactArgs(1)
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		a, p, err := f.open(cmd)
		if err != nil {
			return err
		}
		put, verb := app, "created"
		if create {
			put.ID = uuid.NewString()
		} else {
			if put, err = a.App(cmd.Context(), args[0]); err != nil {
				return f.explain(err)
			}
			fl := cmd.Flags()
			if !fl.Changed("name") && !fl.Changed("description") && !fl.Changed("entities") {
				return usageErr(errors.New("app update: give --name, --description or --entities"))
			}
			for name, set := range map[string]func(){"name": func() { put.Name = app.Name },
				"description": func() { put.Description = app.Description }, "entities": func() { put.Entities = app.Entities }} {
				if fl.Changed(name) {
					set()
				}
			}
			verb = "updated"
		}
		w, err := a.PutApp(cmd.Context(), put)
		if err != nil {
			return f.explain(err)
		}
		raw, err := json.Marshal(map[string]any{"id": put.ID, "name": put.Name, "version": w.Version})
		if err != nil {
			return err
		}
		return p.done(raw, fmt.Sprintf("%s app %s (%s)", verb, put.Name, put.ID))
	}
	c.Flags().StringVar(&app.Name, "name", "", "the app's name, unique ignoring case")
	c.Flags().StringVar(&app.Description, "description", "", "what the app is for")
	c.Flags().StringSliceVar(&app.Entities, "entities", nil, "the offline-enabled entities the app uses, comma separated")
	_ = c.RegisterFlagCompletionFunc("entities", f.completeNames("/v1/admin/offline-entities", "name"))
	if create {
		_ = c.MarkFlagRequired("name")
		_ = c.MarkFlagRequired("entities")
	}
	return c
}

// addAppFlag adds --app to c, completed with the apps' names.
func addAppFlag(c *cobra.Command, f *adminFlags, app *string, usage string) {
	c.Flags().StringVar(app, "app", "", usage)
	_ = c.RegisterFlagCompletionFunc("app", f.completeNames(pathApps, "name"))
}

// appNames maps the apps' ids to their names, for tables (nil when the
// apps cannot be listed, or the output is JSON).
func (f *adminFlags) appNames(cmd *cobra.Command) map[string]string {
	if f.output != outputTable {
		return nil
	}
	a, _, err := f.open(cmd)
	if err != nil {
		return nil
	}
	apps, err := a.Apps(cmd.Context())
	if err != nil {
		return nil
	}
	names := map[string]string{}
	for _, app := range apps {
		names[app.ID] = app.Name
	}
	return names
}

// appCol renders key, an app id, as the app's name from names (the id
// when unknown). An empty id renders as empty says: profiles and sync
// errors of the default app carry none, and a token that names no app
// syncs for the app its device names.
func appCol(names map[string]string, key, empty string) column {
	return column{"APP", func(row map[string]any) string {
		id := format(row[key])
		if id == "" {
			return empty
		}
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}}
}

// defaultAppName is the default app's name in names, or "default".
func defaultAppName(names map[string]string) string {
	if n, ok := names[engine.DefaultAppID]; ok {
		return n
	}
	return "default"
}

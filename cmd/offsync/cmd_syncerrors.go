package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"
)

var syncErrorColumns = []column{col("REF", "ref"), timeCol("TIME", "time"), col("USER", "user"), col("CODE", "code"), col("MESSAGE", "message")}

// newSyncErrorsCmd is `offsync sync-errors`: rejected device mutations.
func newSyncErrorsCmd() *cobra.Command {
	c := &cobra.Command{Use: "sync-errors", Short: "List, show, delete and re-apply rejected device mutations"}
	f := addAdminFlags(c)
	var user, entity, code, since, until string
	list := &cobra.Command{
		Use:   "list",
		Short: "List sync errors, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"user": user, "entity": entity, "code": code, "since": dateTime(since), "until": dateTime(until)} {
				if v != "" {
					q.Set(k, v)
				}
			}
			return f.call(cmd, http.MethodGet, "/v1/admin/sync-errors?"+q.Encode(), nil, func(p printer, raw json.RawMessage) error { return p.list(raw, syncErrorColumns) })
		},
	}
	list.Flags().StringVar(&user, "user", "", "only this user's")
	list.Flags().StringVar(&entity, "entity", "", "only this entity's")
	_ = list.RegisterFlagCompletionFunc("entity", f.completeNames("/v1/admin/offline-entities", "name"))
	list.Flags().StringVar(&code, "code", "", "only this code (forbidden, not_found, invalid, conflict)")
	list.Flags().StringVar(&since, "since", "", "from this time (RFC 3339, a date like 2026-01-01 (UTC), or unix ms)")
	list.Flags().StringVar(&until, "until", "", "before this time (RFC 3339, a date like 2026-01-01 (UTC), or unix ms)")
	one := func(use, short, method, suffix string) *cobra.Command {
		return &cobra.Command{
			Use: use + " REF", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return f.call(cmd, method, "/v1/admin/sync-errors/"+esc(args[0])+suffix, nil, func(p printer, raw json.RawMessage) error {
					if method == http.MethodGet {
						return p.objectTimes(raw, []string{"time"})
					}
					return p.done(raw, fmt.Sprintf("%s %s", use, args[0]))
				})
			},
		}
	}
	c.AddCommand(list,
		one("show", "Show one sync error, with the mutation's data", http.MethodGet, ""),
		one("delete", "Delete a sync error", http.MethodDelete, ""),
		one("reapply", "Re-apply the mutation as an administrator (privileges not checked)", http.MethodPost, "/reapply"))
	return c
}

// dateTime turns a bare date (2026-01-01) into its start in UTC, in RFC
// 3339; other values go to the server as they are.
func dateTime(s string) string {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format(time.RFC3339)
	}
	return s
}

// newSettingsCmd is `offsync settings`: environment settings.
func newSettingsCmd() *cobra.Command {
	c := &cobra.Command{Use: "settings", Short: "Show and change environment settings"}
	f := addAdminFlags(c)
	get := &cobra.Command{
		Use: "get", Short: "Show the settings", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodGet, "/v1/admin/settings", nil, func(p printer, raw json.RawMessage) error { return p.object(raw) })
		},
	}
	var conflict string
	set := &cobra.Command{
		Use: "set --conflict-detection on|off", Short: "Change the settings", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if conflict != "on" && conflict != "off" {
				return fmt.Errorf("settings set: --conflict-detection: want on or off")
			}
			body := map[string]bool{"conflictDetection": conflict == "on"}
			return f.call(cmd, http.MethodPut, "/v1/admin/settings", body, func(p printer, raw json.RawMessage) error {
				return p.done(raw, "conflict detection "+conflict)
			})
		},
	}
	set.Flags().StringVar(&conflict, "conflict-detection", "", "on: reject updates of attributes changed on the server since the device's version; off: last write wins")
	_ = set.MarkFlagRequired("conflict-detection")
	c.AddCommand(get, set)
	return c
}

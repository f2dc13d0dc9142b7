package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/spf13/cobra"
)

var syncErrorColumns = []column{col("REF", "ref"), timeCol("TIME", "time"), col("USER", "user"), col("CODE", "code"), col("MESSAGE", "message")}

// newSyncErrorsCmd is `offsync sync-errors`: rejected device mutations.
func newSyncErrorsCmd() *cobra.Command {
	c := &cobra.Command{Use: "sync-errors", Short: "List, show, delete and re-apply rejected device mutations"}
	f := addAdminFlags(c)
	var user, app, entity, code, since, until string
	var limit int
	var after string
	list := &cobra.Command{
		Use:   "list",
		Short: "List sync errors, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"user": user, "app": app, "entity": entity, "code": code, "since": dateTime(since), "until": dateTime(until)} {
				if v != "" {
					q.Set(k, v)
				}
			}
			return listSyncErrorPages(cmd, f, q, limit, after)
		},
	}
	list.Flags().IntVar(&limit, "limit", 100, "print at most this many (0: all), fetched in pages of up to 1000")
	list.Flags().StringVar(&after, "after", "", "start after this REF (as printed when there are more)")
	list.Flags().StringVar(&user, "user", "", "only this user's")
	addAppFlag(list, f, &app, "only those of devices of this app (name or id)")
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
	var perDevice int
	set := &cobra.Command{
		Use: "set [--conflict-detection on|off] [--sync-errors-per-device N]", Short: "Change the settings given (the others keep their value)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]any{}
			var done []string
			if cmd.Flags().Changed("conflict-detection") {
				if conflict != "on" && conflict != "off" {
					return fmt.Errorf("settings set: --conflict-detection: want on or off")
				}
				body["conflictDetection"] = conflict == "on"
				done = append(done, "conflict detection "+conflict)
			}
			if cmd.Flags().Changed("sync-errors-per-device") {
				body["syncErrorsPerDevice"] = perDevice
				done = append(done, fmt.Sprintf("sync errors per device %d", perDevice))
			}
			if len(body) == 0 {
				return fmt.Errorf("settings set: give --conflict-detection or --sync-errors-per-device")
			}
			return f.call(cmd, http.MethodPut, "/v1/admin/settings", body, func(p printer, raw json.RawMessage) error {
				return p.done(raw, strings.Join(done, ", "))
			})
		},
	}
	set.Flags().StringVar(&conflict, "conflict-detection", "", "on: reject updates of attributes changed on the server since the device's version; off: last write wins")
	set.Flags().IntVar(&perDevice, "sync-errors-per-device", 0, "sync errors kept per device token, oldest dropped first (0: the default, 1000)")
	c.AddCommand(get, set)
	return c
}

// listSyncErrorPages prints the sync errors q selects, after the ref
// after, following the server's pages until limit are printed (0: all).
// When more remain it says on stderr how to ask for them.
func listSyncErrorPages(cmd *cobra.Command, f *adminFlags, q url.Values, limit int, after string) error {
	if limit < 0 {
		return fmt.Errorf("sync-errors list: --limit: want 0 or more")
	}
	a, p, err := f.open(cmd)
	if err != nil {
		return err
	}
	items := []json.RawMessage{}
	next := after
	for {
		size := client.MaxSyncErrorPage
		if limit > 0 {
			size = min(size, limit-len(items))
		}
		q.Set("limit", strconv.Itoa(size))
		if next != "" {
			q.Set("after", next)
		}
		var page client.SyncErrorPage
		if err := a.Do(cmd.Context(), http.MethodGet, "/v1/admin/sync-errors?"+q.Encode(), nil, &page); err != nil {
			return explainErr(err, f.server)
		}
		items = append(items, page.Items...)
		next = page.Next
		if next == "" || (limit > 0 && len(items) >= limit) {
			break
		}
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return fmt.Errorf("sync-errors list: %w", err)
	}
	names := f.appNames(cmd)
	if err := p.list(raw, slices.Insert(slices.Clone(syncErrorColumns), 3, appCol(names, "app", defaultAppName(names)))); err != nil {
		return err
	}
	if next != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "more: sync-errors list --after %s\n", next)
	}
	return nil
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

// newDeviceCmd is the reference device: sync and query a local store.
func newDeviceCmd() *cobra.Command {
	c := &cobra.Command{Use: "device", Short: "The reference device: sync a local store and query it"}
	var servers []string
	var token, store, app string
	sync := &cobra.Command{
		Use:   "sync",
		Short: "Push the queued offline changes, then pull until up to date, and print a summary",
		Long: `Push the changes queued by device create, edit and delete, then pull until
the store is up to date, and print a summary.

A change the server rejects is listed, kept on the server as a sync error
(offsync sync-errors), and makes the command exit with code 3 once the pull
is done. Changes the server cannot take now (a leader election) stay queued
for the next sync.

--app names the app the device syncs for (by name or id): its rows, pushes
and events are that app's. Without it the device syncs for the app its token
was issued for, else the default app. The store keeps the app of its first
sync, so later syncs need not name it, and refuses another app: sync each
app into its own store.

--server may be repeated, or be a comma list, to name several nodes of a
cluster. The device also learns the members from the nodes' answers and
keeps them, with the servers given, in its store (a later sync without
--server uses them). A node that cannot be reached or answers 503 is
skipped for the next one, with growing pauses between rounds; nothing
queued is lost or applied twice. The summary says which node served.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := deviceConfig(store, servers, token, app)
			if err != nil {
				return err
			}
			bar := progressBar(cmd)
			if bar != nil {
				cfg.Progress = func(rows int, more bool) {
					_ = bar.Set(rows)
					if !more {
						_ = bar.Finish()
					}
				}
			}
			d, err := client.OpenDevice(cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			sum, err := d.Sync(cmd.Context())
			if err != nil {
				return explainErr(err, strings.Join(d.Endpoints(), ", "))
			}
			out := cmd.OutOrStdout()
			if sum.Applied+len(sum.Rejected) > 0 {
				fmt.Fprintf(out, "pushed %d change(s): %d applied, %d rejected\n", sum.Applied+len(sum.Rejected), sum.Applied, len(sum.Rejected))
				for _, rj := range sum.Rejected {
					fmt.Fprintf(out, "  rejected %s %s %s: %s: %s\n", rj.Mutation.Op, rj.Mutation.Entity, rj.Mutation.RowID, rj.Code, rj.Message)
				}
			}
			if sum.PushError != nil {
				fmt.Fprintf(out, "%d change(s) still queued: %v\n", sum.Deferred, sum.PushError)
			}
			pages := ""
			if sum.Pages > 0 {
				pages = fmt.Sprintf(" and %d shared page(s)", sum.Pages)
			}
			fmt.Fprintf(out, "synced to version %d in %d pull(s)%s: %d upserts, %d removals, %d reset(s), %d bytes received\n",
				sum.Version, sum.Pulls, pages, sum.Upserts, sum.Removals, sum.Resets, sum.WireBytes)
			fmt.Fprintf(out, "  served by %s\n", sum.Server)
			if eps := d.Endpoints(); len(eps) > 1 {
				fmt.Fprintf(out, "  nodes known: %s\n", strings.Join(eps, ", "))
			}
			if d.App() != "" {
				fmt.Fprintf(out, "  app %s\n", d.App())
			}
			counts, err := d.Counts()
			if err != nil {
				return err
			}
			for _, e := range storeEntities(counts) {
				fmt.Fprintf(out, "  %-20s %d rows\n", e, counts[e])
			}
			if len(sum.Rejected) > 0 {
				return &exitErr{code: exitRejected, err: fmt.Errorf("device sync: the server rejected %d change(s); see offsync sync-errors list", len(sum.Rejected))}
			}
			return nil
		},
	}
	sync.Flags().StringSliceVar(&servers, "server", envList("OFFSYNC_SERVER"), "server URL; repeat it or give a comma list for the nodes of a cluster (env OFFSYNC_SERVER; default: the store's, else "+client.DefaultServer+")")
	sync.Flags().StringVar(&token, "token", "", "device token, from offsync token create (default $OFFSYNC_DEVICE_TOKEN)")
	sync.Flags().StringVar(&store, "store", "./offsync-device", "local store directory")
	sync.Flags().StringVar(&app, "app", "", "the app to sync for, by name or id (default $OFFSYNC_DEVICE_APP, else the store's, the token's or the default app)")
	_ = sync.RegisterFlagCompletionFunc("app", func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		// Names come from the admin API, when an admin token is at hand.
		f := &adminFlags{server: envOr("OFFSYNC_SERVER", client.DefaultServer), output: outputTable}
		if len(servers) > 0 {
			f.server = servers[0]
		}
		return f.completeNames(pathApps, "name")(cmd, args, toComplete)
	})
	watch := &cobra.Command{
		Use:   "watch",
		Short: "Sync now, then whenever the server's event stream says data is due (until interrupted)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := deviceConfig(store, servers, token, app)
			if err != nil {
				return err
			}
			d, err := client.OpenDevice(cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			out := cmd.OutOrStdout()
			err = d.Watch(cmd.Context(), func(sum client.SyncSummary, err error) {
				if err != nil {
					fmt.Fprintln(out, "sync failed:", err)
					return
				}
				fmt.Fprintf(out, "synced to version %d: %d upserts, %d removals\n", sum.Version, sum.Upserts, sum.Removals)
			})
			if cmd.Context().Err() != nil {
				return nil
			}
			return explainErr(err, strings.Join(d.Endpoints(), ", "))
		},
	}
	watch.Flags().AddFlagSet(sync.Flags())
	var entity string
	var qstore string
	query := &cobra.Command{
		Use:   "query",
		Short: "Print the local rows of an entity as JSON lines",
		Long: `Print the local rows of an entity as JSON lines. The store must exist
(device sync makes it), and an entity it holds no rows of, while it holds
others, is an error that names the ones it holds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := openStore(qstore)
			if err != nil {
				return err
			}
			defer d.Close()
			if err := checkEntity(d, entity); err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			return d.Rows(entity, func(r client.Row) error { return enc.Encode(r) })
		},
	}
	query.Flags().StringVar(&qstore, "store", "./offsync-device", "local store directory (made by device sync)")
	query.Flags().StringVar(&entity, "entity", "", "entity name")
	_ = query.MarkFlagRequired("entity")
	_ = query.RegisterFlagCompletionFunc("entity", completeStoreEntities(&qstore))
	c.AddCommand(sync, watch, query, newDeviceChangeCmd("create"), newDeviceChangeCmd("edit"), newDeviceChangeCmd("delete"))
	return c
}

// deviceConfig is the device's config, the token from
// $OFFSYNC_DEVICE_TOKEN when --token is not given and the app from
// $OFFSYNC_DEVICE_APP when --app is not. Without servers the device uses
// its store's (client.DeviceConfig). It fails, before any request,
// without a token or with a server that is not a URL.
func deviceConfig(store string, servers []string, token, app string) (client.DeviceConfig, error) {
	if token == "" {
		token = os.Getenv("OFFSYNC_DEVICE_TOKEN")
	}
	if app == "" {
		app = os.Getenv("OFFSYNC_DEVICE_APP")
	}
	if token == "" {
		return client.DeviceConfig{}, usageErr(errors.New("no device token: pass --token or set OFFSYNC_DEVICE_TOKEN (an administrator makes one with offsync token create --user ID)"))
	}
	var list []string
	for _, s := range servers {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if err := checkServer(s); err != nil {
			return client.DeviceConfig{}, err
		}
		list = append(list, s)
	}
	cfg := client.DeviceConfig{Store: store, Token: token, App: app}
	if len(list) > 0 {
		cfg.Server, cfg.Servers = list[0], list[1:]
	}
	var err error
	cfg.HTTP, err = trustingClient(5 * time.Minute)
	return cfg, err
}

// envList is the comma list in the environment variable key, or nil.
func envList(key string) []string {
	var out []string
	for _, s := range strings.Split(os.Getenv(key), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// progressBar returns a bar for long first loads when stdout is a
// terminal, else nil.
func progressBar(cmd *cobra.Command) *progressbar.ProgressBar {
	f, ok := cmd.OutOrStdout().(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("rows received"),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
}

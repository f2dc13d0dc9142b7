package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/offsync/offsync/server"
	"github.com/spf13/cobra"
)

var tokenColumns = []column{col("ID", "id"), col("USER", "userId"), col("NAME", "name"),
	timeCol("CREATED", "createdOn"), col("REVOKED", "revoked"), timeCol("REVOKED ON", "revokedOn")}

// newTokenCmd is `offsync token`: device tokens, issued per user.
func newTokenCmd() *cobra.Command {
	c := &cobra.Command{Use: "token", Short: "Issue, list and revoke device tokens"}
	f := addAdminFlags(c)

	var user string
	var req server.TokenRequest
	create := &cobra.Command{
		Use:   "create --user ID [--app NAME]",
		Short: "Issue a device token for a user and print its secret (shown once)",
		Long: `Issue a device token for a user and print its secret (shown once).
With --app the token syncs for that app only; without, its device names its
app (device sync --app), or syncs for the default app.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := f.call(cmd, http.MethodPost, pathUsers+"/"+esc(user)+"/tokens", req, func(p printer, raw json.RawMessage) error {
				return p.custom(raw, func(w io.Writer, v any) error {
					tok, _ := v.(map[string]any)
					_, err := fmt.Fprintf(w, "token:\t%s\nid:\t%s\n", format(tok["token"]), format(tok["id"]))
					if err == nil && format(tok["app"]) != "" {
						_, err = fmt.Fprintf(w, "app:\t%s (syncs for this app only)\n", format(tok["app"]))
					}
					return err
				})
			})
			if err == nil && f.output == outputTable {
				fmt.Fprintln(cmd.ErrOrStderr(), "Store the token now: it is not shown again.")
			}
			return err
		},
	}
	create.Flags().StringVar(&user, "user", "", "user id (required)")
	create.Flags().StringVar(&req.Name, "name", "", "a name for the token, e.g. the device")
	addAppFlag(create, f, &req.App, "the only app the token syncs for, by name or id (default: the app its device names)")
	_ = create.MarkFlagRequired("user")

	var listUser string
	list := &cobra.Command{
		Use:   "list",
		Short: "List device tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path := "/v1/admin/tokens"
			if listUser != "" {
				path = pathUsers + "/" + esc(listUser) + "/tokens"
			}
			cols := slices.Insert(slices.Clone(tokenColumns), 3, appCol(f.appNames(cmd), "app", "any"))
			return f.call(cmd, http.MethodGet, path, nil, func(p printer, raw json.RawMessage) error { return p.list(raw, cols) })
		},
	}
	list.Flags().StringVar(&listUser, "user", "", "only this user's tokens")

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a device token",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodDelete, "/v1/admin/tokens/"+esc(args[0]), nil, func(p printer, raw json.RawMessage) error {
				return p.done(raw, "revoked token "+args[0])
			})
		},
	}
	c.AddCommand(create, list, revoke)
	return c
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/offsync/offsync/server"
	"github.com/spf13/cobra"
)

const pathAdminTokens = "/v1/admin/admin-tokens"

var adminTokenColumns = []column{col("ID", "id"), col("NAME", "name"),
	timeCol("CREATED", "createdOn"), col("REVOKED", "revoked"), timeCol("REVOKED ON", "revokedOn")}

// newAdminTokenCmd is `offsync admin-token`: named admin tokens, created
// and revoked online, so that admin access can be rotated without a
// restart.
func newAdminTokenCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "admin-token",
		Short: "Create, list and revoke named admin tokens (rotation without a restart)",
		Long: `Create, list and revoke named admin tokens. Several can be live at once;
each works on every node once created, and stops working once revoked,
without a restart. To rotate: create a new token, move its users to it,
revoke the old one. Only the hash of a token is stored.

The token a node starts with (--admin-token, OFFSYNC_ADMIN_TOKEN or the
generated <data>/admin-token) is the cluster's own: the nodes also use it
between themselves, and it is changed by restarting the nodes with another.`,
	}
	f := addAdminFlags(c)
	var req server.AdminTokenRequest
	create := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create a named admin token and print its secret (shown once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := f.call(cmd, http.MethodPost, pathAdminTokens, req, func(p printer, raw json.RawMessage) error {
				return p.custom(raw, func(w io.Writer, v any) error {
					tok, _ := v.(map[string]any)
					_, err := fmt.Fprintf(w, "token:\t%s\nid:\t%s\nname:\t%s\n", format(tok["token"]), format(tok["id"]), format(tok["name"]))
					return err
				})
			})
			if err == nil && f.output == outputTable {
				fmt.Fprintln(cmd.ErrOrStderr(), "Store the token now: it is not shown again.")
			}
			return err
		},
	}
	create.Flags().StringVar(&req.Name, "name", "", "who or what uses the token, e.g. ci or alice (required)")
	_ = create.MarkFlagRequired("name")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the named admin tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodGet, pathAdminTokens, nil, func(p printer, raw json.RawMessage) error { return p.list(raw, adminTokenColumns) })
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID_OR_NAME",
		Short: "Revoke a named admin token: it stops working at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := f.liveAdminToken(cmd, args[0])
			if err != nil {
				return err
			}
			return f.call(cmd, http.MethodDelete, pathAdminTokens+"/"+esc(id), nil, func(p printer, raw json.RawMessage) error {
				return p.done(raw, "revoked admin token "+args[0])
			})
		},
	}
	revoke.ValidArgsFunction = firstArg(f.completeNames(pathAdminTokens, "name"))
	c.AddCommand(create, list, revoke)
	return c
}

// liveAdminToken resolves an id, or the name of exactly one live token,
// to the token's id.
func (f *adminFlags) liveAdminToken(cmd *cobra.Command, idOrName string) (string, error) {
	var toks []struct {
		ID, Name string
		Revoked  bool
	}
	if err := f.fetch(cmd, pathAdminTokens, &toks); err != nil {
		return "", err
	}
	var ids []string
	for _, t := range toks {
		if strings.EqualFold(t.ID, idOrName) {
			return t.ID, nil
		}
		if t.Name == idOrName && !t.Revoked {
			ids = append(ids, t.ID)
		}
	}
	switch len(ids) {
	case 0:
		if uuid.Validate(idOrName) != nil {
			return "", fmt.Errorf("admin-token revoke: no live admin token is named %q (offsync admin-token list shows them)", idOrName)
		}
		return idOrName, nil // the server answers not_found
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("admin-token revoke: %d live tokens are named %q: give the id (%s)", len(ids), idOrName, strings.Join(ids, ", "))
}

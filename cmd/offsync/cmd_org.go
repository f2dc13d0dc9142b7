package main

import (
	"encoding/json"
	"net/http"

	"github.com/spf13/cobra"
)

// newOrgCmd is `offsync org`: bulk changes to the organization.
func newOrgCmd() *cobra.Command {
	c := &cobra.Command{Use: "org", Short: "Apply organization-wide changes in one step"}
	f := addAdminFlags(c)
	var file string
	apply := &cobra.Command{
		Use:   "apply -f FILE",
		Short: "Create or replace business units, teams, users, roles and profiles from a JSON file",
		Long: `Create or replace, in one all-or-nothing write, the objects of a JSON file:
{"businessUnits": [...], "teams": [...], "users": [...], "roles": [...],
 "profiles": [...], "publish": false, "move": false}. "publish" also publishes
the profiles; "move" takes profile members out of their other profiles.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readJSONFile(cmd, file)
			if err != nil {
				return err
			}
			return f.call(cmd, http.MethodPost, "/v1/admin/org", raw, func(p printer, raw json.RawMessage) error {
				return p.done(raw, "applied "+file)
			})
		},
	}
	addFileFlag(apply, &file, "the organization objects")
	c.AddCommand(apply)
	return c
}

package main

import (
	"github.com/offsync/offsync/engine"
	"github.com/spf13/cobra"
)

const pathUsers = "/v1/admin/users"

var userColumns = []column{col("ID", "id"), col("NAME", "name"), col("EMAIL", "email"),
	col("BUSINESS UNIT", "businessUnit"), col("ENABLED", "enabled")}

// newUserCmd is `offsync user`.
func newUserCmd() *cobra.Command {
	c := &cobra.Command{Use: "user", Short: "Manage users"}
	f := addAdminFlags(c)
	var u engine.User
	var disabled bool
	put := putCmd(f, pathUsers, "user", func(cmd *cobra.Command, id string) (any, error) {
		u.Enabled = !disabled
		return u, nil
	})
	put.Flags().StringVar(&u.Name, "name", "", "name (required)")
	put.Flags().StringVar(&u.BusinessUnit, "bu", "", "business unit id (required)")
	put.Flags().StringVar(&u.Email, "email", "", "email address")
	put.Flags().StringArrayVar(&u.Roles, "role", nil, "security role id (repeatable)")
	put.Flags().BoolVar(&disabled, "disabled", false, "create or keep the user disabled")
	_ = put.MarkFlagRequired("name")
	_ = put.MarkFlagRequired("bu")
	c.AddCommand(
		listCmd(f, pathUsers, "users", userColumns),
		getCmd(f, pathUsers, "user"),
		put,
		deleteCmd(f, pathUsers, "user"),
	)
	return c
}

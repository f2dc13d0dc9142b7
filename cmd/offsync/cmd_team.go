package main

import (
	"github.com/offsync/offsync/engine"
	"github.com/spf13/cobra"
)

const pathTeams = "/v1/admin/teams"

var teamColumns = []column{col("ID", "id"), col("NAME", "name"), col("BUSINESS UNIT", "businessUnit"),
	countCol("MEMBERS", "members"), col("ROLES", "roles")}

// newTeamCmd is `offsync team`.
func newTeamCmd() *cobra.Command {
	c := &cobra.Command{Use: "team", Short: "Manage teams"}
	f := addAdminFlags(c)
	var t engine.Team
	put := putCmd(f, pathTeams, "team", func(cmd *cobra.Command, id string) (any, error) { return t, nil })
	put.Flags().StringVar(&t.Name, "name", "", "name (required)")
	put.Flags().StringVar(&t.BusinessUnit, "bu", "", "business unit id (required)")
	put.Flags().StringArrayVar(&t.Members, "member", nil, "member user id (repeatable)")
	put.Flags().StringArrayVar(&t.Roles, "role", nil, "security role id (repeatable)")
	_ = put.MarkFlagRequired("name")
	_ = put.MarkFlagRequired("bu")
	c.AddCommand(
		listCmd(f, pathTeams, "teams", teamColumns),
		getCmd(f, pathTeams, "team"),
		put,
		deleteCmd(f, pathTeams, "team"),
	)
	return c
}

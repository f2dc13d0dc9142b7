package main

import (
	"github.com/spf13/cobra"
)

const pathRoles = "/v1/admin/roles"

var roleColumns = []column{col("ID", "id"), col("NAME", "name"), countCol("ENTITIES", "privileges")}

// privilegeColumns show a role's privileges, one entity a line.
var privilegeColumns = []column{col("ENTITY", keyField), col("CREATE", "create"), col("READ", "read"),
	col("WRITE", "write"), col("DELETE", "delete"), col("ASSIGN", "assign"), col("APPEND", "append"),
	col("APPEND TO", "appendTo")}

// newRoleCmd is `offsync role`: security roles, written from JSON files
// ({"name": ..., "privileges": {"account": {"read": "businessunit", ...}}}).
func newRoleCmd() *cobra.Command {
	c := &cobra.Command{Use: "role", Short: "Manage security roles"}
	f := addAdminFlags(c)
	var file string
	put := putCmd(f, pathRoles, "role", func(cmd *cobra.Command, id string) (any, error) {
		return readJSONFile(cmd, file)
	})
	addFileFlag(put, &file, "the role (its id is taken from ID)")
	c.AddCommand(
		listCmd(f, pathRoles, "security roles", roleColumns),
		getCmd(f, pathRoles, "role", section{"privileges", "PRIVILEGES", privilegeColumns}),
		put,
		deleteCmd(f, pathRoles, "role"),
	)
	return c
}

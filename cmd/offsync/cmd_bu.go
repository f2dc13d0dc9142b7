package main

import (
	"github.com/offsync/offsync/engine"
	"github.com/spf13/cobra"
)

const pathBusinessUnits = "/v1/admin/businessunits"

var buColumns = []column{col("ID", "id"), col("NAME", "name"), col("PARENT", "parent")}

// newBUCmd is `offsync bu`: the business-unit tree.
func newBUCmd() *cobra.Command {
	c := &cobra.Command{Use: "bu", Short: "Manage business units"}
	f := addAdminFlags(c)
	var name, parent string
	put := putCmd(f, pathBusinessUnits, "business unit", func(cmd *cobra.Command, id string) (any, error) {
		return engine.BusinessUnit{Name: name, Parent: parent}, nil
	})
	put.Flags().StringVar(&name, "name", "", "name (required)")
	put.Flags().StringVar(&parent, "parent", "", "parent business unit id (none for the root)")
	_ = put.MarkFlagRequired("name")
	c.AddCommand(
		listCmd(f, pathBusinessUnits, "business units", buColumns),
		getCmd(f, pathBusinessUnits, "business unit"),
		put,
		deleteCmd(f, pathBusinessUnits, "business unit"),
	)
	return c
}

package main

import (
	"encoding/json"
	"net/http"

	"github.com/spf13/cobra"
)

var clusterColumns = []column{col("ID", "id"), col("RAFT", "address"), col("HTTP", "httpAddr"), col("VOTER", "voter"),
	col("LEADER", "leader"), col("APPLIED", "applied"), col("READY", "ready")}

// newClusterCmd is `offsync cluster`: the Raft cluster's members.
func newClusterCmd() *cobra.Command {
	c := &cobra.Command{Use: "cluster", Short: "Show the cluster: members, leader, applied versions"}
	f := addAdminFlags(c)
	status := &cobra.Command{
		Use: "status", Short: "Show the members, the leader and each node's applied version", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodGet, "/v1/admin/cluster", nil, func(p printer, raw json.RawMessage) error { return p.list(raw, clusterColumns) })
		},
	}
	c.AddCommand(status)
	return c
}

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/offsync/offsync/server"
	"github.com/spf13/cobra"
)

var clusterColumns = []column{col("ID", "id"), col("RAFT", "address"), col("HTTP", "httpAddr"), col("VOTER", "voter"),
	col("LEADER", "leader"), col("STATE", "status.state"), col("APPLIED", "applied"), col("COMMIT", "status.commitIndex"),
	col("STALE-MS", "status.stalenessMs"), col("READY", "ready")}

// newClusterCmd is `offsync cluster`: the Raft cluster's members.
func newClusterCmd() *cobra.Command {
	c := &cobra.Command{Use: "cluster", Short: "Show and change the cluster: members, leader, applied versions"}
	f := addAdminFlags(c)
	status := &cobra.Command{
		Use: "status", Short: "Show the members, the leader and each node's state and applied version", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodGet, "/v1/admin/cluster", nil, func(p printer, raw json.RawMessage) error { return p.list(raw, clusterColumns) })
		},
	}
	var nonvoter bool
	add := &cobra.Command{
		Use: "add ID RAFT-ADDR", Short: "Add a node (started with --bootstrap=false) as a voter, or as a non-voter with --nonvoter", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := server.JoinRequest{ID: args[0], RaftAddr: args[1], Nonvoter: nonvoter}
			return f.call(cmd, http.MethodPost, "/v1/admin/cluster/members", body, func(p printer, raw json.RawMessage) error {
				return p.done(raw, "added "+args[0])
			})
		},
	}
	add.Flags().BoolVar(&nonvoter, "nonvoter", false, "add a non-voter: it receives the log and serves reads but does not vote")
	c.AddCommand(status, add, transferLeaderCmd(f), newClusterRecoverCmd(),
		memberChangeCmd(f, "remove", http.MethodDelete, "", "Remove a node from the cluster", "removed"),
		memberChangeCmd(f, "promote", http.MethodPost, "/promote", "Make a non-voter a voter", "promoted"),
		memberChangeCmd(f, "demote", http.MethodPost, "/demote", "Make a voter a non-voter", "demoted"))
	return c
}

// transferLeaderCmd is `offsync cluster transfer-leader [--to ID]`.
func transferLeaderCmd(f *adminFlags) *cobra.Command {
	var to string
	c := &cobra.Command{
		Use: "transfer-leader", Short: "Hand leadership to another voter (--to ID, or the most up-to-date one); answers once a new leader is known", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodPost, "/v1/admin/cluster/leader", server.TransferLeaderRequest{To: to}, func(p printer, raw json.RawMessage) error {
				var ans server.TransferLeaderAnswer
				if err := json.Unmarshal(raw, &ans); err != nil {
					return fmt.Errorf("decode answer: %w", err)
				}
				return p.done(raw, "leader is now "+ans.Leader)
			})
		},
	}
	c.Flags().StringVar(&to, "to", "", "id of the voter to hand leadership to (default: the most up-to-date other voter)")
	return c
}

// memberChangeCmd is `offsync cluster remove|promote|demote ID`.
func memberChangeCmd(f *adminFlags, use, method, suffix, short, past string) *cobra.Command {
	return &cobra.Command{
		Use: use + " ID", Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := "/v1/admin/cluster/members/" + url.PathEscape(args[0]) + suffix
			return f.call(cmd, method, path, nil, func(p printer, raw json.RawMessage) error { return p.done(raw, past+" "+args[0]) })
		},
	}
}

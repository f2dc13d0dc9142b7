package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
	"github.com/spf13/cobra"
)

// newClusterRecoverCmd is `offsync cluster recover`: offline recovery of
// a stopped node after the cluster lost its quorum for good (see
// docs/operations.md, "Recovering from a lost quorum").
func newClusterRecoverCmd() *cobra.Command {
	var data, peers, nodeID string
	c := &cobra.Command{
		Use:   "recover --data DIR --peers peers.json",
		Short: "On a stopped node: replace its Raft configuration with peers.json (after a quorum is lost for good)",
		Long: `Rewrites a stopped node's Raft state so that its configuration is the one in
--peers (hashicorp/raft's peers.json format), as after a permanent loss of
quorum. Every entry in the node's log is applied, a snapshot holding the new
configuration is taken, and the log is compacted. Run it on one survivor only,
then start that node with its usual serve command, and let new nodes join it.

peers.json: [{"id": "n1", "address": "10.0.0.1:7071", "non_voter": false}]`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" || peers == "" {
				return usageErr(errors.New("--data and --peers: both are needed"))
			}
			members, err := replication.ReadPeers(peers)
			if err != nil {
				return usageErr(fmt.Errorf("--peers: %w", err))
			}
			if nodeID == "" {
				if len(members) != 1 {
					return usageErr(errors.New("--node-id: needed when --peers lists more than one server"))
				}
				nodeID = members[0].ID
			}
			raftDir := filepath.Join(data, "raft")
			if _, err := os.Stat(filepath.Join(raftDir, "raft.db")); err != nil {
				return usageErr(fmt.Errorf("--data: %s holds no Raft state (%s/raft.db)", data, raftDir))
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			ecfg := engine.DefaultConfig(filepath.Join(data, "engine"))
			ecfg.Logger = log
			eng, err := engine.Open(ecfg)
			if err != nil {
				return fmt.Errorf("open engine (is the node stopped?): %w", err)
			}
			rcfg := replication.DefaultConfig(nodeID, raftDir)
			rcfg.Logger = log
			rerr := replication.Recover(rcfg, eng, members)
			version := eng.Applied()
			if err := eng.Close(); rerr == nil && err != nil {
				rerr = fmt.Errorf("close engine: %w", err)
			}
			if rerr != nil {
				return rerr
			}
			fmt.Fprintf(cmd.OutOrStdout(), "recovered %s at version %d with %d member(s); start it with its usual serve command\n", nodeID, version, len(members))
			return nil
		},
	}
	c.Flags().StringVar(&data, "data", "", "the stopped node's data directory")
	c.Flags().StringVar(&peers, "peers", "", "the new configuration, in hashicorp/raft's peers.json format")
	c.Flags().StringVar(&nodeID, "node-id", "", "this node's id (default: the only server in --peers)")
	return c
}

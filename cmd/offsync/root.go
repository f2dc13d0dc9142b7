package main

import "github.com/spf13/cobra"

// newRootCmd builds the command tree. Tests call it in-process.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "offsync",
		Short:         "Offline synchronization engine for business data",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCmd(), newVersionCmd(),
		newBUCmd(), newTeamCmd(), newUserCmd(), newRoleCmd(), newProfileCmd(), newTokenCmd(), newEntityCmd(), newOrgCmd(), newDeviceCmd(), newSyncErrorsCmd(), newSettingsCmd(), newClusterCmd(), newBenchCmd())
	return root
}

package main

import "github.com/spf13/cobra"

// rootLong is the root's help: the environment and the exit codes.
const rootLong = `Offline synchronization engine for business data.

Environment:
  OFFSYNC_SERVER         server URL of the admin and device commands (--server)
  OFFSYNC_ADMIN_TOKEN    admin token of the admin commands and serve (--admin-token)
  OFFSYNC_DEVICE_TOKEN   device token of device sync and watch (--token)
  OFFSYNC_TLS_CA         PEM file of the CA that signed the servers' certificates,
                         trusted on top of the system's (HTTPS with a private CA)

Exit codes:
  0  done (also when the reader of the output went away, as with | head)
  1  failed: the message says why
  2  wrong command line (an unknown flag, a bad --server)
  3  device sync: synced, but the server rejected some queued changes`

// newRootCmd builds the command tree. Tests call it in-process.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "offsync",
		Short:         "Offline synchronization engine for business data",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.AddCommand(newServeCmd(), newVersionCmd(),
		newBUCmd(), newTeamCmd(), newUserCmd(), newRoleCmd(), newAppCmd(), newProfileCmd(), newTokenCmd(), newAdminTokenCmd(), newEntityCmd(), newOrgCmd(), newDeviceCmd(), newSyncErrorsCmd(), newSettingsCmd(), newClusterCmd(), newBenchCmd())
	root.AddCommand(newBackupCmd(), newRestoreCmd())
	return root
}

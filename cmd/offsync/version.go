package main

import (
	"fmt"
	"runtime"

	"github.com/offsync/offsync/server"
	"github.com/spf13/cobra"
)

// newVersionCmd is `offsync version`: the build's version and commit (set
// by `make build`, else read from the build information; see
// server.Build), as GET /version answers them.
func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and commit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b := server.Build()
			fmt.Fprintf(cmd.OutOrStdout(), "offsync %s (commit %s, %s)\n", b.Version, b.Commit, runtime.Version())
			return nil
		},
	}
}

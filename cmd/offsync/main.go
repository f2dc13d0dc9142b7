// Command offsync is the offline synchronization engine's single binary:
// the server (serve), the admin and device clients, and the benchmarks.
// Each subcommand lives in its own file; the logic lives in the packages.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "offsync:", err)
		os.Exit(1)
	}
}

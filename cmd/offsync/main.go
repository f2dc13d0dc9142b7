// Command offsync is the offline synchronization engine's single binary:
// the server (serve), the admin and device clients, and the benchmarks.
// Each subcommand lives in its own file; the logic lives in the packages.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// A closed output pipe (`offsync device query | head`) makes writes
	// fail with EPIPE instead of killing the process; exitCode then
	// exits quietly.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

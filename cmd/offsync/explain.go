package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/offsync/offsync/client"
)

// The exit codes of offsync, documented in docs/operations.md.
const (
	// exitOK: the command did what it was asked (also when the reader of
	// its output went away early, as `| head` does).
	exitOK = 0
	// exitError: the command failed; the message says why.
	exitError = 1
	// exitUsage: the command line was wrong (an unknown flag, a missing
	// argument).
	exitUsage = 2
	// exitRejected: `device sync` synced, but the server rejected some of
	// the queued changes (they are listed, and kept as sync errors).
	exitRejected = 3
)

// exitErr carries an exit code other than exitError.
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string { return e.err.Error() }
func (e *exitErr) Unwrap() error { return e.err }

// usageErr marks err as a command-line mistake (exitUsage).
func usageErr(err error) error { return &exitErr{code: exitUsage, err: err} }

// exitCode returns the code the process exits with after err, and writes
// the message to stderr (nothing for success or a closed output pipe).
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, syscall.EPIPE) {
		return exitOK
	}
	fmt.Fprintln(stderr, "offsync:", err)
	var ee *exitErr
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitError
}

// checkServer checks a --server value: an http:// or https:// URL. A bare
// host:port gets a suggestion instead of a URL-parse error.
func checkServer(server string) error {
	if !strings.Contains(server, "://") {
		return usageErr(fmt.Errorf("--server %q: not a URL: use http://%s (or https:// for a server with TLS)", server, server))
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageErr(fmt.Errorf("--server %q: want an http:// or https:// URL with a host, like %s", server, client.DefaultServer))
	}
	return nil
}

// explainErr turns a failed connection to server into advice; other
// errors are returned as they are.
func explainErr(err error, server string) error {
	if err == nil || !client.IsUnreachable(err) {
		return err
	}
	var cause error = err
	var dns *net.DNSError
	var op *net.OpError
	if errors.As(err, &dns) {
		cause = dns
	} else if errors.As(err, &op) {
		cause = op
	}
	return fmt.Errorf("the server is not reachable at %s (is `offsync serve` running there? point elsewhere with --server or OFFSYNC_SERVER): %w", server, cause)
}

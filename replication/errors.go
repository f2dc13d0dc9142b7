package replication

import "errors"

// Sentinel errors.
var (
	// ErrNotLeader means this node cannot accept writes: it is not the
	// leader (forwarding is the caller's choice).
	ErrNotLeader = errors.New("not the leader")
	// ErrTimeout means a proposal was not committed in time. It may still
	// commit later.
	ErrTimeout = errors.New("proposal timed out")
	// ErrClosed means the node was shut down.
	ErrClosed = errors.New("node closed")
)

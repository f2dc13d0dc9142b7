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
	// ErrInvalid means a configuration or request is not usable.
	ErrInvalid = errors.New("invalid")
	// ErrUnknownMember means no server has that id in the configuration.
	ErrUnknownMember = errors.New("no such member")
	// ErrPartitioned means a Gate cut the link to a node.
	ErrPartitioned = errors.New("link cut")
	// ErrStale means this node cannot vouch that its state is recent: it
	// has lost its leader, or is too far behind it.
	ErrStale = errors.New("stale")
)

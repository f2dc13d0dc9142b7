package replication

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// freeLoopback returns a loopback address nothing listens on right now.
func freeLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestDialWaitsForAMemberToComeBack: a leader's dial to a member that
// refuses connections waits until the member listens again (so that
// hashicorp/raft never counts a failure and backs off for up to 10 s),
// while a dial that is not worth repeating, or one on a closing node,
// fails at once.
func TestDialWaitsForAMemberToComeBack(t *testing.T) {
	addr := freeLoopback(t)
	layer := &streamLayer{log: slog.New(slog.NewTextHandler(io.Discard, nil)), quit: make(chan struct{})}

	// Not worth repeating: the first refusal is the answer.
	if _, err := layer.Dial(raft.ServerAddress(addr), time.Second); err == nil {
		t.Fatal("dial to a closed port succeeded")
	}

	attempts := make(chan struct{}, 1000)
	keep := func(a string) bool {
		attempts <- struct{}{}
		return a == addr
	}
	layer.keep.Store(&keep)
	type result struct {
		conn net.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		c, err := layer.Dial(raft.ServerAddress(addr), time.Second)
		done <- result{c, err}
	}()
	for range 3 { // refused three times, still dialing
		select {
		case <-attempts:
		case r := <-done:
			t.Fatalf("dial gave up while the member was down: %v", r.err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port taken meanwhile: %v", err)
	}
	defer ln.Close()
	r := <-done
	if r.err != nil {
		t.Fatalf("dial after the member came back: %v", r.err)
	}
	r.conn.Close()

	// Closing the node ends a waiting dial.
	ln.Close()
	go func() {
		c, err := layer.Dial(raft.ServerAddress(addr), time.Second)
		done <- result{c, err}
	}()
	<-attempts
	layer.close()
	if r := <-done; r.err == nil || errors.Is(r.err, ErrPartitioned) {
		t.Fatalf("dial on a closed layer: %v", r.err)
	}
}

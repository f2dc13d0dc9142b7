package clustertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/offsync/offsync/replication"
)

// hangAfter is how long a call may take before it counts as hung: three
// times Raft's own network timeout (10 s), so it is no speed limit.
const hangAfter = 30 * time.Second

// returns runs fn and fails the test if it has not returned after
// hangAfter (a deadlock), or if it returned an error.
func returns(t *testing.T, what string, fn func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(hangAfter):
		t.Fatalf("%s: still blocked after %s with a stuck peer (deadlock?)", what, hangAfter)
	}
}

// TestStuckPeerDoesNotDeadlock replaces a follower, then the leader, of a
// 3-node cluster with a peer that accepts Raft connections and never
// answers (a frozen process). While it is stuck: writes commit on the
// majority, every live node reads them (and answers linearizable reads),
// and Status, Members, Fresh and a membership change return. The
// follower comes back and catches up; the stuck leader is removed.
func TestStuckPeerDoesNotDeadlock(t *testing.T) {
	c := New(t, 3, nil)
	setup(c)
	write(c, 0, 5)
	next := 5
	for _, stickLeader := range []bool{false, true} {
		li := c.Index(c.Leader())
		victim := (li + 1) % c.Len()
		if stickLeader {
			victim = li
		}
		stuck := c.Stick(victim)
		what := fmt.Sprintf("with %s stuck (leader: %v)", c.ID(victim), stickLeader)

		returns(t, "write "+what, func() error { write(c, next, next+20); return nil })
		var live []*replication.Node
		for i := 0; i < c.Len(); i++ {
			if n := c.Node(i); n != nil {
				live = append(live, n)
			}
		}
		var readIndex uint64
		returns(t, "read index on the leader "+what, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), hangAfter)
			defer cancel()
			var err error
			readIndex, err = c.Leader().ReadIndex(ctx)
			return err
		})
		for _, n := range live {
			id := n.Status().ID
			returns(t, "linearizable read on "+id+" "+what, func() error {
				ctx, cancel := context.WithTimeout(context.Background(), hangAfter)
				defer cancel()
				return n.WaitApplied(ctx, readIndex)
			})
			holds(t, n, 0, next+20)
			returns(t, "status and members on "+id+" "+what, func() error {
				if st := n.Status(); st.LeaderID == "" || st.LeaderID == c.ID(victim) {
					return fmt.Errorf("leader %q", st.LeaderID)
				}
				m, err := n.Members()
				if err == nil && len(m) != 3 {
					err = fmt.Errorf("%d members, want 3 (the stuck one too)", len(m))
				}
				if err == nil {
					err = n.Fresh(5*time.Second, 1000)
				}
				return err
			})
		}
		next += 20
		if stuck.Accepted() == 0 {
			t.Fatalf("%s: no node dialed the stuck peer; the test proved nothing", what)
		}
		if !stickLeader {
			stuck.Close()
			c.Restart(victim)
			c.EnsureSame()
			holds(t, c.Node(victim), 0, next)
			continue
		}
		returns(t, "remove the stuck node "+what, func() error {
			return c.Leader().Remove(c.ID(victim), hangAfter)
		})
		returns(t, "members after the removal", func() error {
			m, err := c.Leader().Members()
			if err == nil && len(m) != 2 {
				err = fmt.Errorf("%d members, want 2", len(m))
			}
			return err
		})
		write(c, next, next+5)
		next += 5
		c.EnsureSame()
	}
}

package replication

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestClusterReplicatesToFollowers forms a three-node cluster on
// loopback, writes through the leader, and checks that every node holds
// the same rows at the same versions (versions are global).
func TestClusterReplicatesToFollowers(t *testing.T) {
	// Election timings a loaded machine (race detector) can hold.
	slow := func(c *Config) {
		c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout = 250*time.Millisecond, 250*time.Millisecond, 125*time.Millisecond
	}
	leader := openNodeWith(t, t.TempDir(), slow)
	var followers []*Node
	for i := 2; i <= 3; i++ {
		f := openNodeWith(t, t.TempDir(), func(c *Config) { slow(c); c.NodeID, c.Bootstrap = fmt.Sprintf("n%d", i), false })
		if err := leader.Join(f.cfg.NodeID, f.RaftAddr(), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		followers = append(followers, f)
	}
	setup(t, leader)
	for i := 0; i < 20; i++ {
		propose(t, leader, &engine.Command{Kind: engine.KindIngest, Now: 1, Records: []codec.Record{{Entity: "account", ID: rowID(i), OwnerID: owner, Attrs: map[string]any{"name": fmt.Sprint(i)}}}})
	}
	if _, err := followers[0].Propose(context.Background(), &engine.Command{Kind: engine.KindPublishSchema}); err == nil {
		t.Fatal("a follower accepted a write")
	}
	members, err := leader.Members()
	if err != nil || len(members) != 3 {
		t.Fatalf("members: %+v %v", members, err)
	}
	want := leader.Engine().Applied()
	rows := func(n *Node) []codec.Row {
		var out []codec.Row
		_ = n.Engine().Scan("account", func(r codec.Row) error { out = append(out, r); return nil })
		return out
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, f := range followers {
		for f.Engine().Applied() < want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := f.Engine().Applied(); got != want {
			t.Fatalf("follower %s applied %d, leader %d", f.cfg.NodeID, got, want)
		}
		if a, b := rows(leader), rows(f); len(a) != 20 || !reflect.DeepEqual(a, b) {
			t.Fatalf("follower %s differs from the leader", f.cfg.NodeID)
		}
	}
}

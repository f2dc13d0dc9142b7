package clustertest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

const (
	bu    = "00000000-0000-4000-8000-0000000000b1"
	owner = "00000000-0000-4000-8000-0000000000a1"
)

// setup publishes a one-entity schema and a one-user org.
func setup(c *Cluster) {
	c.Propose(&engine.Command{Kind: engine.KindSetSchemaDraft, Schema: &engine.Schema{Entities: []engine.EntityDef{{
		Name: "account", Offline: true, Attributes: []engine.Attribute{{Name: "name", Type: engine.TypeString, Required: true}},
	}}}})
	c.Propose(&engine.Command{Kind: engine.KindPublishSchema})
	c.Propose(&engine.Command{Kind: engine.KindPutOrg, Org: &engine.Org{
		BusinessUnits: []engine.BusinessUnit{{ID: bu, Name: "Root"}},
		Users:         []engine.User{{ID: owner, Name: "A", BusinessUnit: bu, Enabled: true}},
	}})
}

func rowID(i int) string { return fmt.Sprintf("10000000-0000-4000-8000-%012d", i) }

func ingest(i int, name string) *engine.Command {
	return &engine.Command{Kind: engine.KindIngest, Now: 1, Records: []codec.Record{{Entity: "account", ID: rowID(i), OwnerID: owner, Attrs: map[string]any{"name": name}}}}
}

// write ingests rows [from, to) through the leader.
func write(c *Cluster, from, to int) {
	for i := from; i < to; i++ {
		c.Propose(ingest(i, fmt.Sprint("row ", i)))
	}
}

// holds checks that node n has rows [from, to) with their names.
func holds(t *testing.T, n *replication.Node, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		r, err := n.Engine().Get("account", rowID(i))
		if err != nil || r.Attrs["name"] != fmt.Sprint("row ", i) {
			t.Fatalf("row %d on %s: %+v, %v", i, n.Status().ID, r, err)
		}
	}
}

// waitFor polls cond until it holds or WaitTimeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestClusterLeaderLoss stops the leader: another node takes over, writes
// go on, and the old leader catches up when it comes back.
func TestClusterLeaderLoss(t *testing.T) {
	c := New(t, 3, nil)
	setup(c)
	write(c, 0, 20)
	old := c.Index(c.Leader())
	c.Stop(old)
	next := c.Leader()
	if c.Index(next) == old {
		t.Fatal("the stopped node still leads")
	}
	write(c, 20, 40)
	c.Restart(old)
	c.EnsureSame()
	holds(t, c.Node(old), 0, 40)
	if c.Node(old).Status().SnapshotRestores != 0 {
		t.Fatal("a restart reloaded a snapshot the engine already held")
	}
}

// TestClusterMinorityPartition cuts the leader and one follower off from
// the three others: the minority stops accepting writes and refuses
// reads once past the staleness bound, the majority elects a leader and
// goes on, and after healing every node holds the same database.
func TestClusterMinorityPartition(t *testing.T) {
	c := New(t, 5, nil)
	setup(c)
	write(c, 0, 10)
	oldLeader := c.Index(c.Leader())
	buddy := (oldLeader + 1) % 5
	c.Partition(oldLeader, buddy)
	minority := []*replication.Node{c.Node(oldLeader), c.Node(buddy)}
	waitFor(t, "the cut-off leader steps down", func() bool { return !minority[0].IsLeader() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := minority[0].Propose(ctx, ingest(999, "lost")); err == nil {
		t.Fatal("a node cut off from the majority accepted a write")
	}
	const bound = 600 * time.Millisecond
	for _, n := range minority {
		waitFor(t, "the minority goes stale", func() bool { return errors.Is(n.Fresh(bound, 1000), replication.ErrStale) })
	}
	write(c, 10, 30) // through the majority's new leader
	if l := c.Index(c.Leader()); l == oldLeader || l == buddy {
		t.Fatalf("leader %d is on the minority side", l)
	}
	if err := c.Leader().Fresh(bound, 1000); err != nil {
		t.Fatalf("the majority's leader is stale: %v", err)
	}
	c.Heal()
	c.EnsureSame()
	for i := 0; i < 5; i++ {
		holds(t, c.Node(i), 0, 30)
		if _, err := c.Node(i).Engine().Get("account", rowID(999)); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("the write refused on the minority is on %s: %v", c.ID(i), err)
		}
	}
}

// TestClusterMajorityPartition cuts one follower off: the leader and the
// other follower keep the majority and go on writing; the lone follower
// refuses reads past the bound, and catches up after healing.
func TestClusterMajorityPartition(t *testing.T) {
	c := New(t, 3, nil)
	setup(c)
	write(c, 0, 10)
	leader := c.Leader()
	lone := (c.Index(leader) + 1) % 3
	c.Partition(lone)
	write(c, 10, 30)
	if c.Leader() != leader {
		t.Fatal("the majority changed leader although it kept its quorum")
	}
	waitFor(t, "the lone follower goes stale", func() bool {
		return errors.Is(c.Node(lone).Fresh(600*time.Millisecond, 1000), replication.ErrStale)
	})
	if _, err := c.Node(lone).Engine().Get("account", rowID(29)); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("the cut-off follower got a write: %v", err)
	}
	c.Heal()
	c.EnsureSame()
	holds(t, c.Node(lone), 0, 30)
	if err := c.Node(lone).Fresh(600*time.Millisecond, 1000); err != nil {
		t.Fatalf("the follower is still stale after healing: %v", err)
	}
}

// TestClusterSnapshotCatchUp compacts the log, then adds a new node and
// brings back a node that was down: both catch up by installing a
// snapshot, and end up identical to the others.
func TestClusterSnapshotCatchUp(t *testing.T) {
	c := New(t, 3, func(i int, cfg *replication.Config) {
		cfg.TrailingLogs, cfg.SnapshotThreshold = 5, 1<<20
	})
	setup(c)
	write(c, 0, 10)
	down := (c.Index(c.Leader()) + 1) % 3
	c.Stop(down)
	write(c, 10, 60)
	snapper := c.Index(c.Leader())
	if err := c.Node(snapper).Snapshot(); err != nil {
		t.Fatal(err)
	}
	write(c, 60, 70)
	fresh := c.Add(false) // a non-voter: a read replica
	c.Restart(down)
	c.EnsureSame()
	for _, i := range []int{fresh, down} {
		st := c.Node(i).Status()
		if st.SnapshotRestores != 1 {
			t.Fatalf("%s installed %d snapshots, want 1 (the log behind the snapshot was compacted)", st.ID, st.SnapshotRestores)
		}
		holds(t, c.Node(i), 0, 70)
	}
	// The replica becomes a voter, and the cluster keeps one database.
	if err := c.Leader().Promote(c.ID(fresh), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	members, err := c.Leader().Members()
	if err != nil {
		t.Fatal(err)
	}
	voters := 0
	for _, m := range members {
		if m.Voter {
			voters++
		}
	}
	if voters != 4 {
		t.Fatalf("members after promote: %+v", members)
	}
	write(c, 70, 80)
	c.EnsureSame()
	// A node whose engine already holds the snapshot does not load it
	// again when it restarts.
	holder := snapper
	c.Stop(holder)
	c.Restart(holder)
	c.EnsureSame()
	if st := c.Node(holder).Status(); st.SnapshotRestores != 0 || st.LastSnapshotIndex == 0 {
		t.Fatalf("%s after a restart: %d snapshot restores, last snapshot %d", st.ID, st.SnapshotRestores, st.LastSnapshotIndex)
	}
}

// TestClusterRemoveMember removes a follower: the rest keep a quorum and
// the removed node no longer receives writes.
func TestClusterRemoveMember(t *testing.T) {
	c := New(t, 3, nil)
	setup(c)
	c.EnsureSame() // every node holds the setup before one is removed
	leader := c.Leader()
	gone := (c.Index(leader) + 1) % 3
	if err := leader.Remove(c.ID(gone), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := leader.Remove("nosuch", time.Second); !errors.Is(err, replication.ErrUnknownMember) {
		t.Fatalf("removing an unknown member: %v", err)
	}
	at := c.Node(gone).Engine().Applied()
	c.Stop(gone)
	write(c, 0, 10)
	c.Restart(gone)
	time.Sleep(3 * ElectionTimeout)
	if got := c.Node(gone).Engine().Applied(); got != at {
		t.Fatalf("the removed node went from version %d to %d", at, got)
	}
	members, _ := c.Leader().Members()
	if len(members) != 2 {
		t.Fatalf("members: %+v", members)
	}
}

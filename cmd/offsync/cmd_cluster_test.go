package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// inProcNode is an `offsync serve` run in-process that can be stopped and
// started again with the same flags.
type inProcNode struct {
	id, url string
	args    []string
	stop    context.CancelFunc
	done    chan error
}

// startNode runs serve with args in the background until stopNode.
func startNode(t *testing.T, n *inProcNode) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n.stop, n.done = cancel, make(chan error, 1)
	go func() {
		out, err := run(t, ctx, n.args...)
		if err != nil && ctx.Err() == nil {
			// A node that stops by itself (a port taken since freeAddr
			// chose it, say) would otherwise only show as a member missing.
			t.Errorf("node %s stopped: %v\n%s", n.id, err, out)
		}
		n.done <- err
	}()
	t.Cleanup(func() { stopNode(n) })
}

// stopNode stops the node cleanly and waits for serve to return.
func stopNode(n *inProcNode) {
	if n.stop == nil {
		return
	}
	n.stop()
	<-n.done
	n.stop = nil
}

// newInProcNode names a node with its own data directory and ports.
func newInProcNode(t *testing.T, id string, extra ...string) *inProcNode {
	addr := freeAddr(t)
	args := append([]string{"serve", "--node-id", id, "--data", filepath.Join(t.TempDir(), id), "--http", addr, "--raft", freeAddr(t), "--admin-token", e2eToken}, extra...)
	return &inProcNode{id: id, url: "http://" + addr, args: args}
}

// members is `cluster status -o json` through url.
func members(t *testing.T, url string) []struct {
	ID     string
	Leader bool
	Ready  bool
	Voter  bool
} {
	t.Helper()
	out, err := run(t, context.Background(), "cluster", "status", "--server", url, "-o", "json")
	if err != nil {
		return nil
	}
	var ms []struct {
		ID     string
		Leader bool
		Ready  bool
		Voter  bool
	}
	_ = json.Unmarshal([]byte(out), &ms)
	return ms
}

// waitMembers waits until url lists exactly ids (in that order), all
// ready.
func waitMembers(t *testing.T, url string, ids ...string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ms := members(t, url)
		var got []string
		ready := true
		for _, m := range ms {
			got = append(got, m.ID)
			ready = ready && m.Ready
		}
		if ready && strings.Join(got, ",") == strings.Join(ids, ",") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("members through %s: %+v, want %v all ready", url, ms, ids)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestClusterTransferLeaderAndRecover runs three nodes in-process.
// `cluster transfer-leader` hands leadership over (to a named node, then
// to any), answering with the new leader. Then two nodes are lost for
// good: the survivor, stopped, is recovered with `cluster recover` as a
// one-node cluster, restarted with its usual serve command, accepts
// writes and holds every write acknowledged before; a new node joins it.
func TestClusterTransferLeaderAndRecover(t *testing.T) {
	t.Setenv("OFFSYNC_ADMIN_TOKEN", e2eToken)
	ctx := context.Background()
	n1 := newInProcNode(t, "n1")
	startNode(t, n1)
	waitReady(t, n1.url, 60*time.Second)
	n2 := newInProcNode(t, "n2", "--join", n1.url)
	n3 := newInProcNode(t, "n3", "--join", n1.url)
	startNode(t, n2)
	startNode(t, n3)
	waitMembers(t, n1.url, "n1", "n2", "n3")

	// Leadership transfer, asked of a follower.
	out, err := run(t, ctx, "cluster", "transfer-leader", "--to", "n3", "--server", n2.url)
	if err != nil || strings.TrimSpace(out) != "leader is now n3" {
		t.Fatalf("transfer-leader --to n3: %v\n%s", err, out)
	}
	// n2 learns of the new leader from n3's first heartbeat, which may
	// come after the answer: wait for it, then every member agrees.
	waitLeader(t, n2.url, "n3")
	out, err = run(t, ctx, "cluster", "transfer-leader", "--server", n1.url)
	if err != nil || !strings.HasPrefix(out, "leader is now n") || strings.Contains(out, "n3") {
		t.Fatalf("transfer-leader: %v\n%s", err, out)
	}

	// Acknowledged writes, then every node holds them.
	var names []string
	for i := range 5 {
		name := fmt.Sprintf("before-%d", i)
		if out, err := run(t, ctx, "admin-token", "create", "--name", name, "--server", []string{n1.url, n2.url, n3.url}[i%3]); err != nil {
			t.Fatalf("write %s: %v\n%s", name, err, out)
		}
		names = append(names, name)
	}
	waitMembers(t, n1.url, "n1", "n2", "n3")
	for _, n := range []*inProcNode{n1, n3} {
		waitHolds(t, n.url, names)
	}

	// n1 and n3 are lost for good; n2 cannot elect itself.
	stopNode(n1)
	stopNode(n3)
	stopNode(n2)
	peers := filepath.Join(t.TempDir(), "peers.json")
	raftAddr := n2.args[8]
	if err := os.WriteFile(peers, []byte(`[{"id":"n2","address":"`+raftAddr+`","non_voter":false}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, ctx, "cluster", "recover", "--data", n2.args[4]); err == nil {
		t.Fatalf("recover without --peers: %s", out)
	}
	out, err = run(t, ctx, "cluster", "recover", "--data", n2.args[4], "--peers", peers)
	if err != nil || !strings.HasPrefix(out, "recovered n2 at version ") {
		t.Fatalf("recover: %v\n%s", err, out)
	}
	startNode(t, n2) // its usual command, --join included
	waitReady(t, n2.url, 60*time.Second)
	if out, err := run(t, ctx, "admin-token", "create", "--name", "after", "--server", n2.url); err != nil {
		t.Fatalf("write after the recovery: %v\n%s", err, out)
	}
	waitHolds(t, n2.url, append(names, "after"))
	waitMembers(t, n2.url, "n2")

	// A new node joins the recovered cluster and receives everything.
	n4 := newInProcNode(t, "n4", "--join", n2.url)
	startNode(t, n4)
	waitMembers(t, n2.url, "n2", "n4")
	waitHolds(t, n4.url, append(names, "after"))
}

// waitLeader waits until url lists want, and want alone, as the leader
// of its members. A follower may name the old leader for a moment after a
// transfer, until the new one's first message reaches it.
func waitLeader(t *testing.T, url, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ms := members(t, url)
		var leaders []string
		for _, m := range ms {
			if m.Leader {
				leaders = append(leaders, m.ID)
			}
		}
		if strings.Join(leaders, ",") == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("through %s: leaders %v, want %s: %+v", url, leaders, want, ms)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitHolds waits until url lists every named admin token.
func waitHolds(t *testing.T, url string, names []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := run(t, context.Background(), "admin-token", "list", "--server", url)
		missing := ""
		for _, n := range names {
			if !strings.Contains(out, n) {
				missing = n
			}
		}
		if err == nil && missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s lacks %q: %v\n%s", url, missing, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/engine"
)

// startIDs starts one member per id: the first bootstraps, the others
// join through the previous one, and each registers its HTTP address.
func startIDs(t *testing.T, ids ...string) []*clusterMember {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var ms []*clusterMember
	for i, id := range ids {
		m := startMember(t, id, i == 0)
		if i > 0 {
			body, _ := json.Marshal(JoinRequest{ID: id, RaftAddr: m.node.RaftAddr()})
			if resp, b := do(t, "POST", ms[i-1].ts.URL+"/v1/cluster/join", body, nil); resp.StatusCode != 200 {
				t.Fatalf("join %s: %d %s", id, resp.StatusCode, b)
			}
		}
		if err := m.node.WaitLeader(ctx); err != nil {
			t.Fatal(err)
		}
		s, _ := New(DefaultConfig(testToken), m.node, m.e, m.node)
		for {
			err := s.Register(ctx, engine.ClusterNode{ID: id, RaftAddr: m.node.RaftAddr(), HTTPAddr: strings.TrimPrefix(m.ts.URL, "http://")})
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("register %s: %v", id, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		ms = append(ms, m)
	}
	return ms
}

// statusOf is GET /v1/admin/cluster on m.
func statusOf(t *testing.T, m *clusterMember) []MemberStatus {
	t.Helper()
	var st []MemberStatus
	if code := getJSON(t, m.ts.URL+"/v1/admin/cluster", &st); code != 200 {
		t.Fatalf("cluster status: %d", code)
	}
	return st
}

// TestClusterTransferLeader: POST /v1/admin/cluster/leader on a follower
// is relayed to the leader, and answers with the new leader once it is
// known: the named voter, or another voter when none is named. Unknown and
// non-voting targets are refused.
func TestClusterTransferLeader(t *testing.T) {
	ms := startIDs(t, "n1", "n2", "n3")
	byID := map[string]*clusterMember{"n1": ms[0], "n2": ms[1], "n3": ms[2]}
	follower := func() *clusterMember {
		for _, m := range ms {
			if !m.node.IsLeader() {
				return m
			}
		}
		t.Fatal("no follower")
		return nil
	}
	transfer := func(via *clusterMember, to string) (int, TransferLeaderAnswer, string) {
		t.Helper()
		body, _ := json.Marshal(TransferLeaderRequest{To: to})
		resp, b := do(t, "POST", via.ts.URL+"/v1/admin/cluster/leader", body, nil)
		var ans TransferLeaderAnswer
		_ = json.Unmarshal(b, &ans)
		return resp.StatusCode, ans, string(b)
	}
	for _, to := range []string{"n3", "n2", "n1"} {
		var old string
		for id, m := range byID {
			if m.node.IsLeader() {
				old = id
			}
		}
		if old == to {
			continue
		}
		// Through a follower that is not the target when there is one.
		via := follower()
		code, ans, raw := transfer(via, to)
		if code != 200 || ans.Leader != to {
			t.Fatalf("transfer to %s via a follower: %d %s", to, code, raw)
		}
		if !byID[to].node.IsLeader() {
			t.Fatalf("%s answered as the leader but does not lead", to)
		}
	}
	code, ans, raw := transfer(follower(), "")
	if code != 200 || ans.Leader == "" || ans.Leader == "n1" || !byID[ans.Leader].node.IsLeader() {
		t.Fatalf("transfer to any voter: %d %s", code, raw)
	}
	if code, _, raw := transfer(follower(), "nope"); code != 404 {
		t.Fatalf("transfer to an unknown member: %d %s", code, raw)
	}
	if code, _, raw := transfer(ms[0], ans.Leader); code != 400 {
		t.Fatalf("transfer to the leader itself: %d %s", code, raw)
	}
	if resp, b := do(t, "POST", ms[0].ts.URL+"/v1/admin/cluster/leader", []byte("{"), nil); resp.StatusCode != 400 {
		t.Fatalf("a bad body: %d %s", resp.StatusCode, b)
	}
}

// TestClusterStatusSortedWithADeadMember: the rows are sorted by id (the
// configuration lists them in join order), and a member that does not
// answer shows the state Unreachable, staleness -1 and not ready.
func TestClusterStatusSortedWithADeadMember(t *testing.T) {
	ms := startIDs(t, "n3", "n1", "n2")
	ids := func(st []MemberStatus) string {
		var out []string
		for _, m := range st {
			out = append(out, m.ID)
		}
		return strings.Join(out, ",")
	}
	if got := ids(statusOf(t, ms[1])); got != "n1,n2,n3" {
		t.Fatalf("rows %s, want n1,n2,n3", got)
	}
	dead := ms[2] // n2, a follower (n3 bootstrapped and leads)
	if dead.node.IsLeader() {
		t.Skip("n2 leads")
	}
	dead.ts.Close()
	dead.node.Close()
	st := statusOf(t, ms[1])
	if got := ids(st); got != "n1,n2,n3" {
		t.Fatalf("rows %s, want n1,n2,n3", got)
	}
	for _, m := range st {
		down := m.ID == "n2"
		if down != (m.Status.State == "Unreachable") || down == m.Ready || down != (m.Status.StalenessMs == -1) {
			t.Fatalf("member %s (down %v): state %q, ready %v, staleness %d", m.ID, down, m.Status.State, m.Ready, m.Status.StalenessMs)
		}
	}
}

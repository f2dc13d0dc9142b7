package server

import (
	"testing"

	"github.com/offsync/offsync/engine"
)

// TestClusterContextRegisteredThroughAFollowerServesEveryNode: a device's
// first load through a follower registers its access context through
// the leader; every node then knows it, and after the user joins a team
// (an access change) the device's pull on another follower is a delta,
// not a reload.
func TestClusterContextRegisteredThroughAFollowerServesEveryNode(t *testing.T) {
	sc := newServedCluster(t, 3, nil)
	leader := sc.c.Index(sc.c.Leader())
	a, b := (leader+1)%3, (leader+2)%3
	token, user := fieldSalesToken(t, sc.ts[leader])
	sc.c.EnsureSame() // the token is on the followers too
	cursor := syncAll(t, sc.ts[a].URL, token, "")
	ea := sc.c.Node(a).Engine()
	wc, ok, err := openCursor(ea.CursorKey(), user, engine.DefaultAppID, cursor)
	if err != nil || !ok || wc.C == nil {
		t.Fatalf("open the cursor: %v %v", ok, err)
	}
	for i := range 3 {
		waitRegistered(t, sc.c.Node(i).Engine(), wc.C.Context)
	}
	lead := sc.c.Node(leader).Engine()
	before := viewIDs(t, lead, user, sc.now)
	joinTeam(t, leaderProposer{sc.c}, lead, user)
	sc.c.EnsureSame()
	code, pr, _ := devicePullRaw(t, sc.ts[b].URL, token, cursor, nil)
	if code != 200 || pr.Reset {
		t.Fatalf("the pull on another follower after joining a team: %d reset %v, want a delta", code, pr.Reset)
	}
	after := viewIDs(t, sc.c.Node(b).Engine(), user, sc.now)
	for _, id := range answerIDs(pr) {
		if !before[id] && !after[id] {
			t.Fatalf("the delta names %s, in neither view", id)
		}
	}
}

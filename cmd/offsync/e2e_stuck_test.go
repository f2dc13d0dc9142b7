package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// stuckClient gives up on a request after three times Raft's network
// timeout: an answer later than that counts as a hang, not as slow.
var stuckClient = &http.Client{Timeout: 30 * time.Second}

// stuckReq sends an admin request with stuckClient.
func stuckReq(method, url string, body []byte) (int, []byte, error) {
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := stuckClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// TestStuckPeerProcess freezes (SIGSTOP) a follower, then the leader, of
// a 3-process cluster. While one is frozen, writes through either live
// node are acknowledged (after an election when the leader froze), the
// live nodes read them, and cluster status and readiness calls return
// instead of waiting on the frozen peer. Once it thaws (SIGCONT) it
// catches up with every write.
func TestStuckPeerProcess(t *testing.T) {
	bin := buildBinary(t)
	var procs []*proc
	for i := 0; i < 3; i++ {
		args := []string{"--node-id", fmt.Sprintf("n%d", i+1)}
		if i > 0 {
			args = append(args, "--bootstrap=false", "--join", procs[0].base)
		}
		procs = append(procs, startServe(t, bin, t.TempDir(), freeAddr(t), freeAddr(t), args...))
	}
	for _, p := range procs {
		t.Cleanup(func() { _ = p.cmd.Process.Signal(syscall.SIGCONT) }) // before the kill
	}
	waitFor3 := func() {
		deadline := time.Now().Add(time.Minute)
		for {
			var st []struct{ Voter, Ready bool }
			code, b, _ := stuckReq("GET", procs[0].base+"/v1/admin/cluster", nil)
			if code == 200 && json.Unmarshal(b, &st) == nil && len(st) == 3 && st[0].Ready && st[1].Ready && st[2].Ready {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("cluster not formed: %d %s", code, b)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor3()
	if code, b, _ := stuckReq("PUT", procs[0].base+"/v1/admin/schema/draft", []byte(`{"entities":[{"name":"note","ownership":"organization","offline":true,"attributes":[{"name":"title","type":"string"}]}]}`)); code != 200 {
		t.Fatalf("schema draft: %d %s", code, b)
	}
	if code, b, _ := stuckReq("POST", procs[0].base+"/v1/admin/schema/publish", nil); code != 200 {
		t.Fatalf("publish: %d %s", code, b)
	}
	leaderOf := func(live []int) int {
		deadline := time.Now().Add(time.Minute)
		for {
			for _, i := range live {
				var st []struct {
					ID     string
					Leader bool
				}
				code, b, err := stuckReq("GET", procs[i].base+"/v1/admin/cluster", nil)
				if err != nil {
					t.Fatalf("cluster status on n%d hung or failed: %v", i+1, err)
				}
				if code == 200 && json.Unmarshal(b, &st) == nil {
					for _, m := range st {
						for _, j := range live {
							if m.Leader && m.ID == fmt.Sprintf("n%d", j+1) {
								return j
							}
						}
					}
				}
			}
			if time.Now().After(deadline) {
				t.Fatal("no live leader")
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	n := 0
	var ids []string
	for _, freezeLeader := range []bool{false, true} {
		leader := leaderOf([]int{0, 1, 2})
		frozen := (leader + 1) % 3
		if freezeLeader {
			frozen = leader
		}
		if err := procs[frozen].cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		frozeAt := time.Now()
		var live []int
		for i := 0; i < 3; i++ {
			if i != frozen {
				live = append(live, i)
			}
		}
		what := fmt.Sprintf("with n%d frozen (leader: %v)", frozen+1, freezeLeader)
		for k := 0; k < 10; k++ {
			n++
			id := fmt.Sprintf("57c4e000-0000-4000-8000-%012d", n)
			base := procs[live[k%2]].base
			body := fmt.Sprintf(`{"records":[{"entity":"note","id":%q,"attributes":{"title":"t%d"}}]}`, id, n)
			deadline := time.Now().Add(time.Minute)
			for {
				start := time.Now()
				code, b, err := stuckReq("POST", base+"/v1/records", []byte(body))
				if d := time.Since(start); d > time.Second {
					t.Logf("write %d through %s %s: %d after %s", n, base, what, code, d.Round(time.Millisecond))
				}
				if err != nil {
					t.Fatalf("write through %s %s: %v (hung?)", base, what, err)
				}
				if code == 200 {
					break
				}
				if code != 503 || time.Now().After(deadline) {
					t.Fatalf("write through %s %s: %d %s", base, what, code, b)
				}
				time.Sleep(100 * time.Millisecond) // an election
			}
			ids = append(ids, id)
		}
		var slowest time.Duration
		for _, i := range live {
			for _, path := range []string{"/readyz", "/v1/admin/cluster", "/v1/records/note/" + ids[len(ids)-1]} {
				start := time.Now()
				code, b, err := stuckReq("GET", procs[i].base+path, nil)
				if err != nil || code != 200 {
					t.Fatalf("GET %s on n%d %s: %d %s %v", path, i+1, what, code, b, err)
				}
				slowest = max(slowest, time.Since(start))
			}
		}
		t.Logf("%s: %d writes acknowledged in %s; reads and status calls answered (slowest %s)", what, 10, time.Since(frozeAt).Round(time.Millisecond), slowest.Round(time.Millisecond))
		leaderOf(live)
		if err := procs[frozen].cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for _, id := range ids {
			for {
				code, _, _ := stuckReq("GET", procs[frozen].base+"/v1/records/note/"+id, nil)
				if code == 200 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("n%d did not catch up after thawing: %s missing (%d)", frozen+1, id, code)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		waitFor3()
	}
}

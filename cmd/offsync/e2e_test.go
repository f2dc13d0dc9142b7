package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

const e2eToken = "e2e-admin-token-0123456789"

// buildBinary builds ./cmd/offsync once into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "offsync")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build offsync: %v", err)
	}
	return bin
}

// syncBuffer is a bytes.Buffer safe for the child's writes and our reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running `offsync serve`.
type proc struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
}

func startServe(t *testing.T, bin, data, httpAddr, raftAddr string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "--data", data, "--http", httpAddr, "--raft", raftAddr, "--admin-token", e2eToken}, extra...)
	cmd := exec.Command(bin, args...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, base: "http://" + httpAddr, logs: logs}
	t.Cleanup(func() { p.kill() })
	waitReady(t, p.base, 60*time.Second)
	return p
}

func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

func adminReq(method, url string, body []byte) (int, []byte, error) {
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

type userRow struct {
	ID           string `json:"id"`
	BusinessUnit string `json:"businessUnit"`
}

// TestEndToEndKill9KeepsAcknowledgedWrites drives the built binary: serve
// --demo, ingest from several writers, kill -9 in the middle, restart on
// the same data, and check that every acknowledged row is there and that
// versions keep increasing.
func TestEndToEndKill9KeepsAcknowledgedWrites(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	httpAddr, raftAddr := freeAddr(t), freeAddr(t)
	p := startServe(t, bin, data, httpAddr, raftAddr, "--demo")

	code, b, err := adminReq("GET", p.base+"/v1/admin/users", nil)
	var users []userRow
	if err != nil || code != 200 || json.Unmarshal(b, &users) != nil || len(users) == 0 {
		t.Fatalf("demo users: %d %s %v\n%s", code, b, err, p.logs)
	}
	owner := users[0].ID

	type acked struct {
		id      string
		version uint64
	}
	var mu sync.Mutex
	var acks []acked
	var maxVersion uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("e2e00000-0000-4000-8000-%04d%08d", w, i)
				body := fmt.Sprintf(`{"records":[{"entity":"account","id":%q,"ownerid":%q,"attributes":{"name":"E2E %d-%d"}}]}`, id, owner, w, i)
				code, b, err := adminReq("POST", p.base+"/v1/records", []byte(body))
				if err != nil {
					return // the server is gone
				}
				if code != 200 {
					t.Errorf("ingest: %d %s", code, b)
					return
				}
				var r struct{ Version uint64 }
				_ = json.Unmarshal(b, &r)
				mu.Lock()
				acks = append(acks, acked{id, r.Version})
				if r.Version > maxVersion {
					maxVersion = r.Version
				}
				mu.Unlock()
			}
		}(w)
	}
	time.Sleep(1500 * time.Millisecond)
	p.kill() // kill -9 while writers are mid-flight
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acks) < 10 {
		t.Fatalf("only %d writes acknowledged before the kill\n%s", len(acks), p.logs)
	}

	p2 := startServe(t, bin, data, httpAddr, raftAddr, "--demo")
	for _, a := range acks {
		code, b, err := adminReq("GET", p2.base+"/v1/records/account/"+a.id, nil)
		var row struct{ Version uint64 }
		if err != nil || code != 200 || json.Unmarshal(b, &row) != nil || row.Version != a.version {
			t.Fatalf("acknowledged row %s (version %d) after restart: %d %s %v", a.id, a.version, code, b, err)
		}
	}
	code, b, err = adminReq("POST", p2.base+"/v1/records", []byte(fmt.Sprintf(
		`{"records":[{"entity":"account","id":"e2effff0-0000-4000-8000-000000000001","ownerid":%q,"attributes":{"name":"after"}}]}`, owner)))
	var r struct{ Version uint64 }
	if err != nil || code != 200 || json.Unmarshal(b, &r) != nil || r.Version <= maxVersion {
		t.Fatalf("write after restart: %d %s %v (version must exceed %d)", code, b, err, maxVersion)
	}
	code, _, _ = adminReq("GET", p2.base+"/healthz", nil)
	if code != 200 {
		t.Fatalf("healthz after restart: %d", code)
	}
	t.Logf("%d acknowledged writes survived kill -9; next version %d > %d", len(acks), r.Version, maxVersion)
}

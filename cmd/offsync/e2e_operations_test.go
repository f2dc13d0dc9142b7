package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// operationsWalkthrough returns the shell blocks of docs/operations.md's
// "Walkthrough: a 3-node cluster on one machine" (the plain cluster and
// the same with TLS), in order, as one script.
func operationsWalkthrough(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n## Walkthrough: a 3-node cluster on one machine\n")
	if !ok {
		t.Fatal("docs/operations.md has no walkthrough")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var script strings.Builder
	for _, part := range strings.Split(sec, "```sh\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		script.WriteString(block)
	}
	return script.String()
}

// TestOperationsWalkthroughRuns runs every command of docs/operations.md's
// loopback walkthrough, as written (its /tmp paths moved into a test
// directory): a 3-node cluster with the demo data, a device and the back
// office through followers, kill -9 of the leader under load, a restart,
// a dead node replaced, a read replica, membership changes, then the same
// cluster with TLS. Every command must succeed except those the text
// shows failing (a device that does not trust the cluster's CA, and kill
// of a process that is already gone), and the outputs the text shows
// must appear. It needs the walkthrough's fixed ports free, and skips
// loudly when they are not.
func TestOperationsWalkthroughRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("the walkthrough builds and runs the binary")
	}
	for _, tool := range []string{"bash", "curl", "awk", "openssl", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("SKIPPED: no " + tool + " for the operations walkthrough")
		}
	}
	for _, base := range []int{17100, 17200, 17300, 17400} {
		for i := 1; i <= 6; i++ {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+i))
			if err != nil {
				t.Skipf("SKIPPED: port %d is taken; the walkthrough uses fixed ports", base+i)
			}
			ln.Close()
		}
	}
	tmp := t.TempDir()
	script := strings.ReplaceAll(operationsWalkthrough(t), "/tmp/", tmp+"/")
	script = strings.ReplaceAll(script, "PATH=/tmp:", "PATH="+tmp+":")
	// Failing commands are reported, not fatal: the text shows some.
	full := "trap 'echo \"WALKTHROUGH FAILED: $BASH_COMMAND\" >&2' ERR\n" + script
	t.Cleanup(func() {
		// Whatever the outcome, no node outlives the test.
		pids, _ := filepath.Glob(filepath.Join(tmp, "*", "*.pid"))
		for _, p := range pids {
			if b, err := os.ReadFile(p); err == nil {
				_ = exec.Command("kill", "-9", strings.TrimSpace(string(b))).Run()
			}
		}
	})
	sh := exec.Command("bash", "-c", full)
	sh.Dir = "../.."
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OFFSYNC_") {
			env = append(env, kv)
		}
	}
	sh.Env = env
	out, err := sh.CombinedOutput()
	if err != nil {
		t.Fatalf("the walkthrough ended with %v:\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		failed, ok := strings.CutPrefix(line, "WALKTHROUGH FAILED: ")
		if !ok || strings.HasPrefix(failed, "kill ") || strings.HasPrefix(failed, "OFFSYNC_TLS_CA= offsync device sync") {
			continue
		}
		t.Errorf("a walkthrough command failed: %s", failed)
	}
	for _, want := range []string{`"status":"ready"`, "Leader", "device syncs: ", "failed: 0", "promoted r2", "demoted r2", "removed r2",
		"synced to version", "certificate signed by unknown authority"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in the walkthrough's output", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

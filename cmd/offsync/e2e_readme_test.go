package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readmeTrying returns the command lines of the README's "Trying it"
// section, as a user would paste them.
func readmeTrying(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n## Trying it\n")
	if !ok {
		t.Fatal("README has no Trying it section")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var lines []string
	for l := range strings.SplitSeq(sec, "\n") {
		if cmd, ok := strings.CutPrefix(l, "    "); ok {
			lines = append(lines, cmd)
		}
	}
	return lines
}

// TestReadmeTryingItRuns pastes the README's walkthrough, line by line,
// into a shell next to `serve --demo` (go run replaced by the built
// binary, port 7070 by a free one), and checks that every line succeeds,
// that the offline edit reached the server, and that the second app's
// store holds that app's entities only, while the Sales store holds more.
func TestReadmeTryingItRuns(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "awk"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("no " + tool)
		}
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	srv := exec.Command(bin, "serve", "--demo", "--http", addr)
	srv.Dir = dir
	logs := &syncBuffer{}
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { (&proc{cmd: srv}).kill() })
	waitReady(t, "http://"+addr, 60*time.Second)

	lines := readmeTrying(t)
	var script strings.Builder
	script.WriteString("set -e\n")
	for _, l := range lines {
		l = strings.ReplaceAll(l, "go run ./cmd/offsync", bin)
		l = strings.ReplaceAll(l, "localhost:7070", addr)
		script.WriteString(l + "\n")
	}
	script.WriteString(bin + " device query --store ./device --entity account\n")
	sh := exec.Command("bash", "-c", script.String())
	sh.Dir = dir
	sh.Env = append(os.Environ(), "OFFSYNC_SERVER=http://"+addr, "OFFSYNC_ADMIN_TOKEN=", "OFFSYNC_DEVICE_TOKEN=")
	out, err := sh.CombinedOutput()
	if err != nil {
		t.Fatalf("the walkthrough failed: %v\n%s\nserver:\n%s", err, out, logs.String())
	}
	for _, want := range []string{"1 applied, 0 rejected", `"name":"Renamed"`, "app Field Service", `"regardingobjectid"`} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("no %q in the walkthrough's output:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "device")); err != nil {
		t.Fatal(err)
	}
	field := storeRows(t, bin, filepath.Join(dir, "field"), []string{"account", "contact", "opportunity", "task"})
	sales := storeRows(t, bin, filepath.Join(dir, "sales"), []string{"opportunity"})
	if len(field) != 2 || len(field["task"]) == 0 || len(field["account"]) == 0 || len(sales["opportunity"]) == 0 {
		t.Fatalf("the Field Service store holds %d entities (%d tasks), the Sales store %d opportunities", len(field), len(field["task"]), len(sales["opportunity"]))
	}
}

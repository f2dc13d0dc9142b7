package bench

import (
	"strings"
	"testing"
	"time"
)

// TestProcConfigValidateNamesTheField checks that each bad ProcConfig
// field is named in Validate's message.
func TestProcConfigValidateNamesTheField(t *testing.T) {
	if err := DefaultProcConfig("offsync", t.TempDir()).Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for field, mutate := range map[string]func(*ProcConfig){
		"Binary":       func(c *ProcConfig) { c.Binary = "" },
		"Dir":          func(c *ProcConfig) { c.Dir = "" },
		"Nodes":        func(c *ProcConfig) { c.Nodes = 0 },
		"AdminToken":   func(c *ProcConfig) { c.AdminToken = "" },
		"ReadyTimeout": func(c *ProcConfig) { c.ReadyTimeout = 0 },
		"StopTimeout":  func(c *ProcConfig) { c.StopTimeout = -time.Second },
	} {
		c := DefaultProcConfig("offsync", t.TempDir())
		mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), field+":") {
			t.Errorf("bad %s: got %v", field, err)
		}
		if _, err := NewProcCluster(c); err == nil {
			t.Errorf("NewProcCluster accepted a bad %s", field)
		}
	}
}

// TestFailoverConfigValidateNamesTheField does the same for
// FailoverConfig.
func TestFailoverConfigValidateNamesTheField(t *testing.T) {
	if err := DefaultFailoverConfig("offsync", t.TempDir()).Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for field, mutate := range map[string]func(*FailoverConfig){
		"Binary":     func(c *FailoverConfig) { c.Binary = "" },
		"Dir":        func(c *FailoverConfig) { c.Dir = "" },
		"Nodes":      func(c *FailoverConfig) { c.Nodes = 2 },
		"Kills":      func(c *FailoverConfig) { c.Kills = -1 },
		"Duration":   func(c *FailoverConfig) { c.Duration = 0 },
		"Devices":    func(c *FailoverConfig) { c.Devices = -1 },
		"IngestRate": func(c *FailoverConfig) { c.IngestRate = 0 },
	} {
		c := DefaultFailoverConfig("offsync", t.TempDir())
		mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), field+":") {
			t.Errorf("bad %s: got %v", field, err)
		}
	}
}

// TestNewProcClusterFixesAddresses checks that every node gets its own
// directory and distinct loopback ports, and that only node 1 bootstraps.
func TestNewProcClusterFixesAddresses(t *testing.T) {
	c := DefaultProcConfig("offsync", t.TempDir())
	c.Demo = true
	pc, err := NewProcCluster(c)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i < pc.Len(); i++ {
		n := pc.nodes[i]
		for _, a := range []string{n.httpAddr, n.raftAddr, n.data} {
			if seen[a] {
				t.Fatalf("%s is shared", a)
			}
			seen[a] = true
		}
		args := strings.Join(pc.args(i), " ")
		if first := i == 0; strings.Contains(args, "--demo") != first || strings.Contains(args, "--join") == first {
			t.Errorf("node %d args: %s", i+1, args)
		}
		if pc.Running(i) {
			t.Errorf("node %d runs before Start", i+1)
		}
	}
}

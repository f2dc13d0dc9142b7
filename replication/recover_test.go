package replication

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestRecoverRefusesBadInput: the peers file is read in hashicorp/raft's
// peers.json format, and Recover refuses a configuration without this
// node as a voter, or a directory without Raft state, before touching
// anything.
func TestRecoverRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "peers.json")
	if err := os.WriteFile(path, []byte(`[{"id":"n1","address":"127.0.0.1:7071","non_voter":false},{"id":"r1","address":"127.0.0.1:7072","non_voter":true}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	peers, err := ReadPeers(path)
	if err != nil || len(peers) != 2 || peers[0] != (Member{ID: "n1", Address: "127.0.0.1:7071", Voter: true}) || peers[1].Voter {
		t.Fatalf("ReadPeers: %+v %v", peers, err)
	}
	if err := os.WriteFile(path, []byte(`[{"id":"n1"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPeers(path); err == nil {
		t.Fatal("ReadPeers accepted a server without an address")
	}
	cfg := DefaultConfig("n2", filepath.Join(dir, "raft"))
	if err := Recover(cfg, nil, peers); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Recover without this node among the voters: %v", err)
	}
	cfg.NodeID = "r1"
	if err := Recover(cfg, nil, peers); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Recover with this node a non-voter: %v", err)
	}
	cfg.NodeID = "n1"
	if err := Recover(cfg, nil, peers); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Recover without Raft state: %v", err)
	}
}

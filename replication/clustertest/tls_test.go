package clustertest

import (
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"github.com/offsync/offsync/replication"
)

// TestClusterTLS runs a cluster whose Raft links are mutual TLS, and
// checks that a node without a certificate from the cluster's CA cannot
// take part.
func TestClusterTLS(t *testing.T) {
	pki := WritePKI(t, t.TempDir())
	conf, err := replication.LoadTLS(pki.Cert, pki.Key, pki.CA)
	if err != nil {
		t.Fatal(err)
	}
	var stranger *tls.Config
	c := New(t, 3, func(i int, cfg *replication.Config) {
		cfg.TLS = conf
		if i == 3 {
			cfg.TLS = stranger
		}
	})
	setup(c)
	write(c, 0, 10)
	c.EnsureSame()
	for i := 0; i < 3; i++ {
		holds(t, c.Node(i), 0, 10)
	}

	// A node with a certificate from another CA is refused at the
	// handshake, so it never receives the log.
	other := WritePKI(t, t.TempDir())
	if stranger, err = replication.LoadTLS(other.Cert, other.Key, other.CA); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.nodes = append(c.nodes, c.newMember(3))
	c.mu.Unlock()
	c.start(3, false)
	err = c.Leader().Join(c.ID(3), c.nodes[3].addr, 2*time.Second)
	time.Sleep(5 * HeartbeatTimeout)
	if got := c.Node(3).Engine().Applied(); got != 0 {
		t.Fatalf("a node outside the CA applied version %d (join: %v)", got, err)
	}
	if _, lerr := replication.LoadTLS(pki.Cert, pki.Key, ""); !errors.Is(lerr, replication.ErrInvalid) {
		t.Fatalf("LoadTLS without a CA: %v", lerr)
	}
}

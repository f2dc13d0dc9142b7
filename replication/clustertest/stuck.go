package clustertest

import (
	"net"
	"sync"
)

// StuckPeer holds a stopped node's Raft address with a peer that accepts
// every connection and never reads or answers, like a process that is
// frozen (SIGSTOP) or wedged: the other nodes' dials succeed and their
// requests hang until their own timeouts. Close frees the address, so
// that Restart can bring the node back.
type StuckPeer struct {
	ln   net.Listener
	mu   sync.Mutex
	conn []net.Conn
	done chan struct{}
}

// Stick stops node i and puts a StuckPeer at its address (closed at the
// test's cleanup at the latest).
func (c *Cluster) Stick(i int) *StuckPeer {
	c.t.Helper()
	c.Stop(i)
	c.mu.Lock()
	addr := c.nodes[i].addr
	c.mu.Unlock()
	var ln net.Listener
	c.retry("hold "+addr, func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	})
	s := &StuckPeer{ln: ln, done: make(chan struct{})}
	go s.accept()
	c.t.Cleanup(s.Close)
	return s
}

func (s *StuckPeer) accept() {
	defer close(s.done)
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conn = append(s.conn, conn)
		s.mu.Unlock()
	}
}

// Accepted is the number of connections the peer swallowed.
func (s *StuckPeer) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conn)
}

// Close stops listening and drops every connection held; it may be
// called more than once.
func (s *StuckPeer) Close() {
	_ = s.ln.Close()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conn {
		_ = c.Close()
	}
	s.conn = nil
}

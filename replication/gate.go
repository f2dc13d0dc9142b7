package replication

import (
	"net"
	"sync"
)

// Gate cuts a node's Raft links on demand: while an address is blocked,
// dials to it fail and the connections already open to it are closed.
// Every Raft connection is dialed by one of its two ends, so blocking B in
// A's gate and A in B's gate cuts the link both ways. Tests build
// partitions with it (see Cluster); production nodes leave Config.Gate nil,
// and a nil *Gate blocks nothing.
type Gate struct {
	mu      sync.Mutex
	blocked map[string]bool
	conns   map[string]map[*gatedConn]struct{}
}

// NewGate returns a gate that blocks nothing.
func NewGate() *Gate {
	return &Gate{blocked: map[string]bool{}, conns: map[string]map[*gatedConn]struct{}{}}
}

// Block refuses new connections to addr and closes the open ones.
func (g *Gate) Block(addr string) {
	g.mu.Lock()
	g.blocked[addr] = true
	open := g.conns[addr]
	delete(g.conns, addr)
	g.mu.Unlock()
	for c := range open {
		_ = c.Conn.Close()
	}
}

// Unblock lets connections to addr through again.
func (g *Gate) Unblock(addr string) {
	g.mu.Lock()
	delete(g.blocked, addr)
	g.mu.Unlock()
}

// UnblockAll lets every connection through again.
func (g *Gate) UnblockAll() {
	g.mu.Lock()
	clear(g.blocked)
	g.mu.Unlock()
}

func (g *Gate) blocks(addr string) bool {
	if g == nil {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.blocked[addr]
}

// track remembers conn as a link to addr, so that Block can close it.
func (g *Gate) track(addr string, conn net.Conn) net.Conn {
	if g == nil {
		return conn
	}
	c := &gatedConn{Conn: conn, g: g, addr: addr}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.blocked[addr] { // blocked while dialing
		_ = conn.Close()
		return c
	}
	if g.conns[addr] == nil {
		g.conns[addr] = map[*gatedConn]struct{}{}
	}
	g.conns[addr][c] = struct{}{}
	return c
}

// gatedConn forgets itself in its gate when closed.
type gatedConn struct {
	net.Conn
	g    *Gate
	addr string
}

// Close closes the connection.
func (c *gatedConn) Close() error {
	c.g.mu.Lock()
	delete(c.g.conns[c.addr], c)
	c.g.mu.Unlock()
	return c.Conn.Close()
}

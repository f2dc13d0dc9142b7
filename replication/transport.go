package replication

import (
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// streamLayer is the network under Raft's NetworkTransport: TCP, wrapped
// in TLS when the config has it, and passed through a Gate that tests use
// to cut links between nodes.
type streamLayer struct {
	net.Listener
	advertise net.Addr
	tls       *tls.Config
	gate      *Gate
}

// newTransport listens on cfg.RaftAddr and returns Raft's transport over it.
func newTransport(cfg Config, hlog hclog.Logger) (*raft.NetworkTransport, error) {
	ln, err := net.Listen("tcp", cfg.RaftAddr)
	if err != nil {
		return nil, fmt.Errorf("listen raft transport: %w", err)
	}
	layer := &streamLayer{Listener: ln, advertise: ln.Addr(), tls: cfg.TLS, gate: cfg.Gate}
	if cfg.Advertise != "" {
		a, err := net.ResolveTCPAddr("tcp", cfg.Advertise)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("resolve advertise address: %w", err)
		}
		layer.advertise = a
	} else if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		ln.Close()
		return nil, fmt.Errorf("listen raft transport: %s is not an address others can reach; set Advertise: %w", cfg.RaftAddr, ErrInvalid)
	}
	if cfg.TLS != nil {
		layer.Listener = tls.NewListener(ln, serverTLS(cfg.TLS))
	}
	return raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: layer, MaxPool: 4, Timeout: 10 * time.Second, Logger: hlog,
	}), nil
}

// Addr is the address other nodes dial.
func (s *streamLayer) Addr() net.Addr { return s.advertise }

// Dial opens a connection to another node, refused while the gate blocks
// it.
func (s *streamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	target := string(addr)
	if s.gate.blocks(target) {
		return nil, fmt.Errorf("dial %s: %w", target, ErrPartitioned)
	}
	d := &net.Dialer{Timeout: timeout}
	var conn net.Conn
	var err error
	if s.tls != nil {
		cfg := s.tls.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(target)
		}
		conn, err = tls.DialWithDialer(d, "tcp", target, cfg)
	} else {
		conn, err = d.Dial("tcp", target)
	}
	if err != nil {
		return nil, err
	}
	return s.gate.track(target, conn), nil
}

// serverTLS is the listener's side of cfg: client certificates are asked
// for and verified against the same CAs when cfg has ClientCAs.
func serverTLS(cfg *tls.Config) *tls.Config {
	c := cfg.Clone()
	if c.ClientCAs != nil && c.ClientAuth == tls.NoClientCert {
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return c
}

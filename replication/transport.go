package replication

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// dialRetry is how often a leader dials a member again while it cannot be
// reached (see streamLayer.Dial).
const dialRetry = 50 * time.Millisecond

// streamLayer is the network under Raft's NetworkTransport: TCP, wrapped
// in TLS when the config has it, and passed through a Gate that tests use
// to cut links between nodes.
type streamLayer struct {
	net.Listener
	advertise net.Addr
	tls       *tls.Config
	gate      *Gate
	log       *slog.Logger
	// keep says whether a failed dial to addr should be tried again (the
	// node leads and addr is a member); nil until Raft runs.
	keep atomic.Pointer[func(addr string) bool]
	// quit is closed when the node closes: dials give up.
	quit     chan struct{}
	quitOnce sync.Once
	// down holds the addresses a dial is waiting for, logged once each.
	down sync.Map
}

// newTransport listens on cfg.RaftAddr and returns Raft's transport over it.
func newTransport(cfg Config, hlog hclog.Logger, log *slog.Logger) (*raft.NetworkTransport, *streamLayer, error) {
	ln, err := net.Listen("tcp", cfg.RaftAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen raft transport: %w", err)
	}
	layer := &streamLayer{Listener: ln, advertise: ln.Addr(), tls: cfg.TLS, gate: cfg.Gate, log: log, quit: make(chan struct{})}
	if cfg.Advertise != "" {
		a, err := net.ResolveTCPAddr("tcp", cfg.Advertise)
		if err != nil {
			ln.Close()
			return nil, nil, fmt.Errorf("resolve advertise address: %w", err)
		}
		layer.advertise = a
	} else if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		ln.Close()
		return nil, nil, fmt.Errorf("listen raft transport: %s is not an address others can reach; set Advertise: %w", cfg.RaftAddr, ErrInvalid)
	}
	if cfg.TLS != nil {
		layer.Listener = tls.NewListener(ln, serverTLS(cfg.TLS))
	}
	return raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: layer, MaxPool: 4, Timeout: 10 * time.Second, Logger: hlog,
	}), layer, nil
}

// Addr is the address other nodes dial.
func (s *streamLayer) Addr() net.Addr { return s.advertise }

// close makes waiting dials give up.
func (s *streamLayer) close() { s.quitOnce.Do(func() { close(s.quit) }) }

// Dial opens a connection to another node, refused while the gate blocks
// it.
//
// A leader's dial to a member that refuses connections (a stopped node)
// is tried again every dialRetry until it succeeds, the node stops
// leading, the member leaves the configuration or the node closes. Other
// failures (a cut link, a timeout, a TLS error) fail at once, as before.
// hashicorp/raft counts each failed call to a follower and waits
// after it, doubling the wait up to about 10 s (replication.go's backoff,
// not configurable), so a node back after a few seconds used to wait that
// long for its missing entries and stay unready. Waiting in Dial instead
// keeps that count at zero: the restarted node gets its entries as soon
// as it listens again.
func (s *streamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	target := string(addr)
	for {
		conn, err := s.dial(target, timeout)
		if err == nil {
			if _, was := s.down.LoadAndDelete(target); was {
				s.log.Info("raft peer reachable again", "peer", target)
			}
			return conn, nil
		}
		keep := s.keep.Load()
		if !errors.Is(err, syscall.ECONNREFUSED) || keep == nil || !(*keep)(target) {
			return nil, err // only a stopped node's refusal is waited out
		}
		if _, was := s.down.LoadOrStore(target, true); !was {
			s.log.Warn("raft peer unreachable; dialing it again until it is back", "peer", target, "err", err)
		}
		select {
		case <-s.quit:
			return nil, err
		case <-time.After(dialRetry):
		}
	}
}

// dial makes one attempt.
func (s *streamLayer) dial(target string, timeout time.Duration) (net.Conn, error) {
	if s.gate.blocks(target) {
		return nil, fmt.Errorf("dial %s: %w", target, ErrPartitioned)
	}
	d := &net.Dialer{Timeout: timeout}
	var conn net.Conn
	var err error
	if s.tls != nil {
		host, _, _ := net.SplitHostPort(target)
		conn, err = tls.DialWithDialer(d, "tcp", target, DialTLS(s.tls, host))
	} else {
		conn, err = d.Dial("tcp", target)
	}
	if err != nil {
		return nil, err
	}
	return s.gate.track(target, conn), nil
}

// serverTLS is the listener's side of cfg: client certificates are asked
// for and verified against the same CAs when cfg has ClientCAs. A config
// that picks its own per-connection config (GetConfigForClient, as a
// CertReloader's does) is used as it is.
func serverTLS(cfg *tls.Config) *tls.Config {
	c := cfg.Clone()
	if c.GetConfigForClient == nil && c.ClientCAs != nil && c.ClientAuth == tls.NoClientCert {
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return c
}

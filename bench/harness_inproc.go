package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
	"github.com/offsync/offsync/server"
)

// inprocServer is the server `offsync serve` runs, wired the same way
// (engine, one-voter Raft node, HTTP server on a loopback port), in this
// process: for tests, and where no binary can be started.
type inprocServer struct {
	url  string
	eng  *engine.Engine
	node *replication.Node
	hs   *http.Server
}

// startInProcess opens the engine and node in dir and serves HTTP on a
// free loopback port. Logs are discarded.
func startInProcess(dir, token string) (*inprocServer, error) {
	quiet := slog.New(slog.DiscardHandler)
	ec := engine.DefaultConfig(filepath.Join(dir, "engine"))
	ec.Logger = quiet
	eng, err := engine.Open(ec)
	if err != nil {
		return nil, fmt.Errorf("start in-process server: %w", err)
	}
	s := &inprocServer{eng: eng}
	rc := replication.DefaultConfig("node1", filepath.Join(dir, "raft"))
	rc.RaftAddr, rc.Logger = "127.0.0.1:0", quiet
	rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = 100*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond
	if s.node, err = replication.Open(rc, eng); err != nil {
		s.close()
		return nil, fmt.Errorf("start in-process server: %w", err)
	}
	sc := server.DefaultConfig(token)
	sc.Logger = quiet
	srv, err := server.New(sc, s.node, eng, s.node)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("start in-process server: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.close()
		return nil, fmt.Errorf("start in-process server: %w", err)
	}
	s.url = "http://" + ln.Addr().String()
	s.hs = srv.HTTPServer()
	go func() { _ = s.hs.Serve(srv.LimitListener(ln)) }()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if err := waitReady(ctx, s.url, readyTimeout, nil); err != nil {
		s.close()
		return nil, fmt.Errorf("start in-process server: %w", err)
	}
	return s, nil
}

// close stops serving (open streams are cut), then closes the node and
// the engine.
func (s *inprocServer) close() error {
	var errs []error
	if s.hs != nil {
		errs = append(errs, s.hs.Close())
	}
	if s.node != nil {
		errs = append(errs, s.node.Close())
	}
	errs = append(errs, s.eng.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stop in-process server: %w", err)
	}
	return nil
}

package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/offsync/offsync/client"
)

// How a run's server runs (RunInfo.Server).
const (
	serverChild     = "child"
	serverInProcess = "in-process"
	serverRemote    = "remote"
)

// readyTimeout bounds how long a started server may take to be ready.
const readyTimeout = 2 * time.Minute

// serverTarget is the server a run drives: a child process of the
// offsync binary, a server in this process, or a running one.
type serverTarget struct {
	kind  string
	url   string
	token string
	// dataDir is the started server's data directory ("" when remote).
	dataDir string
	admin   *client.Admin
	// child or inproc is set for a started server.
	child  *childServer
	inproc *inprocServer
	closed bool
}

// openTarget starts the server c asks for, or connects to c.Server.
func openTarget(ctx context.Context, c HarnessConfig) (*serverTarget, error) {
	t := &serverTarget{token: c.AdminToken}
	switch {
	case c.Server != "":
		t.kind, t.url = serverRemote, strings.TrimRight(c.Server, "/")
	default:
		if t.token == "" {
			t.token = newAdminToken()
		}
		t.dataDir = c.DataDir
		if t.dataDir == "" {
			t.dataDir = filepath.Join(c.Dir, "server")
		}
		if err := os.MkdirAll(t.dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("open server: %w", err)
		}
		var err error
		if c.Binary != "" {
			t.kind = serverChild
			t.child = &childServer{bin: c.Binary, args: c.ServeArgs, dataDir: t.dataDir, token: t.token, logPath: filepath.Join(c.Dir, "server.log")}
			err = t.child.start(ctx)
			t.url = t.child.url
		} else {
			t.kind = serverInProcess
			t.inproc, err = startInProcess(t.dataDir, t.token)
			if err == nil {
				t.url = t.inproc.url
			}
		}
		if err != nil {
			return nil, err
		}
	}
	admin, err := client.NewAdmin(t.url, t.token)
	if err != nil {
		t.close()
		return nil, fmt.Errorf("open server: %w", err)
	}
	t.admin = admin
	if t.kind == serverRemote {
		if err := waitReady(ctx, t.url, readyTimeout, nil); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// restart gives a started server a fresh process (a child is stopped and
// started again on the same data), so that what loading used is not
// counted as serving's. In this process only the peak RSS is reset; a
// remote server is left alone. It says whether the server restarted.
func (t *serverTarget) restart(ctx context.Context) (bool, error) {
	switch t.kind {
	case serverChild:
		if err := t.child.stop(); err != nil {
			return false, err
		}
		if err := t.child.start(ctx); err != nil {
			return false, err
		}
		t.url, t.admin.Server = t.child.url, t.child.url
		return true, nil
	case serverInProcess:
		_ = resetPeakRSS(os.Getpid())
	}
	return false, nil
}

// pid is the server's process id, 0 when remote.
func (t *serverTarget) pid() int {
	switch t.kind {
	case serverChild:
		return t.child.pid()
	case serverInProcess:
		return os.Getpid()
	}
	return 0
}

// rss returns the server's resident memory now and its peak, and where
// they were read. A remote server's peak is its current RSS (from its
// /metrics); the caller samples it.
func (t *serverTarget) rss(ctx context.Context) (cur, peak uint64, source string, err error) {
	if pid := t.pid(); pid != 0 {
		cur, peak, err = procRSS(pid)
		return cur, peak, "/proc/pid/status VmRSS, VmHWM", err
	}
	cur, err = metricsRSS(ctx, t.admin.HTTP, t.url, t.token)
	return cur, cur, "/metrics process_resident_memory_bytes, sampled", err
}

// close stops a started server (once).
func (t *serverTarget) close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	switch {
	case t.child != nil:
		return t.child.stop()
	case t.inproc != nil:
		return t.inproc.close()
	}
	return nil
}

// waitReady polls base/readyz until it answers 200, exited is closed (the
// process ended), or timeout.
func waitReady(ctx context.Context, base string, timeout time.Duration, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := &http.Client{Timeout: 5 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return fmt.Errorf("wait for server: %w", err)
		}
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for server %s: %w", base, ctx.Err())
		case <-exited:
			return errors.New("wait for server: the server process exited")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// newAdminToken returns a random admin token for a started server.
func newAdminToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "bench-" + hex.EncodeToString(b)
}

package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// stopTimeout bounds how long a child server may take to shut down after
// SIGTERM before it is killed.
const stopTimeout = time.Minute

// childServer is `offsync serve` in a child process, so that its memory
// is its own: `bin args... --data dataDir --http 127.0.0.1:<free port>
// --admin-token token`, its output appended to logPath.
type childServer struct {
	bin     string
	args    []string
	dataDir string
	token   string
	logPath string

	url    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// start starts the process on a free loopback port and waits until it is
// ready.
func (s *childServer) start(ctx context.Context) error {
	addr, err := procFreeAddr()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	args := append(append([]string{}, s.args...), "--data", s.dataDir, "--http", addr, "--admin-token", s.token)
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start server: %w", err)
	}
	s.cmd, s.url, s.exited = cmd, "http://"+addr, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	if err := waitReady(ctx, s.url, readyTimeout, s.exited); err != nil {
		_ = s.stop()
		return fmt.Errorf("start server: %w; its log ends with:\n%s", err, s.logTail(2000))
	}
	return nil
}

// pid is the process id, 0 when not running.
func (s *childServer) pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// stop asks the process to shut down (SIGTERM), and kills it after
// stopTimeout.
func (s *childServer) stop() error {
	if s.cmd == nil {
		return nil
	}
	defer func() { s.cmd = nil }()
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		_ = s.cmd.Process.Kill()
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("stop server: it did not stop within %v of SIGTERM and was killed", stopTimeout)
	}
}

// logTail returns the last n bytes of the process's log.
func (s *childServer) logTail(n int) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	if len(b) > n {
		b = b[len(b)-n:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

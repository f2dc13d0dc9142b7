package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Event streams.
const (
	// streamDialers is how many streams are opened at once.
	streamDialers = 64
	// streamReadyTimeout bounds how long a stream may take to say ready.
	streamReadyTimeout = time.Minute
)

// eventStreams holds open GET /v1/sync/events streams, each a bare TCP
// connection read by one goroutine with small buffers, so that 10,000 of
// them fit beside the server on one machine. It counts the "changed"
// events they receive.
type eventStreams struct {
	mu      sync.Mutex
	conns   []net.Conn
	changed atomic.Int64
	wg      sync.WaitGroup
}

// open opens n streams to the server at base (http://host:port), stream i
// with tokens[i % len(tokens)], each read until its "ready" event.
func (s *eventStreams) open(ctx context.Context, base string, tokens []string, n int, progress func(int)) error {
	addr, ok := strings.CutPrefix(base, "http://")
	if !ok {
		return fmt.Errorf("open event streams: %s: only http:// servers", base)
	}
	return forEach(ctx, n, streamDialers, func(ctx context.Context, i int) error {
		conn, body, err := openStream(ctx, addr, tokens[i%len(tokens)])
		if err != nil {
			return fmt.Errorf("open event stream %d: %w", i, err)
		}
		s.mu.Lock()
		s.conns = append(s.conns, conn)
		s.mu.Unlock()
		s.wg.Add(1)
		go s.read(body)
		return nil
	}, progress)
}

// openStream sends the request on a new connection and reads up to the
// stream's "ready" event.
func openStream(ctx context.Context, addr, token string) (net.Conn, *bufio.Reader, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(streamReadyTimeout))
	if _, err := fmt.Fprintf(conn, "GET /v1/sync/events HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n", addr, token); err != nil {
		conn.Close()
		return nil, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 1024), nil)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		conn.Close()
		return nil, nil, fmt.Errorf("events answered %s", resp.Status)
	}
	body := bufio.NewReaderSize(resp.Body, 512)
	for {
		line, err := readLine(body)
		if err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("read ready event: %w", err)
		}
		if string(line) == "event: ready" {
			break
		}
	}
	_ = conn.SetDeadline(time.Time{})
	return conn, body, nil
}

// read counts the stream's "changed" events until it closes.
func (s *eventStreams) read(body *bufio.Reader) {
	defer s.wg.Done()
	for {
		line, err := readLine(body)
		if err != nil {
			return
		}
		if string(line) == "event: changed" {
			s.changed.Add(1)
		}
	}
}

// readLine returns the next line without its end; a line longer than
// the buffer comes back in pieces.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return line, nil
	}
	return bytes.TrimRight(line, "\r\n"), err
}

// count returns how many streams are open.
func (s *eventStreams) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// close closes every stream and waits for their readers.
func (s *eventStreams) close() {
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
	s.mu.Unlock()
	s.wg.Wait()
}

package server

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// eventWire carries an event stream's bytes to its device.
type eventWire interface {
	// send writes p (whole events) and flushes it, within
	// eventWriteTimeout; false when the device is gone.
	send(p []byte) bool
	// gone is closed once the device went away.
	gone() <-chan struct{}
	// end ends the stream (the last chunk) and lets the connection go.
	end()
}

// openEventWire answers the stream's request with 200 and the headers
// already set on w, and returns where its events go. On HTTP/1.1 it takes
// the connection over from net/http (a connWire): the stream then holds
// no request, no response and none of net/http's per-connection buffers
// or goroutines, which are most of what an idle stream costs, so the
// caller may return from its handler and serve the stream from a
// goroutine of its own (detached true). Elsewhere (HTTP/2, or a writer
// that cannot be taken over) it streams through w (an httpWire), and the
// handler must stay until the stream ends. ok is false when nothing could
// be answered.
func openEventWire(w http.ResponseWriter, r *http.Request) (wire eventWire, detached, ok bool) {
	if r.ProtoMajor == 1 && r.ProtoMinor >= 1 {
		conn, brw, err := http.NewResponseController(w).Hijack()
		switch {
		case err == nil:
			_ = brw // net/http's buffers: left behind, to be collected
			cw, err := startConnWire(conn, w.Header())
			if err != nil {
				conn.Close()
				return nil, false, false
			}
			return cw, true, true
		case !errors.Is(err, http.ErrNotSupported):
			return nil, false, false
		}
	}
	flusher, can := w.(http.Flusher)
	if !can {
		writeError(w, http.StatusInternalServerError, CodeInternal, "streaming unsupported")
		return nil, false, false
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	w.WriteHeader(http.StatusOK)
	return &httpWire{w: w, rc: rc, flusher: flusher, done: r.Context().Done()}, false, true
}

// httpWire streams through net/http's ResponseWriter.
type httpWire struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	flusher http.Flusher
	done    <-chan struct{}
}

func (h *httpWire) send(p []byte) bool {
	_ = h.rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
	if _, err := h.w.Write(p); err != nil {
		return false
	}
	h.flusher.Flush()
	return true
}

func (h *httpWire) gone() <-chan struct{} { return h.done }
func (h *httpWire) end()                  {}

// connWire streams over a connection taken from net/http, as an HTTP/1.1
// chunked body. One goroutine reads the connection only to see it
// close.
type connWire struct {
	conn net.Conn
	done chan struct{} // closed by the reader when the connection ends
	once sync.Once
}

// startConnWire writes the response head (status 200, header, chunked,
// Connection: close) and starts the reader.
func startConnWire(conn net.Conn, header http.Header) (*connWire, error) {
	var head bytes.Buffer
	head.WriteString("HTTP/1.1 200 OK\r\n")
	h := header.Clone()
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	h.Set("Transfer-Encoding", "chunked")
	h.Set("Connection", "close")
	h.Del("Content-Length")
	if err := h.Write(&head); err != nil {
		return nil, fmt.Errorf("write stream head: %w", err)
	}
	head.WriteString("\r\n")
	_ = conn.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
	if _, err := conn.Write(head.Bytes()); err != nil {
		return nil, fmt.Errorf("write stream head: %w", err)
	}
	c := &connWire{conn: conn, done: make(chan struct{})}
	go c.read()
	return c, nil
}

// read waits for the connection to end (a device sends nothing on a
// stream: anything it sends is dropped).
func (c *connWire) read() {
	defer close(c.done)
	buf := make([]byte, 64)
	for {
		if _, err := c.conn.Read(buf); err != nil {
			return
		}
	}
}

func (c *connWire) send(p []byte) bool {
	chunk := make([]byte, 0, len(p)+16)
	chunk = strconv.AppendInt(chunk, int64(len(p)), 16)
	chunk = append(chunk, "\r\n"...)
	chunk = append(append(chunk, p...), "\r\n"...)
	_ = c.conn.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
	_, err := c.conn.Write(chunk)
	return err == nil
}

func (c *connWire) gone() <-chan struct{} { return c.done }

// end writes the last chunk, closes the connection and waits for the
// reader. It may be called more than once (a stream ending, and the
// server shutting down).
func (c *connWire) end() {
	c.once.Do(func() {
		_ = c.conn.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.conn.Write([]byte("0\r\n\r\n"))
		c.conn.Close()
	})
	<-c.done
}

package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/offsync/offsync/client"
)

// staticServer is the baseline of serve-ratio-vs-static: a plain
// net/http handler that answers every pull with recorded pull answers,
// byte for byte (body and Content-Encoding), round robin, and every GET
// of a shared page (/v1/sync/pages/{id}) with its recorded body (410
// when it has none). It reads the request body and does nothing else:
// what serving a static file costs.
type staticServer struct {
	url     string
	answers []pullAnswer
	pages   *pageRecord
	next    atomic.Uint64
	hs      *http.Server
}

// startStatic serves answers and pages (may be nil) on a free loopback
// port.
func startStatic(answers []pullAnswer, pages *pageRecord) (*staticServer, error) {
	if len(answers) == 0 {
		return nil, errors.New("start static server: no answers to serve")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start static server: %w", err)
	}
	s := &staticServer{url: "http://" + ln.Addr().String(), answers: answers, pages: pages}
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.hs.Serve(ln) }()
	return s, nil
}

// ServeHTTP answers a page GET with its recorded body, anything else
// with the next recorded answer.
func (s *staticServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if id, ok := strings.CutPrefix(r.URL.Path, pagesPath); ok && r.Method == http.MethodGet {
		pg, ok := s.pages.get(id)
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusGone)
			_, _ = io.WriteString(w, `{"code":"page_gone","message":"the static baseline recorded no such page"}`)
			return
		}
		writeRecorded(w, pg.wire, pg.encoding)
		return
	}
	a := &s.answers[(s.next.Add(1)-1)%uint64(len(s.answers))]
	if a.dict != nil {
		w.Header().Set(client.DictHeader, a.dict.Name())
	}
	writeRecorded(w, a.wire, a.encoding)
}

// writeRecorded writes a recorded msgpack body as received.
func writeRecorded(w http.ResponseWriter, wire []byte, encoding string) {
	h := w.Header()
	h.Set("Content-Type", "application/msgpack")
	if encoding != "" {
		h.Set("Content-Encoding", encoding)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(wire)
}

// close stops the server.
func (s *staticServer) close() { _ = s.hs.Close() }

// runStatic runs the device loops against a static server of answers and
// pages for window and records the result in d. The devices send what
// they send to offsync (asking for shared pages) to the same paths.
func runStatic(ctx context.Context, answers []pullAnswer, pages *pageRecord, devs []*benchDevice, window time.Duration, d *ServeDetail) error {
	if len(answers) == 0 {
		return nil
	}
	s, err := startStatic(answers, pages)
	if err != nil {
		return err
	}
	defer s.close()
	p := &puller{hc: newHTTPClient(len(devs)), url: s.url + "/v1/sync/pull", pages: true, dicts: dictsOf(answers)}
	wctx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	start, cpu := time.Now(), startCPU(0)
	tally := runPulls(wctx, p, devs, nil)
	took := time.Since(start)
	_, d.StaticCPUSeconds = cpu.stop()
	var all samples
	all.merge(&tally.noChange)
	all.merge(&tally.delta)
	d.Static, d.StaticWindowSeconds = all.summarize(took), took.Seconds()
	return ctx.Err()
}

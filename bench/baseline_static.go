package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// staticServer is the baseline of serve-ratio-vs-static: a plain
// net/http handler that answers every request with recorded pull answers,
// byte for byte (body and Content-Encoding), round robin. It reads the
// request body and does nothing else: what serving a static file costs.
type staticServer struct {
	url     string
	answers []pullAnswer
	next    atomic.Uint64
	hs      *http.Server
}

// startStatic serves answers on a free loopback port.
func startStatic(answers []pullAnswer) (*staticServer, error) {
	if len(answers) == 0 {
		return nil, errors.New("start static server: no answers to serve")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start static server: %w", err)
	}
	s := &staticServer{url: "http://" + ln.Addr().String(), answers: answers}
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.hs.Serve(ln) }()
	return s, nil
}

// ServeHTTP answers with the next recorded answer.
func (s *staticServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	a := &s.answers[(s.next.Add(1)-1)%uint64(len(s.answers))]
	h := w.Header()
	h.Set("Content-Type", "application/msgpack")
	if a.encoding != "" {
		h.Set("Content-Encoding", a.encoding)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.wire)
}

// close stops the server.
func (s *staticServer) close() { _ = s.hs.Close() }

// runStatic runs the device loops against a static server for window and
// records the result in d.
func runStatic(ctx context.Context, answers []pullAnswer, devs []*benchDevice, window time.Duration, d *ServeDetail) error {
	if len(answers) == 0 {
		return nil
	}
	s, err := startStatic(answers)
	if err != nil {
		return err
	}
	defer s.close()
	p := &puller{hc: newHTTPClient(len(devs)), url: s.url}
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

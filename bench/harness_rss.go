package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// procRSS reads the resident memory of process pid from
// /proc/<pid>/status: VmRSS now, and VmHWM, its peak since it started
// (or since resetPeakRSS). Linux only.
func procRSS(pid int) (cur, peak uint64, err error) {
	kb, err := procStatus(pid, "VmRSS", "VmHWM")
	if err != nil {
		return 0, 0, fmt.Errorf("read rss: %w", err)
	}
	return kb["VmRSS"] << 10, kb["VmHWM"] << 10, nil
}

// procRSSSplit reads the anonymous (heap, stacks) and file-backed
// (mapped files: tables, logs, the binary) parts of process pid's
// resident memory: RssAnon and RssFile of /proc/<pid>/status (Linux 4.5
// and later).
func procRSSSplit(pid int) (anon, file uint64, err error) {
	kb, err := procStatus(pid, "RssAnon", "RssFile")
	if err != nil {
		return 0, 0, fmt.Errorf("read rss split: %w", err)
	}
	return kb["RssAnon"] << 10, kb["RssFile"] << 10, nil
}

// procStatus reads the named kB values of /proc/<pid>/status; a missing
// one is an error.
func procStatus(pid int, keys ...string) (map[string]uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	out := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || !want[k] {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = kb
	}
	for _, k := range keys {
		if out[k] == 0 {
			return nil, fmt.Errorf("no %s in /proc/%d/status", k, pid)
		}
	}
	return out, nil
}

// resetPeakRSS resets the VmHWM of process pid to its current RSS
// (writing 5 to /proc/<pid>/clear_refs, Linux 4.0 and later).
func resetPeakRSS(pid int) error {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return fmt.Errorf("reset peak rss: %w", err)
	}
	return nil
}

// procCPU returns the CPU time (user and system) process pid has used,
// from /proc/<pid>/stat in clock ticks of 10 ms (USER_HZ is 100 on
// every Linux platform Go supports).
func procCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: count after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, true
}

// settlePID waits until process pid has used under 5% of a core for half
// a second, or at most max, and returns how long it waited (as Settle
// does for this process).
func settlePID(ctx context.Context, pid int, max time.Duration) time.Duration {
	return settleOn(ctx, max, func() (time.Duration, bool) { return procCPU(pid) })
}

// Gauges of a server's /metrics (its Go and process collectors) that say
// where its memory goes.
const (
	gaugeRSS        = "process_resident_memory_bytes"
	gaugeHeapInuse  = "go_memstats_heap_inuse_bytes"
	gaugeStackInuse = "go_memstats_stack_inuse_bytes"
	gaugeGoroutines = "go_goroutines"
)

// metricsRSS reads process_resident_memory_bytes from a server's
// /metrics.
func metricsRSS(ctx context.Context, hc *http.Client, base, adminToken string) (uint64, error) {
	g, err := scrapeGauges(ctx, hc, base, adminToken, gaugeRSS)
	if err != nil {
		return 0, err
	}
	return uint64(g[gaugeRSS]), nil
}

// scrapeGauges reads the named unlabelled gauges from a server's
// /metrics (Prometheus text format); a missing one is an error.
func scrapeGauges(ctx context.Context, hc *http.Client, base, adminToken string, names ...string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read metrics: %s", resp.Status)
	}
	return parseGauges(resp.Body, names...)
}

// parseGauges finds the named unlabelled samples in a Prometheus text
// exposition.
func parseGauges(r io.Reader, names ...string) (map[string]float64, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), " ")
		if !ok || !want[name] {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err != nil {
			return nil, fmt.Errorf("read metrics: %s: %w", name, err)
		}
		out[name] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("read metrics: no %s (the server does not export it)", n)
		}
	}
	return out, nil
}

// rssSampler polls a server's RSS and keeps the largest value seen: the
// peak of a server whose VmHWM cannot be read.
type rssSampler struct {
	mu         sync.Mutex
	peak, last uint64
	err        error
	stopc      chan struct{}
	done       chan struct{}
}

// startRSSSampler calls read at once and then every interval until stop.
func startRSSSampler(interval time.Duration, read func() (uint64, error)) *rssSampler {
	s := &rssSampler{stopc: make(chan struct{}), done: make(chan struct{})}
	sample := func() {
		v, err := read()
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			s.err = err
			return
		}
		s.last, s.peak = v, max(s.peak, v)
	}
	sample()
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stopc:
				sample()
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peak and the last value; err is
// the last failure when no sample succeeded.
func (s *rssSampler) stop() (peak, last uint64, err error) {
	close(s.stopc)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.peak == 0 {
		return 0, 0, s.err
	}
	return s.peak, s.last, nil
}

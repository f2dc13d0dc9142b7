package server

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/offsync/offsync/replication"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics holds the server's Prometheus collectors in its own registry.
// docs/operations.md lists the series.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	rows     prometheus.Counter
	bytesIn  *prometheus.CounterVec
	bytesOut *prometheus.CounterVec
	pulls    *prometheus.CounterVec
	pushes   *prometheus.CounterVec
	resets   prometheus.Counter
	apply    prometheus.Histogram
	applied  prometheus.Counter
	snapshot prometheus.Histogram
}

func newMetrics(r Reader) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "offsync_http_requests_total", Help: "HTTP requests by route and status code.",
	}, []string{"route", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "offsync_http_request_seconds", Help: "HTTP request latency by route.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"route"})
	m.rows = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "offsync_ingested_rows_total", Help: "Rows written through the ingest API.",
	})
	m.bytesIn = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "offsync_http_request_bytes_total", Help: "Request body bytes read, by route (as sent: compressed bodies count compressed).",
	}, []string{"route"})
	m.bytesOut = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "offsync_http_response_bytes_total", Help: "Response body bytes written, by route (as sent).",
	}, []string{"route"})
	m.pulls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "offsync_pulls_total", Help: "Device pulls by outcome: ok, not_modified, retry, busy, refused or error.",
	}, []string{"outcome"})
	m.pushes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "offsync_pushes_total", Help: "Device pushes by outcome: ok, retry, busy, refused or error.",
	}, []string{"outcome"})
	m.resets = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "offsync_pull_resets_total", Help: "Pulls answered with a reset (a full load of the device's view).",
	})
	m.apply = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "offsync_raft_apply_seconds", Help: "Time to apply a group of committed commands to the engine (one transaction).",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18),
	})
	m.applied = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "offsync_raft_applied_commands_total", Help: "Commands applied to the engine from the Raft log.",
	})
	m.snapshot = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "offsync_raft_snapshot_seconds", Help: "Time to take and write a Raft snapshot.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 16),
	})
	appliedVersion := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "offsync_applied_version", Help: "The last version applied by this node.",
	}, func() float64 { return float64(r.Applied()) })
	m.reg.MustRegister(m.requests, m.latency, m.rows, appliedVersion, m.bytesIn, m.bytesOut, m.pulls, m.pushes, m.resets,
		m.apply, m.applied, m.snapshot,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watch registers the series read from s at each scrape: Raft's state,
// Badger's sizes, the caches and the open event streams.
func (m *metrics) watch(s *Server) {
	if o, ok := s.ready.(interface{ SetObserver(replication.Observer) }); ok {
		o.SetObserver(m)
	}
	if sr, ok := s.ready.(statusReporter); ok {
		m.reg.MustRegister(&raftCollector{s: s, sr: sr})
	}
	if sz, ok := s.r.(interface{ Size() (lsm, vlog int64) }); ok {
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "offsync_badger_lsm_bytes", Help: "Bytes of Badger's LSM tree on disk (refreshed by Badger about once a minute)."},
				func() float64 { l, _ := sz.Size(); return float64(l) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "offsync_badger_vlog_bytes", Help: "Bytes of Badger's value log on disk (refreshed by Badger about once a minute)."},
				func() float64 { _, v := sz.Size(); return float64(v) }))
	}
	cache := func(name, help string, f func() uint64, c string) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: prometheus.Labels{"cache": c}},
			func() float64 { return float64(f()) })
	}
	const cacheHitsHelp = "Cache lookups answered from the cache, by cache: snapshot_pages (paged first loads), rules (rows shared by a rule and scope), groups (the shared parts of first loads) or shared_pages (their pages, by id)."
	m.reg.MustRegister(
		cache("offsync_cache_hits_total", cacheHitsHelp, s.snaps.c.hits.Load, "snapshot_pages"),
		cache("offsync_cache_misses_total", "Cache lookups not in the cache, by cache.", s.snaps.c.misses.Load, "snapshot_pages"),
		cache("offsync_cache_hits_total", cacheHitsHelp, s.rules.c.hits.Load, "rules"),
		cache("offsync_cache_misses_total", "Cache lookups not in the cache, by cache.", s.rules.c.misses.Load, "rules"),
		cache("offsync_cache_hits_total", cacheHitsHelp, s.groups.groups.hits.Load, "groups"),
		cache("offsync_cache_misses_total", "Cache lookups not in the cache, by cache.", s.groups.groups.misses.Load, "groups"),
		cache("offsync_cache_hits_total", cacheHitsHelp, s.groups.pages.hits.Load, "shared_pages"),
		cache("offsync_cache_misses_total", "Cache lookups not in the cache, by cache.", s.groups.pages.misses.Load, "shared_pages"),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "offsync_event_streams_open", Help: "Device event streams open on this node."},
			func() float64 { return float64(s.streams.total()) }))
}

// observe records one request: its status, latency and body bytes, and
// the outcome of pulls and pushes.
func (m *metrics) observe(route string, status int, d time.Duration, in, out int64) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
	m.bytesIn.WithLabelValues(route).Add(float64(in))
	m.bytesOut.WithLabelValues(route).Add(float64(out))
	switch {
	case strings.HasSuffix(route, " /v1/sync/pull"):
		m.pulls.WithLabelValues(outcome(status)).Inc()
	case route == "POST /v1/sync/push":
		m.pushes.WithLabelValues(outcome(status)).Inc()
	}
}

// outcome names a device request's status for the pull and push counters.
func outcome(status int) string {
	switch {
	case status == http.StatusNotModified:
		return "not_modified"
	case status < 300:
		return "ok"
	case status == http.StatusServiceUnavailable:
		return "retry"
	case status == http.StatusTooManyRequests:
		return "busy"
	case status < 500:
		return "refused"
	}
	return "error"
}

// ObserveApply implements replication.Observer.
func (m *metrics) ObserveApply(commands int, d time.Duration) {
	m.apply.Observe(d.Seconds())
	m.applied.Add(float64(commands))
}

// ObserveSnapshot implements replication.Observer.
func (m *metrics) ObserveSnapshot(d time.Duration) { m.snapshot.Observe(d.Seconds()) }

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// MetricsHandler serves /metrics without the admin token, for a separate
// listen address (serve --metrics-public).
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	return mux
}

// countingBody counts the bytes read from a request body.
type countingBody struct {
	io.ReadCloser
	n int64
}

// Read implements io.Reader.
func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n += int64(n)
	return n, err
}

// total is the number of streams open on this node.
func (c *streamCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.open {
		n += k
	}
	return n
}

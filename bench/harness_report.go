package bench

import (
	"fmt"
	"time"
)

// The units of the harness's target metrics (shared/benchmarks.md, #7 to
// #9). They are keys of HarnessResult.Metrics and of the JSON results.
const (
	// MetricServeRatioVsStatic is offsync's pulls/s over a plain net/http
	// handler's serving the same bytes to the same client loop (target
	// >= 0.5).
	MetricServeRatioVsStatic = "serve-ratio-vs-static"
	// MetricRSSMiB is the server's peak resident memory in MiB (memory
	// scenario target <= 1024).
	MetricRSSMiB = "rss-mib"
	// MetricFailoverSeconds is the longest time, over the kills of the
	// leader, until writes were accepted again (target <= 1.5, issue 18).
	MetricFailoverSeconds = "failover-s"
	// MetricFailedSyncs counts device syncs that failed after the
	// client's retries (target 0).
	MetricFailedSyncs = "failed-syncs"
	// MetricLostAckedWrites counts acknowledged writes missing afterwards
	// (target 0).
	MetricLostAckedWrites = "lost-acked-writes"
)

// The harness's other metric keys: what the target metrics are made of.
const (
	MetricPullsPerSec       = "pulls/s"
	MetricStaticPullsPerSec = "static-pulls/s"
	MetricNoChangePullsPerS = "nochange-pulls/s"
	MetricNoChangeP50       = "nochange-p50-ms"
	MetricNoChangeP99       = "nochange-p99-ms"
	MetricNoChangeP999      = "nochange-p999-ms"
	MetricNoChangeBytes     = "nochange-bytes"
	MetricDeltaPullsPerSec  = "delta-pulls/s"
	MetricDeltaP50          = "delta-p50-ms"
	MetricDeltaP99          = "delta-p99-ms"
	MetricDeltaP999         = "delta-p999-ms"
	MetricDeltaBytes        = "delta-bytes"
	MetricStaticP50         = "static-p50-ms"
	MetricStaticP99         = "static-p99-ms"
	MetricFirstLoadP50      = "first-load-p50-ms"
	MetricFirstLoadP99      = "first-load-p99-ms"
	MetricFirstLoadBytes    = "first-load-bytes"
	MetricFirstLoadRows     = "first-load-rows"
	// MetricFirstLoadPageBytes is the mean bytes of a first load that
	// came as shared pages (part of MetricFirstLoadBytes);
	// MetricFirstLoadPageShare their share of the first-load bytes.
	MetricFirstLoadPageBytes = "first-load-page-bytes"
	MetricFirstLoadPageShare = "first-load-page-share"
	// MetricPageFetches counts the shared pages the first loads fetched,
	// MetricDistinctPages the distinct ones among them, and
	// MetricPageSharing is fetches over distinct pages.
	MetricPageFetches        = "first-load-page-fetches"
	MetricDistinctPages      = "first-load-distinct-pages"
	MetricPageSharing        = "first-load-page-sharing"
	MetricDeltaRatioVsJSON   = "delta-ratio-vs-json-gzip"
	MetricIngestRowsPerSec   = "ingest-rows/s"
	MetricPushPerSec         = "push-mutations/s"
	MetricPushP99            = "push-p99-ms"
	MetricLoadRowsPerSec     = "load-rows/s"
	MetricLoadRSSMiB         = "load-rss-mib"
	MetricStreams            = "streams"
	MetricStreamEvents       = "stream-events"
	MetricRSSMiBBeforeStream = "rss-mib-before-streams"
	// MetricRSSMiBWithStreams is the largest RSS sampled while the
	// streams were open; MetricGoroutinesWithStreams and
	// MetricHeapMiBWithStreams the server's goroutines and Go heap in
	// use once they were.
	MetricRSSMiBWithStreams     = "rss-mib-with-streams"
	MetricGoroutinesWithStreams = "goroutines-with-streams"
	MetricHeapMiBWithStreams    = "heap-inuse-mib-with-streams"
	MetricPullErrors            = "pull-errors"
	MetricResetPulls            = "reset-pulls"
)

// ServeMetrics are the Metrics keys a serve run always writes.
var ServeMetrics = []string{
	MetricServeRatioVsStatic, MetricPullsPerSec, MetricStaticPullsPerSec,
	MetricNoChangePullsPerS, MetricNoChangeP50, MetricNoChangeP99, MetricNoChangeP999, MetricNoChangeBytes,
	MetricDeltaPullsPerSec, MetricDeltaP50, MetricDeltaP99, MetricDeltaP999, MetricDeltaBytes,
	MetricStaticP50, MetricStaticP99,
	MetricFirstLoadP50, MetricFirstLoadP99, MetricFirstLoadBytes, MetricFirstLoadRows,
	MetricFirstLoadPageBytes, MetricFirstLoadPageShare, MetricPageFetches, MetricDistinctPages, MetricPageSharing,
	MetricRatioVsJSONGzip, MetricDeltaRatioVsJSON,
	MetricIngestRowsPerSec, MetricPushPerSec, MetricPushP99, MetricPullErrors, MetricResetPulls,
	MetricLoadRowsPerSec, MetricRSSMiB, MetricLoadRSSMiB,
}

// MemoryMetrics are the Metrics keys a memory run always writes.
var MemoryMetrics = []string{MetricRSSMiB, MetricRSSMiBBeforeStream, MetricRSSMiBWithStreams, MetricStreams, MetricStreamEvents, MetricLoadRowsPerSec, MetricLoadRSSMiB}

// FailoverMetrics are the Metrics keys a failover run always writes.
var FailoverMetrics = []string{MetricFailoverSeconds, MetricFailedSyncs, MetricLostAckedWrites}

// HarnessResult is what RunHarness measured, as written to JSON.
type HarnessResult struct {
	Scenario string `json:"scenario"`
	// Metrics holds every number under its metric name.
	Metrics map[string]float64 `json:"metrics"`
	// Targets checks the scenario's target metrics.
	Targets []TargetCheck `json:"targets"`
	Machine Machine       `json:"machine"`
	Dataset DatasetInfo   `json:"dataset"`
	Run     RunInfo       `json:"run"`
	// Serve, Memory and Failover are the details of their scenario.
	Serve    *ServeDetail    `json:"serve,omitempty"`
	Memory   *MemoryDetail   `json:"memory,omitempty"`
	Failover *FailoverResult `json:"failover,omitempty"`
	// Notes say what the numbers do not: shared tokens, skipped steps.
	Notes   []string `json:"notes,omitempty"`
	Started string   `json:"started"`
	Elapsed string   `json:"elapsed"`
}

// DatasetInfo says which CRM-N dataset was served.
type DatasetInfo struct {
	Size string `json:"size"`
	// Kind is dataset.KindNoisy for CRM-noisy, empty for CRM-N.
	Kind          string `json:"kind,omitempty"`
	Rows          int    `json:"rows"`
	Seed          int64  `json:"seed"`
	Users         int    `json:"users"`
	BusinessUnits int    `json:"businessUnits"`
	// Loaded is false when the server already held it.
	Loaded     bool    `json:"loaded"`
	LoadSecs   float64 `json:"loadSeconds,omitempty"`
	SettleSecs float64 `json:"settleSeconds,omitempty"`
}

// RunInfo echoes the load the run put on the server.
type RunInfo struct {
	// Server is how the server ran: "child", "in-process" or "remote";
	// RSSSource where its RSS was read.
	Server    string `json:"server"`
	RSSSource string `json:"rssSource"`
	Devices   int    `json:"devices"`
	Users     int    `json:"users"`
	// Profiles counts the devices by their user's offline profile.
	Profiles   map[string]int `json:"profiles,omitempty"`
	Duration   float64        `json:"durationSeconds"`
	PushRate   int            `json:"pushRate"`
	IngestRate int            `json:"ingestRate"`
	Streams    int            `json:"streams,omitempty"`
}

// TargetCheck compares a metric with its target.
type TargetCheck struct {
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	Target string  `json:"target"`
	Met    bool    `json:"met"`
}

// newHarnessResult starts the result of a run of c.
func newHarnessResult(c HarnessConfig) *HarnessResult {
	r := &HarnessResult{Scenario: c.Scenario, Metrics: map[string]float64{}, Machine: ReadMachine(),
		Started: time.Now().UTC().Format(time.RFC3339)}
	r.Run = RunInfo{Devices: c.Devices, Duration: c.Duration.Seconds(), PushRate: c.PushRate, IngestRate: c.IngestRate}
	if c.Scenario == ScenarioMemory {
		r.Run.Streams = c.Streams
	}
	return r
}

// note adds a note.
func (r *HarnessResult) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// targets are the targets of shared/benchmarks.md, by scenario.
var targets = map[string][]struct {
	metric string
	atMost bool
	limit  float64
}{
	ScenarioServe:    {{MetricServeRatioVsStatic, false, 0.5}},
	ScenarioMemory:   {{MetricRSSMiB, true, 1024}},
	ScenarioFailover: {{MetricFailoverSeconds, true, 1.5}, {MetricFailedSyncs, true, 0}, {MetricLostAckedWrites, true, 0}},
}

// checkTargets fills Targets from Metrics.
func (r *HarnessResult) checkTargets() {
	r.Targets = nil
	for _, t := range targets[r.Scenario] {
		v, ok := r.Metrics[t.metric]
		if !ok {
			continue
		}
		tc := TargetCheck{Metric: t.metric, Value: v}
		if t.atMost {
			tc.Target, tc.Met = fmt.Sprintf("<= %g", t.limit), v <= t.limit
		} else {
			tc.Target, tc.Met = fmt.Sprintf(">= %g", t.limit), v >= t.limit
		}
		r.Targets = append(r.Targets, tc)
	}
}

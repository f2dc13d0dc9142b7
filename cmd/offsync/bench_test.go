package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/bench"
	"github.com/offsync/offsync/dataset"
)

// runBenchServe runs `offsync bench` in-process on 2,000 rows with 5
// devices for 2 s, with the extra flags, and returns its table and its
// JSON results.
func runBenchServe(t *testing.T, extra ...string) (string, bench.HarnessResult) {
	t.Helper()
	if testing.Short() {
		t.Skip("loads a dataset and runs devices for seconds")
	}
	t.Setenv("OFFSYNC_ADMIN_TOKEN", "")
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"bench", "--in-process", "--rows", "2000", "--devices", "5", "--duration", "2s",
		"--settle", "3s", "--dir", filepath.Join(dir, "scratch"), "--out", out}, extra...)
	stdout, err := run(t, ctx, args...)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r bench.HarnessResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("results: %v\n%s", err, b)
	}
	return stdout, r
}

// TestBenchServeWritesEveryMetric runs `offsync bench` in-process on a
// tiny dataset (the server in this process) and checks that the JSON
// results hold every serve metric, with values that show the run did
// what it says: devices pulled, first loads brought rows, ingest and
// pushes went through, and the baselines were measured.
func TestBenchServeWritesEveryMetric(t *testing.T) {
	stdout, r := runBenchServe(t, "--push-rate", "20", "--ingest-rate", "100")
	for _, want := range []string{"serve-ratio-vs-static", "no-change", "static", "machine"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the table has no %q:\n%s", want, stdout)
		}
	}
	for _, k := range bench.ServeMetrics {
		if _, ok := r.Metrics[k]; !ok {
			t.Errorf("metrics: no %q", k)
		}
	}
	positive := []string{
		bench.MetricServeRatioVsStatic, bench.MetricPullsPerSec, bench.MetricStaticPullsPerSec,
		bench.MetricNoChangePullsPerS, bench.MetricNoChangeP50, bench.MetricNoChangeBytes,
		bench.MetricFirstLoadP50, bench.MetricFirstLoadBytes, bench.MetricFirstLoadRows,
		bench.MetricRatioVsJSONGzip, bench.MetricIngestRowsPerSec, bench.MetricPushPerSec,
		bench.MetricLoadRowsPerSec, bench.MetricRSSMiB,
	}
	for _, k := range positive {
		if v := r.Metrics[k]; !(v > 0) {
			t.Errorf("metrics[%q] = %v, want > 0", k, v)
		}
	}
	if v := r.Metrics[bench.MetricPullErrors]; v != 0 {
		t.Errorf("pull errors = %v (%s)", v, r.Serve.FirstPullError)
	}
	if r.Scenario != bench.ScenarioServe || r.Dataset.Rows != 2000 || !r.Dataset.Loaded || r.Run.Devices != 5 || r.Run.Server != "in-process" {
		t.Errorf("scenario %q, dataset %+v, run %+v", r.Scenario, r.Dataset, r.Run)
	}
	if r.Machine.Cores < 1 || r.Machine.GoVersion == "" || r.Machine.Commit == "" {
		t.Errorf("machine = %+v", r.Machine)
	}
	if len(r.Targets) != 1 || r.Targets[0].Metric != bench.MetricServeRatioVsStatic {
		t.Errorf("targets = %+v", r.Targets)
	}
	s := r.Serve
	if s == nil || s.FirstLoad.Latency.Count != 5 || s.StaticAnswers == 0 || s.Ingest.Failed != 0 || s.Push.Failed != 0 {
		t.Fatalf("serve detail = %+v", s)
	}
	// The devices ask for shared pages and fetch them, as real devices
	// do: the five Field Sales users of the demo org share their
	// business unit's pages, so the first loads fetched the same pages
	// more than once, and part of their bytes and rows came as pages.
	fl := s.FirstLoad
	t.Logf("first loads: %d rows and %.0f B each; pages: %d fetches of %d distinct, %d B, %d rows", int(fl.MeanRows), fl.Latency.MeanBytes, fl.PageFetches, fl.DistinctPages, fl.PageBytes, fl.PageRows)
	if fl.PageFetches == 0 || fl.DistinctPages == 0 || fl.PageFetches <= fl.DistinctPages || fl.SharingRatio <= 1 {
		t.Errorf("first loads fetched %d pages, %d distinct (sharing %v): want shared pages fetched by several devices", fl.PageFetches, fl.DistinctPages, fl.SharingRatio)
	}
	if fl.PageBytes <= 0 || fl.PageBytes >= fl.Latency.Bytes || fl.PageRows <= 0 || float64(fl.PageRows) >= fl.MeanRows*5 || !(fl.PageByteShare > 0 && fl.PageByteShare < 1) {
		t.Errorf("first loads: %d of %d bytes and %d of %v rows came as pages (share %v)", fl.PageBytes, fl.Latency.Bytes, fl.PageRows, fl.MeanRows*5, fl.PageByteShare)
	}
	for _, k := range []string{bench.MetricFirstLoadPageBytes, bench.MetricFirstLoadPageShare, bench.MetricPageFetches, bench.MetricDistinctPages, bench.MetricPageSharing} {
		if v := r.Metrics[k]; !(v > 0) {
			t.Errorf("metrics[%q] = %v, want > 0", k, v)
		}
	}
	if r.Metrics[bench.MetricPageFetches] != float64(fl.PageFetches) || !strings.Contains(stdout, "shared pages") {
		t.Errorf("metrics[%q] = %v, detail %d; table:\n%s", bench.MetricPageFetches, r.Metrics[bench.MetricPageFetches], fl.PageFetches, stdout)
	}
}

// TestBenchServeNoisy runs the serve scenario in-process on CRM-noisy
// (--dataset noisy): the result names the dataset, first loads brought
// rows, and the first-load and delta byte ratios were measured on it.
func TestBenchServeNoisy(t *testing.T) {
	stdout, r := runBenchServe(t, "--dataset", "noisy", "--push-rate", "20")
	if !strings.Contains(stdout, "CRM-noisy") {
		t.Errorf("the table does not name CRM-noisy:\n%s", stdout)
	}
	if r.Dataset.Kind != dataset.KindNoisy || !r.Dataset.Loaded || r.Dataset.Rows != 2000 {
		t.Errorf("dataset %+v, want CRM-noisy loaded", r.Dataset)
	}
	for _, k := range []string{bench.MetricRatioVsJSONGzip, bench.MetricFirstLoadBytes, bench.MetricFirstLoadRows} {
		if v := r.Metrics[k]; !(v > 0) {
			t.Errorf("metrics[%q] = %v, want > 0", k, v)
		}
	}
	if v := r.Metrics[bench.MetricPullErrors]; v != 0 {
		t.Errorf("pull errors = %v (%s)", v, r.Serve.FirstPullError)
	}
	if r.Run.IngestRate != 0 {
		t.Errorf("ingest rate %d, want 0 by default on CRM-noisy", r.Run.IngestRate)
	}
}

// TestBenchFlagErrors checks that bad flags fail before anything runs,
// naming what is wrong.
func TestBenchFlagErrors(t *testing.T) {
	t.Setenv("OFFSYNC_ADMIN_TOKEN", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--server", "http://127.0.0.1:1"}, "AdminToken"},
		{[]string{"--scenario", "nope"}, "Scenario"},
		{[]string{"--rows", "10", "--in-process"}, "Rows"},
		{[]string{"--devices", "0", "--in-process"}, "Devices"},
		{[]string{"--dataset", "nope", "--in-process"}, "--dataset"},
		{[]string{"--dataset", "noisy", "--ingest-rate", "10", "--in-process"}, "IngestRate"},
		{[]string{"--dataset", "noisy", "--scenario", "failover"}, "Kind"},
	} {
		_, err := run(t, context.Background(), append([]string{"bench", "--dir", t.TempDir()}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("bench %v: %v, want an error naming %s", tc.args, err, tc.want)
		}
	}
}

// TestBenchMemoryWithStreams runs the memory scenario in-process with a
// few streams and checks that they opened, received events, and that
// the server's gauges were read.
func TestBenchMemoryWithStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a dataset and holds streams for seconds")
	}
	t.Setenv("OFFSYNC_ADMIN_TOKEN", "")
	dir := t.TempDir()
	out := filepath.Join(dir, "m.json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stdout, err := run(t, ctx, "bench", "--scenario", "memory", "--in-process", "--rows", "2000", "--streams", "60", "--devices", "2",
		"--duration", "2s", "--ingest-rate", "100", "--settle", "3s", "--dir", filepath.Join(dir, "scratch"), "--out", out)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r bench.HarnessResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range bench.MemoryMetrics {
		if _, ok := r.Metrics[k]; !ok {
			t.Errorf("metrics: no %q", k)
		}
	}
	m := r.Metrics
	if m[bench.MetricStreams] != 60 || !(m[bench.MetricStreamEvents] > 0) || !(m[bench.MetricRSSMiB] > 0) || !(m[bench.MetricGoroutinesWithStreams] >= 60) {
		t.Errorf("metrics = %v", m)
	}
	if r.Memory == nil || r.Memory.Tokens != 60 || len(r.Memory.Gauges) != 3 || len(r.Targets) != 1 || r.Targets[0].Metric != bench.MetricRSSMiB {
		t.Errorf("memory = %+v, targets = %+v", r.Memory, r.Targets)
	}
	if !strings.Contains(strings.Join(r.Notes, "\n"), "each with its own token, for 25 users") {
		t.Errorf("notes = %q", r.Notes)
	}
}

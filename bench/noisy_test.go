package bench

import (
	"context"
	"errors"
	"testing"

	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// BenchmarkSnapshotBytesNoisy is BenchmarkSnapshotBytes on CRM-noisy
// (random ids, pseudo-word text, uniform numbers and dates): a Field Sales
// user's first load on the wire against JSON+gzip(6) of the same rows,
// built in the same run, as ratio-vs-json-gzip (target <= 0.7).
func BenchmarkSnapshotBytesNoisy(b *testing.B) {
	c := DefaultSyncConfig(b.TempDir())
	c.Size, c.Kind = benchSyncSize(), dataset.KindNoisy
	var last SnapshotBytesResult
	for i := 0; i < b.N; i++ {
		r, err := RunSnapshotBytes(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		last = r
	}
	b.Logf("CRM-noisy size %s: %d rows in %d pages: wire %d B, JSON %d B, JSON+gzip(6) %d B", last.Size, last.Rows, last.Pulls, last.WireBytes, last.JSONBytes, last.JSONGzipBytes)
	b.ReportMetric(float64(last.WireBytes), "wire-bytes")
	b.ReportMetric(float64(last.JSONGzipBytes), "json-gzip-bytes")
	b.ReportMetric(last.RatioVsJSONGzip, MetricRatioVsJSONGzip)
}

// BenchmarkDeltaBytesNoisy is BenchmarkDeltaBytes on CRM-noisy: a
// 100-change delta pull on the wire against JSON+gzip(6) of the same
// changed rows, as ratio-vs-json-gzip.
func BenchmarkDeltaBytesNoisy(b *testing.B) {
	c := DefaultSyncConfig(b.TempDir())
	c.Size, c.Kind = benchSyncSize(), dataset.KindNoisy
	var last DeltaBytesResult
	for i := 0; i < b.N; i++ {
		r, err := RunDeltaBytes(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		last = r
	}
	b.Logf("CRM-noisy size %s: %d changes: wire %d B, JSON %d B, JSON+gzip(6) %d B", last.Size, last.Upserts, last.WireBytes, last.JSONBytes, last.JSONGzipBytes)
	b.ReportMetric(float64(last.WireBytes), "wire-bytes")
	b.ReportMetric(float64(last.JSONGzipBytes), "json-gzip-bytes")
	b.ReportMetric(last.RatioVsJSONGzip, MetricRatioVsJSONGzip)
}

// TestSyncRunsNoisyDemo runs the byte measurements on a demo-sized
// CRM-noisy dataset, loaded through SyncConfig.Kind: it must load, serve
// a first load and a delta, and yield a ratio; and its rows must be
// CRM-noisy's, not CRM-N's.
func TestSyncRunsNoisyDemo(t *testing.T) {
	ctx := context.Background()
	c := DefaultSyncConfig(t.TempDir())
	c.Size, c.Kind = dataset.SizeDemo, dataset.KindNoisy
	ds, done, err := c.dataset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if ds.Config.Kind != dataset.KindNoisy {
		t.Fatalf("loaded kind %q", ds.Config.Kind)
	}
	if _, err := ds.Engine.Get("account", dataset.RowID(ds.Config.Seed, "account", 0)); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("looking up CRM-N's first account: %v, want not found", err)
	}
	c.Dataset = ds
	s, err := RunSnapshotBytes(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Rows < DefaultChanges || s.WireBytes <= 0 || s.JSONBytes <= s.JSONGzipBytes || s.RatioVsJSONGzip <= 0 {
		t.Fatalf("snapshot result = %+v", s)
	}
	d, err := RunDeltaBytes(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if d.Upserts != DefaultChanges || d.WireBytes <= 0 || d.RatioVsJSONGzip <= 0 {
		t.Fatalf("delta result = %+v", d)
	}
	t.Logf("CRM-noisy demo: first load ratio %.3f, delta ratio %.3f", s.RatioVsJSONGzip, d.RatioVsJSONGzip)
}

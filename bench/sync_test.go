package bench

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/offsync/offsync/dataset"
)

// benchSyncSize is the dataset size of BenchmarkSnapshotBytes,
// BenchmarkSnapshotCached and BenchmarkDeltaBytes: OFFSYNC_BENCH_SIZE, or
// small.
func benchSyncSize() string {
	if s := os.Getenv("OFFSYNC_BENCH_SIZE"); s != "" {
		return s
	}
	return dataset.SizeSmall
}

// BenchmarkSnapshotBytes reports a Field Sales user's first load on the
// wire against JSON+gzip(6) of the same rows, as ratio-vs-json-gzip
// (target <= 0.6).
func BenchmarkSnapshotBytes(b *testing.B) {
	c := DefaultSyncConfig(b.TempDir())
	c.Size = benchSyncSize()
	var last SnapshotBytesResult
	for i := 0; i < b.N; i++ {
		r, err := RunSnapshotBytes(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		last = r
	}
	b.Logf("size %s: %d rows in %d pages: wire %d B, JSON %d B, JSON+gzip(6) %d B", last.Size, last.Rows, last.Pulls, last.WireBytes, last.JSONBytes, last.JSONGzipBytes)
	b.ReportMetric(float64(last.WireBytes), "wire-bytes")
	b.ReportMetric(float64(last.JSONGzipBytes), "json-gzip-bytes")
	b.ReportMetric(last.RatioVsJSONGzip, MetricRatioVsJSONGzip)
}

// BenchmarkSnapshotCached reports a warm first load (a second user of the
// same profile and business unit) against a cold one, as
// ratio-warm-vs-cold (target <= 0.1). The ratio is of HTTP fetches
// without local writes; the Go client's whole syncs are reported beside.
func BenchmarkSnapshotCached(b *testing.B) {
	c := DefaultSyncConfig(b.TempDir())
	c.Size = benchSyncSize()
	var last SnapshotCachedResult
	for i := 0; i < b.N; i++ {
		r, err := RunSnapshotCached(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		last = r
	}
	b.Logf("size %s: views of %d and %d rows; fetch cold %v warm %v; device sync cold %v warm %v",
		last.Size, last.Rows[0], last.Rows[1], last.ColdFetch, last.WarmFetch, last.ColdSync, last.WarmSync)
	b.ReportMetric(ms(last.ColdFetch), "cold-ms")
	b.ReportMetric(ms(last.WarmFetch), "warm-ms")
	b.ReportMetric(ms(last.ColdSync), "cold-sync-ms")
	b.ReportMetric(ms(last.WarmSync), "warm-sync-ms")
	b.ReportMetric(last.RatioWarmVsColdSync, "ratio-warm-vs-cold-sync")
	b.ReportMetric(last.RatioWarmVsCold, MetricRatioWarmVsCold)
}

// BenchmarkDeltaScaling reports a 100-change delta pull (Go client
// Device.Sync over HTTP) at the large size against the small size, as
// ratio-large-vs-small (target <= 1.5). OFFSYNC_BENCH_LARGE=0 compares
// medium instead of large.
func BenchmarkDeltaScaling(b *testing.B) {
	c := DefaultDeltaScalingConfig(b.TempDir())
	if os.Getenv("OFFSYNC_BENCH_LARGE") == "0" {
		c.LargeSize = dataset.SizeMedium
	}
	b.Logf("comparing %s against %s", c.LargeSize, c.SmallSize)
	var last DeltaScalingResult
	for i := 0; i < b.N; i++ {
		r, err := RunDeltaScaling(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		last = r
	}
	for _, t := range []DeltaTiming{last.Small, last.Large} {
		b.Logf("size %s (%d rows loaded in %v, settled in %v; view %d rows): %d upserts, %d wire bytes; device sync %v, fetch %v, engine.Pull %v",
			t.Size, t.Rows, t.LoadTime.Round(time.Millisecond), t.SettleTime.Round(time.Millisecond), t.ViewRows, t.Upserts, t.WireBytes, t.Sync, t.Fetch, t.Engine)
	}
	b.ReportMetric(ms(last.Small.Sync), "small-ms")
	b.ReportMetric(ms(last.Large.Sync), "large-ms")
	b.ReportMetric(ms(last.Small.Engine), "small-engine-ms")
	b.ReportMetric(ms(last.Large.Engine), "large-engine-ms")
	b.ReportMetric(last.RatioFetch, "ratio-large-vs-small-fetch")
	b.ReportMetric(last.RatioEngine, "ratio-large-vs-small-engine")
	b.ReportMetric(last.RatioLargeVsSmall, MetricRatioLargeVsSmall)
}

// BenchmarkDeltaBytes reports a 100-change delta pull on the wire against
// JSON+gzip(6) of the same changed rows, as ratio-vs-json-gzip (target <=
// 0.8).
func BenchmarkDeltaBytes(b *testing.B) {
	c := DefaultSyncConfig(b.TempDir())
	c.Size = benchSyncSize()
	var last DeltaBytesResult
	for i := 0; i < b.N; i++ {
		r, err := RunDeltaBytes(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		last = r
	}
	b.Logf("size %s: %d changes: wire %d B, JSON %d B, JSON+gzip(6) %d B", last.Size, last.Upserts, last.WireBytes, last.JSONBytes, last.JSONGzipBytes)
	b.ReportMetric(float64(last.WireBytes), "wire-bytes")
	b.ReportMetric(float64(last.JSONGzipBytes), "json-gzip-bytes")
	b.ReportMetric(last.RatioVsJSONGzip, MetricRatioVsJSONGzip)
}

// TestSyncRunsDemo smoke-tests the loader and every device-sync Run
// function on one demo-sized dataset (about 3,000 rows).
func TestSyncRunsDemo(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ds, err := LoadDataset(ctx, DefaultLoadConfig(dir, dataset.SizeDemo))
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if ds.Rows != ds.Config.Rows() || ds.Rows < 1000 {
		t.Fatalf("loaded %d rows, want %d", ds.Rows, ds.Config.Rows())
	}
	a, b, err := ds.FieldSalesPair()
	if err != nil || a.ID == b.ID || a.BusinessUnit != b.BusinessUnit {
		t.Fatalf("FieldSalesPair = %s (%s), %s (%s), %v", a.ID, a.BusinessUnit, b.ID, b.BusinessUnit, err)
	}
	c := DefaultSyncConfig(dir)
	c.Dataset, c.Rounds = ds, 2

	t.Run("SnapshotBytes", func(t *testing.T) {
		r, err := RunSnapshotBytes(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if r.Rows < DefaultChanges || r.WireBytes <= 0 || r.JSONGzipBytes <= 0 || r.JSONBytes <= r.JSONGzipBytes || r.RatioVsJSONGzip <= 0 {
			t.Fatalf("result = %+v", r)
		}
	})
	t.Run("SnapshotCached", func(t *testing.T) {
		r, err := RunSnapshotCached(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if r.Rows[0] <= 0 || r.Rows[1] <= 0 || r.ColdFetch <= 0 || r.WarmSync <= 0 || r.RatioWarmVsCold <= 0 || r.RatioWarmVsColdSync <= 0 {
			t.Fatalf("result = %+v", r)
		}
	})
	t.Run("DeltaBytes", func(t *testing.T) {
		r, err := RunDeltaBytes(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if r.Changes != DefaultChanges || r.Upserts != DefaultChanges || r.WireBytes <= 0 || r.JSONGzipBytes <= 0 || r.RatioVsJSONGzip <= 0 {
			t.Fatalf("result = %+v", r)
		}
	})
	t.Run("DeltaScaling", func(t *testing.T) {
		dc := DefaultDeltaScalingConfig(dir)
		dc.Small, dc.Large, dc.Rounds = ds, ds, 2
		r, err := RunDeltaScaling(ctx, dc)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []DeltaTiming{r.Small, r.Large} {
			if d.Upserts != DefaultChanges || d.ViewRows < DefaultChanges || d.WireBytes <= 0 || d.Sync <= 0 || d.Fetch <= 0 || d.Engine <= 0 {
				t.Fatalf("timing = %+v", d)
			}
		}
		if r.RatioLargeVsSmall <= 0 || r.RatioFetch <= 0 || r.RatioEngine <= 0 {
			t.Fatalf("result = %+v", r)
		}
	})
}

func TestSyncConfigsValidate(t *testing.T) {
	dir := t.TempDir()
	bad := []func() error{
		func() error { c := DefaultSyncConfig(""); return c.Validate() },
		func() error { c := DefaultSyncConfig(dir); c.Size = "huge"; return c.Validate() },
		func() error { c := DefaultSyncConfig(dir); c.Changes = 0; return c.Validate() },
		func() error { c := DefaultSyncConfig(dir); c.Rounds = 0; return c.Validate() },
		func() error { c := DefaultDeltaScalingConfig(dir); c.LargeSize = ""; return c.Validate() },
		func() error { c := DefaultLoadConfig(dir, dataset.SizeSmall); c.BatchSize = 6000; return c.Validate() },
	}
	for i, f := range bad {
		if f() == nil {
			t.Errorf("bad config %d validated", i)
		}
	}
	if err := DefaultSyncConfig(dir).Validate(); err != nil {
		t.Error(err)
	}
	if err := DefaultDeltaScalingConfig(dir).Validate(); err != nil {
		t.Error(err)
	}
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

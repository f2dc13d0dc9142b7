package bench

import (
	"context"
	"testing"
)

// BenchmarkIngest reports rows/s through Raft and engine.Apply against raw
// Badger WriteBatch of the same rows, as ratio-vs-badger (target >= 0.5),
// and the ceiling's (Raft into a one-key FSM) as ceiling-ratio-vs-badger.
func BenchmarkIngest(b *testing.B) {
	var last IngestResult
	for i := 0; i < b.N; i++ {
		r, err := RunIngest(context.Background(), DefaultIngestConfig(b.TempDir()))
		if err != nil {
			b.Fatal(err)
		}
		last = r
	}
	b.ReportMetric(last.RowsPerSec, "rows/s")
	b.ReportMetric(last.BadgerRowsPerSec, "badger-rows/s")
	b.ReportMetric(last.RatioVsBadger, MetricRatioVsBadger)
	b.ReportMetric(last.CeilingRowsPerSec, "ceiling-rows/s")
	b.ReportMetric(last.CeilingVsBadger, MetricCeilingVsBadger)
	b.ReportMetric(float64(last.CeilingCPUPerRow.Nanoseconds())/1e3, "ceiling-cpu-us/row")
	b.ReportMetric(float64(last.CPUPerRow.Nanoseconds())/1e3, "cpu-us/row")
	b.ReportMetric(float64(last.BadgerCPUPerRow.Nanoseconds())/1e3, "badger-cpu-us/row")
}

func TestRunIngestSmall(t *testing.T) {
	c := DefaultIngestConfig(t.TempDir())
	c.Rows, c.BatchSize, c.Writers = 600, 100, 3
	r, err := RunIngest(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rows != 600 || r.RowsPerSec <= 0 || r.BadgerRowsPerSec <= 0 || r.RatioVsBadger <= 0 || r.CeilingRowsPerSec <= 0 || r.CeilingVsBadger <= 0 {
		t.Fatalf("result = %+v", r)
	}
}

package bench

import (
	"context"
	"testing"
)

// BenchmarkReplicatedIngest reports rows/s through a 3-node loopback
// cluster against a single node under the same concurrent load, as
// ratio-vs-single (target >= 0.6), and the same with every node's FSM
// the one-key FSM of BenchmarkIngest's ceiling, as ceiling-ratio-vs-single.
func BenchmarkReplicatedIngest(b *testing.B) {
	var last ReplicatedResult
	for i := 0; i < b.N; i++ {
		r, err := RunReplicatedIngest(context.Background(), DefaultReplicatedConfig(b.TempDir()))
		if err != nil {
			b.Fatal(err)
		}
		last = r
	}
	b.Logf("%d rows: 1 node %.0f rows/s on %.2f cores, %d nodes %.0f rows/s on %.2f cores; followers caught up %v after the last acknowledgement",
		last.Rows, last.SingleRowsPerSec, last.SingleCores, last.Nodes, last.ClusterRowsPerSec, last.ClusterCores, last.FollowerLag)
	b.ReportMetric(last.SingleRowsPerSec, "single-rows/s")
	b.ReportMetric(last.ClusterRowsPerSec, "cluster-rows/s")
	b.ReportMetric(last.SingleCores, "single-cores")
	b.ReportMetric(last.ClusterCores, "cluster-cores")
	b.ReportMetric(last.RatioVsSingle, MetricRatioVsSingle)
	b.ReportMetric(last.CPUVsSingle, "cpu-vs-single")
	b.ReportMetric(last.CeilingSingleRowsPerSec, "ceiling-single-rows/s")
	b.ReportMetric(last.CeilingClusterRowsPerSec, "ceiling-cluster-rows/s")
	b.ReportMetric(last.CeilingRatioVsSingle, MetricCeilingVsSingle)
}

func TestRunReplicatedIngestSmall(t *testing.T) {
	c := DefaultReplicatedConfig(t.TempDir())
	c.Rows, c.BatchSize, c.Writers = 600, 100, 3
	r, err := RunReplicatedIngest(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rows != 600 || r.Nodes != 3 || r.SingleRowsPerSec <= 0 || r.ClusterRowsPerSec <= 0 || r.RatioVsSingle <= 0 ||
		r.CeilingSingleRowsPerSec <= 0 || r.CeilingClusterRowsPerSec <= 0 || r.CeilingRatioVsSingle <= 0 {
		t.Fatalf("result = %+v", r)
	}
	c.Nodes = 1
	if err := c.Validate(); err == nil {
		t.Fatal("a 1-node cluster was accepted")
	}
}

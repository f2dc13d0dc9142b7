package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/offsync/offsync/dataset"
)

// BenchmarkDeviceDecode reports the Go device's first load of a Field
// Sales user (CRM-small unless OFFSYNC_BENCH_SIZE), decoded and applied
// from recorded answers, against the same rows decoded from JSON in the
// same run and applied the same way, as ratio-vs-json-decode (target >=
// 2); ratio-decode-only compares the decoding alone.
// OFFSYNC_BENCH_DECODE_PROFILE=dir writes a CPU profile of each of the
// device's decode+apply rounds there (DecodeConfig.ProfileDir); OFFSYNC_BENCH_DECODE_ROUNDS sets how many rounds
// (more make a profile with more samples).
func BenchmarkDeviceDecode(b *testing.B) {
	c := DefaultDecodeConfig(b.TempDir())
	c.Size = benchSyncSize()
	if s := os.Getenv("OFFSYNC_BENCH_DECODE_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("OFFSYNC_BENCH_DECODE_ROUNDS: %v", err)
		}
		c.Rounds = n
	}
	c.ProfileDir = os.Getenv("OFFSYNC_BENCH_DECODE_PROFILE")
	var last DecodeResult
	for i := 0; i < b.N; i++ {
		r, err := RunDeviceDecode(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		last = r
	}
	b.Logf("size %s: %d rows in %d pages (wire %d B, JSON+gzip %d B): wire decode %v, decode+apply %v (apply %v); JSON decode %v, decode+apply %v",
		last.Size, last.Rows, last.Pages, last.WireBytes, last.JSONGzipBytes, last.WireDecode, last.WireSync, last.Apply, last.JSONDecode, last.JSONSync)
	b.ReportMetric(last.WireSyncRowsPerSec, "rows/s")
	b.ReportMetric(last.JSONSyncRowsPerSec, "json-rows/s")
	b.ReportMetric(last.WireDecodeRowsPerSec, "decode-rows/s")
	b.ReportMetric(last.JSONDecodeRowsPerSec, "json-decode-rows/s")
	b.ReportMetric(last.RatioDecodeOnly, "ratio-decode-only")
	b.ReportMetric(last.RatioVsJSONDecode, MetricRatioVsJSONDecode)
}

// TestDeviceDecodeDemo runs RunDeviceDecode on the demo size and checks
// that what it reports is consistent: every row decoded on both sides,
// the JSON side charged the same apply, the ratios computed from the
// times. It asserts no target.
func TestDeviceDecodeDemo(t *testing.T) {
	c := DefaultDecodeConfig(t.TempDir())
	c.Size, c.Rounds = dataset.SizeDemo, 2
	c.ProfileDir = t.TempDir()
	r, err := RunDeviceDecode(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", r)
	if r.Rows < 100 || r.Pages < 1 || r.WireBytes <= 0 || r.JSONGzipBytes <= 0 {
		t.Fatalf("result = %+v", r)
	}
	if r.WireDecode <= 0 || r.WireSync <= 0 || r.JSONDecode <= 0 {
		t.Fatalf("times: %+v", r)
	}
	if r.Apply != max(r.WireSync-r.WireDecode, 0) || r.JSONSync != r.JSONDecode+r.Apply {
		t.Fatalf("apply not charged alike: %+v", r)
	}
	if got, want := r.RatioVsJSONDecode, float64(r.JSONSync)/float64(r.WireSync); got != want {
		t.Fatalf("ratio-vs-json-decode %v, want %v", got, want)
	}
	if got, want := r.RatioDecodeOnly, float64(r.JSONDecode)/float64(r.WireDecode); got != want {
		t.Fatalf("ratio-decode-only %v, want %v", got, want)
	}
	for i := range c.Rounds {
		if st, err := os.Stat(filepath.Join(c.ProfileDir, fmt.Sprintf("device-sync-%03d.pprof", i))); err != nil || st.Size() == 0 {
			t.Errorf("round %d: no CPU profile written (%v)", i, err)
		}
	}
}

func TestDecodeConfigValidate(t *testing.T) {
	dir := t.TempDir()
	bad := []func(*DecodeConfig){
		func(c *DecodeConfig) { c.Dir = "" },
		func(c *DecodeConfig) { c.Size = "huge" },
		func(c *DecodeConfig) { c.Kind = "crm-x" },
		func(c *DecodeConfig) { c.Rounds = 0 },
	}
	for i, edit := range bad {
		c := DefaultDecodeConfig(dir)
		edit(&c)
		if c.Validate() == nil {
			t.Errorf("bad config %d validated", i)
		}
	}
	if err := DefaultDecodeConfig(dir).Validate(); err != nil {
		t.Error(err)
	}
}

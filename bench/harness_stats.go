package bench

import (
	"math"
	"slices"
	"time"
)

// Latency summarizes a set of request latencies and sizes: how many, how
// fast, and how big. Times are milliseconds, sizes bytes.
type Latency struct {
	// Count is how many requests were measured; PerSec is Count over the
	// measured window.
	Count  int     `json:"count"`
	PerSec float64 `json:"perSec"`
	// P50, P99 and P999 are nearest-rank percentiles; Max is the slowest.
	P50  float64 `json:"p50Ms"`
	P99  float64 `json:"p99Ms"`
	P999 float64 `json:"p999Ms"`
	Max  float64 `json:"maxMs"`
	// MeanBytes is the mean body size as received (compressed); Bytes the
	// total.
	MeanBytes float64 `json:"meanBytes"`
	Bytes     int64   `json:"bytes"`
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted: the smallest value with at least p% of the values at or below
// it. It returns 0 for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// The epsilon keeps float error from rounding an exact rank up
	// (99.9% of 1000 is 999, not 999.0000000000001).
	rank := int(math.Ceil(p/100*float64(len(sorted)) - 1e-9))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// samples collects the latency and size of each request of one class.
// It is not safe for concurrent use: each goroutine keeps its own and
// they are merged at the end.
type samples struct {
	lat   []time.Duration
	bytes int64
}

// add records one request.
func (s *samples) add(d time.Duration, n int64) {
	s.lat = append(s.lat, d)
	s.bytes += n
}

// merge appends o's requests to s.
func (s *samples) merge(o *samples) {
	s.lat = append(s.lat, o.lat...)
	s.bytes += o.bytes
}

// summarize returns the Latency of s over a window of the given length.
func (s *samples) summarize(window time.Duration) Latency {
	l := Latency{Count: len(s.lat), Bytes: s.bytes}
	if l.Count == 0 {
		return l
	}
	sorted := slices.Clone(s.lat)
	slices.Sort(sorted)
	l.P50 = millis(Percentile(sorted, 50))
	l.P99 = millis(Percentile(sorted, 99))
	l.P999 = millis(Percentile(sorted, 99.9))
	l.Max = millis(sorted[len(sorted)-1])
	l.MeanBytes = float64(s.bytes) / float64(l.Count)
	l.PerSec = ratio(float64(l.Count), window.Seconds())
	return l
}

// millis converts a duration to float milliseconds.
func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ratio returns a/b, or 0 when b is not positive (JSON has no NaN or
// infinity).
func ratio(a, b float64) float64 {
	if b <= 0 || math.IsNaN(a) || math.IsInf(a, 0) {
		return 0
	}
	return a / b
}

// mib converts bytes to MiB.
func mib(b uint64) float64 { return float64(b) / (1 << 20) }

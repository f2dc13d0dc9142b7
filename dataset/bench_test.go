package dataset

import (
	"testing"

	"github.com/offsync/offsync/codec"
)

// BenchmarkGenerateSmall generates the small size (10k rows) per iteration
// and reports rows/s.
func BenchmarkGenerateSmall(b *testing.B) {
	c := mustConfig(b, SizeSmall)
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		err := Generate(c, 1000, func(batch []codec.Record) error {
			rows += len(batch)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

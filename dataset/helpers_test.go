package dataset

import (
	"testing"

	"github.com/offsync/offsync/codec"
)

// collect generates c in full and returns every record.
func collect(t testing.TB, c Config, batchSize int) []codec.Record {
	t.Helper()
	out := make([]codec.Record, 0, c.Rows())
	err := Generate(c, batchSize, func(b []codec.Record) error {
		out = append(out, b...)
		return nil
	})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return out
}

// mustConfig returns ConfigFor(size) or fails the test.
func mustConfig(t testing.TB, size string) Config {
	t.Helper()
	c, err := ConfigFor(size)
	if err != nil {
		t.Fatalf("ConfigFor(%q): %v", size, err)
	}
	return c
}

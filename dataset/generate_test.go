package dataset

import (
	"errors"
	"reflect"
	"testing"

	"github.com/offsync/offsync/codec"
)

func TestGenerateDeterministic(t *testing.T) {
	c := mustConfig(t, SizeDemo)
	a := collect(t, c, 500)
	b := collect(t, c, 77) // batching must not change the rows
	if len(a) != c.Rows() {
		t.Fatalf("%d records, want %d", len(a), c.Rows())
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same config gave different records")
	}
	c.Seed = 2
	d := collect(t, c, 500)
	same := 0
	for i := range a {
		if a[i].ID == d[i].ID || reflect.DeepEqual(a[i].Attrs, d[i].Attrs) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("seeds 1 and 2 share %d of %d records", same, len(a))
	}
}

func TestGenerateBatches(t *testing.T) {
	c := mustConfig(t, SizeDemo)
	var batches [][]codec.Record
	var copies [][]codec.Record
	err := Generate(c, 1000, func(b []codec.Record) error {
		if len(b) == 0 || len(b) > 1000 {
			t.Errorf("batch of %d", len(b))
		}
		batches = append(batches, b)
		copies = append(copies, append([]codec.Record(nil), b...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 3 {
		t.Errorf("%d batches, want 3", len(batches))
	}
	if !reflect.DeepEqual(batches, copies) {
		t.Error("Generate reused a batch slice after emitting it")
	}
	order := []string{"account", "contact", "opportunity", "task"}
	pos := 0
	for _, b := range batches {
		for _, r := range b {
			for order[pos] != r.Entity {
				if pos++; pos == len(order) {
					t.Fatalf("record of %s out of order", r.Entity)
				}
			}
			if r.Op != codec.OpUpsert {
				t.Fatalf("op %q, want upsert", r.Op)
			}
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	c := mustConfig(t, SizeDemo)
	boom := errors.New("boom")
	calls := 0
	err := Generate(c, 100, func([]codec.Record) error { calls++; return boom })
	if !errors.Is(err, boom) || calls != 1 {
		t.Errorf("Generate = %v after %d calls, want boom after 1", err, calls)
	}
	if err := Generate(c, 0, func([]codec.Record) error { return nil }); err == nil {
		t.Error("batchSize 0 accepted")
	}
	c.Tasks = 0
	if err := Generate(c, 10, func([]codec.Record) error { return nil }); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("invalid config: %v", err)
	}
}

// TestGenerateLargeFirstBatch checks that the large size starts at once:
// nothing is precomputed per row.
func TestGenerateLargeFirstBatch(t *testing.T) {
	c := mustConfig(t, SizeLarge)
	var first []codec.Record
	err := Generate(c, 2000, func(b []codec.Record) error {
		first = b
		return ErrStop
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2000 || first[0].Entity != "account" || first[0].ID != RowID(c.Seed, "account", 0) {
		t.Fatalf("first batch: %d records, first %+v", len(first), first[0])
	}
	// The primary contact of account 0 is contact 0, whose parent is account 0.
	if id, ok := first[0].Attrs["primarycontactid"]; ok && id != nil && id != RowID(c.Seed, "contact", 0) {
		t.Errorf("account 0's primary contact %v is not contact 0", id)
	}
}

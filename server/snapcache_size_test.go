package server

import (
	"runtime"
	"testing"

	"github.com/offsync/offsync/engine"
)

// TestRowBytesEstimatesDecodedRows: the caches' bound counts rowBytes a
// row, so rowBytes must be near the heap a first load's decoded rows
// hold (within a factor of two), or SnapshotCacheBytes bounds nothing.
func TestRowBytesEstimatesDecodedRows(t *testing.T) {
	ts, e := newDemoServerWith(t, nil)
	_, user := fieldSalesToken(t, ts)
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	res, err := e.Pull(user, nil, 1_700_000_000_000, engine.PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after := heap()
	rows := 0
	for _, d := range res.Entities {
		rows += len(d.Upserts)
	}
	runtime.KeepAlive(res)
	if rows < 100 {
		t.Fatalf("the first load holds %d rows", rows)
	}
	per := (int64(after) - int64(before)) / int64(rows)
	t.Logf("%d rows, %d B of heap each; rowBytes %d", rows, per, rowBytes)
	if rowBytes < per/2 || rowBytes > per*2 {
		t.Fatalf("rowBytes is %d, but a decoded row holds %d B", rowBytes, per)
	}
}

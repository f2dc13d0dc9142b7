//go:build unix

package engine_test

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// BenchmarkEngineIngest applies BenchmarkIngest's rows (20,000 CRM rows in
// commands of 250) straight to the engine with ApplyPipelined, 16
// commands a call, without Raft: the engine's own cost of a row. It
// reports rows/s, the allocations a row, the process CPU time a row (cpu-us/row: Badger's
// background work included, steadier than rows/s on a shared machine) and
// the keys the database holds a row, by prefix.
func BenchmarkEngineIngest(b *testing.B) {
	const rows, size, perCall = 20_000, 250, 16
	dc, err := dataset.ConfigFor(dataset.SizeSmall)
	if err != nil {
		b.Fatal(err)
	}
	sch, err := dataset.Schema()
	if err != nil {
		b.Fatal(err)
	}
	org, err := dataset.Org(dc)
	if err != nil {
		b.Fatal(err)
	}
	if rows > dc.Rows() {
		scale := (rows + dc.Rows() - 1) / dc.Rows()
		dc.Accounts, dc.Contacts, dc.Opportunities, dc.Tasks = dc.Accounts*scale, dc.Contacts*scale, dc.Opportunities*scale, dc.Tasks*scale
	}
	var batches [][]codec.Record
	n := 0
	err = dataset.Generate(dc, size, func(recs []codec.Record) error {
		if n+len(recs) > rows {
			recs = recs[:rows-n]
		}
		batches = append(batches, recs)
		n += len(recs)
		if n >= rows {
			return dataset.ErrStop
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var cpu time.Duration
	var allocs uint64
	var ms runtime.MemStats
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e, err := engine.Open(engine.DefaultConfig(b.TempDir()))
		if err != nil {
			b.Fatal(err)
		}
		v := uint64(0)
		for _, cmd := range []*engine.Command{{Kind: engine.KindSetSchemaDraft, Schema: &sch}, {Kind: engine.KindPublishSchema}, {Kind: engine.KindPutOrg, Org: &org}} {
			v++
			if res, err := e.Apply(v, cmd); err != nil || res.Err != nil {
				b.Fatal(err, res)
			}
		}
		cpu0 := processCPU(b)
		runtime.ReadMemStats(&ms)
		allocs -= ms.Mallocs
		b.StartTimer()
		for j := 0; j < len(batches); j += perCall {
			var entries []engine.Entry
			for _, recs := range batches[j:min(j+perCall, len(batches))] {
				v++
				entries = append(entries, engine.Entry{Version: v, Cmd: &engine.Command{Kind: engine.KindIngest, Now: 1_700_000_000_000, Records: recs}})
			}
			res, err := e.ApplyPipelined(entries)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
		}
		if err := e.Drain(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += processCPU(b) - cpu0
		runtime.ReadMemStats(&ms)
		allocs += ms.Mallocs
		if i == b.N-1 {
			keys, kb, vb := engine.KeyCounts(e)
			var names []string
			all := 0
			for p, c := range keys {
				names = append(names, p)
				all += c
			}
			sort.Strings(names)
			var kAll, vAll int64
			for _, p := range names {
				kAll += kb[p]
				vAll += vb[p]
				if testing.Verbose() {
					fmt.Fprintf(os.Stderr, "%-3s keys/row %.3f key-bytes/row %.1f value-bytes/row %.1f\n", p, float64(keys[p])/rows, float64(kb[p])/rows, float64(vb[p])/rows)
				}
			}
			b.ReportMetric(float64(all)/rows, "keys/row")
			if testing.Verbose() {
				fmt.Fprintf(os.Stderr, "all keys/row %.3f key-bytes/row %.1f value-bytes/row %.1f\n", float64(all)/rows, float64(kAll)/rows, float64(vAll)/rows)
			}
		}
		e.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(rows*b.N), "cpu-us/row")
	b.ReportMetric(float64(allocs)/float64(rows*b.N), "allocs/row")
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

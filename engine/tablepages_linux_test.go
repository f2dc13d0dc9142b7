package engine

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// mappedRSS sums the Rss of this process's mappings of files in dir
// whose names end in suffix, from /proc/self/smaps, in bytes.
func mappedRSS(t *testing.T, dir, suffix string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	var total int64
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":"):
			in = len(f) == 6 && strings.HasSuffix(f[5], suffix) && filepath.Dir(f[5]) == dir
		case in && len(f) >= 2 && f[0] == "Rss:":
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			total += kb << 10
		}
	}
	return total
}

// mapAndRead writes size bytes of a repeated pattern to path, maps the
// file and reads every page through the mapping.
func mapAndRead(t *testing.T, path string, size int) []byte {
	t.Helper()
	want := bytes.Repeat([]byte("offsync!"), size/8)
	if err := os.WriteFile(path, want, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(m) })
	var sum int
	for i := 0; i < size; i += 4096 {
		sum += int(m[i])
	}
	if sum != size/4096*'o' { // and the reads are not optimized away
		t.Fatalf("read %d through the mapping", sum)
	}
	return m
}

// realTempDir is t.TempDir() as the kernel names it in /proc/self/maps.
func realTempDir(t *testing.T) string {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPageOutTablesDropsTablePagesOnly: the resident pages of mapped
// table files leave the process's memory, and read the same bytes
// after; other mapped files of the directory (the value log) stay.
func TestPageOutTablesDropsTablePagesOnly(t *testing.T) {
	dir := realTempDir(t)
	const size = 8 << 20
	sst := mapAndRead(t, filepath.Join(dir, "000001.sst"), size)
	mapAndRead(t, filepath.Join(dir, "000001.vlog"), size)
	before, vlog := mappedRSS(t, dir, ".sst"), mappedRSS(t, dir, ".vlog")
	if before < size/2 || vlog < size/2 {
		t.Skipf("the mappings hold %d and %d bytes resident after reading them: cannot tell", before, vlog)
	}
	n, err := pageOutTables(dir)
	if errors.Is(err, syscall.EINVAL) {
		t.Skipf("this kernel has no MADV_PAGEOUT: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	if n != size {
		t.Fatalf("paged out %d bytes of mappings, want %d", n, size)
	}
	if after := mappedRSS(t, dir, ".sst"); after > before/4 {
		t.Fatalf("the table holds %d bytes resident after the page-out, %d before", after, before)
	}
	if after := mappedRSS(t, dir, ".vlog"); after < vlog/2 {
		t.Fatalf("the value log went from %d to %d resident bytes: only tables are paged out", vlog, after)
	}
	if !bytes.Equal(sst, bytes.Repeat([]byte("offsync!"), size/8)) {
		t.Fatal("the table reads other bytes after the page-out")
	}
}

// TestTablePagerPagesOutPastItsBudget: tables read past the budget are
// paged out at the next check, and only then; what stays resident after
// a page-out (here a value log) does not start one at every check.
func TestTablePagerPagesOutPastItsBudget(t *testing.T) {
	dir := realTempDir(t)
	const budget = 4 << 20
	floor, err := residentFileBytes()
	if err != nil {
		t.Fatal(err)
	}
	p := &tablePager{dir: dir, budget: budget, floor: floor, log: slog.Default()}
	mapAndRead(t, filepath.Join(dir, "000001.vlog"), 2*budget)
	paged, err := p.check()
	if errors.Is(err, syscall.EINVAL) {
		t.Skipf("this kernel has no MADV_PAGEOUT: %v", err)
	} else if err != nil || !paged {
		t.Fatalf("check past the budget: paged %v, %v", paged, err)
	}
	mapAndRead(t, filepath.Join(dir, "000001.sst"), budget/2)
	if paged, err := p.check(); err != nil || paged {
		t.Fatalf("check at half the budget of tables past the value log: paged %v, %v", paged, err)
	}
	if rss := mappedRSS(t, dir, ".sst"); rss < budget/4 {
		t.Skipf("the table holds %d bytes resident after reading it: cannot tell", rss)
	}
	mapAndRead(t, filepath.Join(dir, "000002.sst"), 4*budget)
	if paged, err := p.check(); err != nil || !paged {
		t.Fatalf("check past the budget of tables: paged %v, %v", paged, err)
	}
	if rss := mappedRSS(t, dir, ".sst"); rss > budget/2 {
		t.Fatalf("the tables hold %d bytes resident after the check, budget %d", rss, budget)
	}
	if rss := mappedRSS(t, dir, ".vlog"); rss < budget {
		t.Fatalf("the value log holds %d bytes resident: only tables are paged out", rss)
	}
	if paged, err := p.check(); err != nil || paged {
		t.Fatalf("check right after a page-out, the value log still resident: paged %v, %v", paged, err)
	}
}

// TestEngineKeepsItsTablesUnderMappedTableBytes: an engine whose reads
// touch more of its tables than MappedTableBytes holds at most about
// that much of them resident a poll later; with 0 they stay.
func TestEngineKeepsItsTablesUnderMappedTableBytes(t *testing.T) {
	const budget = 2 << 20
	for _, limit := range []int64{0, budget} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			dir := realTempDir(t)
			cfg := DefaultConfig(dir)
			cfg.MemTableSize, cfg.BlockCacheSize, cfg.MappedTableBytes = 8<<20, 1<<20, limit
			e, err := Open(cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { e.Close() })
			writeKeys(t, e, 24<<20)
			// Read every value: the tables' pages come in through the maps.
			rows := readKeys(t, e)
			deadline := time.Now().Add(5 * time.Second)
			rss := mappedRSS(t, dir, ".sst")
			for limit > 0 && rss > 2*budget && time.Now().Before(deadline) {
				time.Sleep(tablePagesPoll)
				rss = mappedRSS(t, dir, ".sst")
			}
			t.Logf("MappedTableBytes %d: %d keys read, tables resident %d KiB", limit, rows, rss>>10)
			switch {
			case limit == 0 && rss < 4*budget:
				t.Skipf("reading the tables left only %d KiB resident: cannot tell", rss>>10)
			case limit > 0 && rss > 2*budget:
				t.Fatalf("the tables hold %d KiB resident with MappedTableBytes %d KiB", rss>>10, limit>>10)
			}
		})
	}
}

// writeKeys writes about n bytes of incompressible values straight to
// e's Badger, in batches that fill several memtables, and waits for the
// memtables to be flushed to tables.
func writeKeys(t *testing.T, e *Engine, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	val := make([]byte, 1024)
	wb := e.db.NewWriteBatch()
	for i := 0; i < n/len(val); i++ {
		for j := range val {
			val[j] = byte(rng.Uint32())
		}
		if err := wb.Set([]byte(fmt.Sprintf("t/%08d", i)), bytes.Clone(val)); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	// Reopening flushes what the memtables hold to tables.
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := badger.Open(badger.DefaultOptions(e.cfg.Dir).WithMemTableSize(e.cfg.MemTableSize).WithBlockCacheSize(e.cfg.BlockCacheSize).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	e.db = db
}

// readKeys reads every key and value of e's Badger and counts them.
func readKeys(t *testing.T, e *Engine) int {
	t.Helper()
	var n int
	err := e.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := it.Item().Value(func([]byte) error { return nil }); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

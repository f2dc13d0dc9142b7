package engine

import (
	"log/slog"
	"path/filepath"
	"time"
)

// Badger v4 reads its tables (*.sst) only through memory maps, so every
// table page a read touches stays in the process's resident memory
// (VmRSS) until the kernel needs the memory back: a first load that
// scans a large view leaves hundreds of MiB of clean file pages
// resident (about 400 MiB in the memory scenario of docs/benchmarks.md,
// where the table files are 1 GB). With Config.MappedTableBytes the
// engine watches its file-backed resident memory and, once it has grown
// by more than that since the last page-out, asks the kernel to reclaim
// this process's pages of the table files (Linux: madvise MADV_PAGEOUT,
// as replication does for raft.db after a replay). They are clean, so
// the kernel drops them; a later read faults them in again. The
// advice is safe on any memory (a range the kernel remapped meanwhile
// loses nothing: anonymous pages are only swapped out, if at all).

// tablePagesPoll is how often the engine reads its file-backed resident
// memory (one small read of /proc/self/statm).
const tablePagesPoll = 250 * time.Millisecond

// tablePager pages Badger's tables out of the process's memory when its
// file-backed resident memory passes floor + budget. floor is what
// stayed resident after the last page-out (the binary, the Raft log's
// pages, the memtables' files), or the least seen since, so that pages
// it cannot reclaim do not start a page-out at every poll.
type tablePager struct {
	dir    string
	budget int64
	floor  int64
	log    *slog.Logger
	stop   chan struct{}
	done   chan struct{}
}

// startTablePager starts paging out the tables of dir (see above); it
// returns nil when budget is 0 or the platform cannot tell its
// file-backed memory.
func startTablePager(dir string, budget int64, log *slog.Logger) *tablePager {
	if budget <= 0 {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs) // the kernel names mappings by their real path
	}
	if err != nil {
		log.Warn("table page-out off", "err", err)
		return nil
	}
	floor, err := residentFileBytes()
	if err != nil {
		log.Debug("table page-out off", "err", err)
		return nil
	}
	p := &tablePager{dir: abs, budget: budget, floor: floor, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *tablePager) run() {
	defer close(p.done)
	t := time.NewTicker(tablePagesPoll)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		if _, err := p.check(); err != nil {
			p.log.Warn("table page-out off", "err", err)
			return
		}
	}
}

// check pages the tables out when the file-backed resident memory is
// past floor + budget, and says whether it did.
func (p *tablePager) check() (bool, error) {
	cur, err := residentFileBytes()
	if err != nil {
		return false, err
	}
	p.floor = min(p.floor, cur)
	if cur <= p.floor+p.budget {
		return false, nil
	}
	mapped, err := pageOutTables(p.dir)
	if err != nil {
		return false, err
	}
	after, err := residentFileBytes()
	if err != nil {
		return true, err
	}
	p.floor = after
	p.log.Debug("paged out table pages", "resident_before", cur, "resident_after", after, "mapped_bytes", mapped)
	return true, nil
}

// close stops the pager; nil is a no-op.
func (p *tablePager) close() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.done
}

package replication

import (
	"path/filepath"
	"time"
)

// Raft replays the log since its last snapshot when a node starts: it
// reads every entry once to find configuration changes, and again to
// hand it to the FSM (which skips what the engine holds already). The
// entries are read through bbolt's memory map of raft.db, so after the
// replay this process keeps every page of them resident (about 150 MiB
// at CRM-large: docs/benchmarks.md, memory scenario), though nothing
// reads them again unless a follower needs them. With
// Config.LogPageOut, once Raft has applied the log as it was at the
// start, the node asks the kernel to reclaim the file's pages
// from its memory (Linux: madvise MADV_PAGEOUT; they are clean, so the
// kernel drops them, and a later read faults them in again).

// logPageOutPoll is how often the node checks whether the replay is
// done.
const logPageOutPoll = 100 * time.Millisecond

// pageOutReplayedLog waits until Raft has applied through last (the
// log's last index at the start; a no-op or configuration entry is not
// the engine's), then pages raft.db out of this
// process's memory. It ends early when the node closes.
func (n *Node) pageOutReplayedLog(last uint64) {
	t := time.NewTicker(logPageOutPoll)
	defer t.Stop()
	for n.raft.AppliedIndex() < last {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
	}
	path, err := filepath.Abs(filepath.Join(n.cfg.Dir, logStoreFile))
	if err == nil {
		var bytes int64
		bytes, err = pageOutFile(path)
		if err == nil {
			n.log.Debug("paged out the replayed raft log", "mapped_bytes", bytes)
			return
		}
	}
	n.log.Debug("could not page out the replayed raft log", "err", err)
}

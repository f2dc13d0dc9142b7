package replication

import "github.com/offsync/offsync/engine"

// applyPartRecords bounds the records of one engine.ApplyPipelined call
// that FSM.ApplyBatch makes. Raft hands the FSM every entry committed
// together, which under concurrent writers is all of them (16 ingests of
// 250 rows in BenchmarkIngest): applied as one pipelined batch, the
// engine computed all of them on one core, handed Badger one commit and
// returned, and no writer could propose again until that commit was
// visible (Propose waits for it), so Badger's writes and the engine's
// work never overlapped. Applied in parts, Badger writes each part while
// the next is computed. ApplyPipelined gives the same state however the
// commands are grouped, so the parts change no replica's bytes.
//
// Measured (BenchmarkIngest, 2 cores, alternating): one batch 10.7-11.9k
// rows/s; parts of 1,000 records 15.5-16.9k; 500 18.1k; 250 17.9k.
const applyPartRecords = 500

// applyParts splits entries, in order, into runs of at most
// applyPartRecords records; a command with more records is a part of its
// own, and a run of commands without records (admin commands) stays in
// the part it falls in.
func applyParts(entries []engine.Entry) [][]engine.Entry {
	var parts [][]engine.Entry
	from, n := 0, 0
	for i, en := range entries {
		r := len(en.Cmd.Records)
		if i > from && n+r > applyPartRecords {
			parts = append(parts, entries[from:i])
			from, n = i, 0
		}
		n += r
	}
	return append(parts, entries[from:])
}

package server

import (
	"github.com/offsync/offsync/engine"
)

// The no-change answer. Most pulls of a device that syncs often find
// nothing new; their answer is the versions and the new cursor, at most
// 64 bytes of msgpack (sent uncompressed: zstd would only add its frame).
// An entity with nothing to apply is left out of the answer: its rows on
// the device are still those of the cursor's view, unchanged since, and
// its window cutoff is sent only when moving it from the cursor's time
// to the answer's drops some row the device may hold (a row of the
// entity whose modifiedon lies between the two cutoffs). Without it the
// device would need nothing else: its due time is syncIntervalMinutes
// (metadata) from now.

// quietWire is a pull answer with nothing to apply, on the msgpack wire:
// the keys of codec.PullResponse, with e, more and reset absent.
type quietWire struct {
	Version         uint64 `msgpack:"v"`
	MetadataVersion uint64 `msgpack:"mv"`
	Cursor          string `msgpack:"c"`
}

// agedOutReader tells whether a window cutoff moved over some row
// (engine.Engine).
type agedOutReader interface {
	RowsAgedOut(entity string, from, to int64) (bool, error)
}

// dropIdle leaves out of res the entities with nothing to apply, when
// res is a delta from the cursor old under the same access context: no
// row of theirs changed, and their cutoff (if any) drops nothing the
// device may hold. It changes nothing when it cannot tell.
func (s *Server) dropIdle(old *engine.Cursor, res *engine.PullResult, last bool) {
	ar, ok := s.r.(agedOutReader)
	if !ok || old == nil || !last || res.Reset || old.Context != res.Cursor.Context {
		return
	}
	moved := res.Cursor.Time - old.Time // the cutoffs moved by as much
	kept := res.Entities[:0]            // this answer's own: filtered in place
	for _, d := range res.Entities {
		idle := len(d.Upserts)+len(d.Patches)+len(d.Removals) == 0
		if idle && d.Cutoff != 0 && moved > 0 {
			aged, err := ar.RowsAgedOut(d.Entity, d.Cutoff-moved, d.Cutoff)
			idle = err == nil && !aged
		}
		if !idle {
			kept = append(kept, d)
		}
	}
	res.Entities = kept
}

// wireAnswer is the msgpack form of a pull answer: the compact
// no-change answer when there is nothing to apply.
func wireAnswer(sch *engine.Schema, res *engine.PullResult, cursor string, more bool) any {
	if len(res.Entities) == 0 && !res.Reset && !more {
		return &quietWire{Version: res.Version, MetadataVersion: res.MetadataVersion, Cursor: cursor}
	}
	return toWire(sch, res, cursor, more)
}

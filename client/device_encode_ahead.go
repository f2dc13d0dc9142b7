package client

import (
	"sync"

	"github.com/offsync/offsync/codec"
)

// A shared page fetched ahead (device_ahead.go) is also encoded ahead:
// its upserts are turned into the store's row encoding (appendWireRow) in
// the goroutine that fetched it, so that applying it is left with
// Badger's writes. Measured on BenchmarkDeviceDecode, encoding was about
// a third of the CPU of applying CRM-small's 277-row page
// (docs/benchmarks.md).
//
// The page is handed over as soon as it is decoded, and its rows are
// encoded while they are written: the writer takes each row once it is
// encoded (encodedRows.row), waiting for it when the encoding is behind,
// so that on a first load, whose writer usually waits for the page, the
// encoding and Badger's writes overlap instead of following each other.
//
// Only what does not depend on the store is done ahead: each row's value
// and its id and modifiedon, not its keys (the generation is not known
// yet) nor any read. A row that cannot be encoded this way (an entity
// with two columns of one name, or a value the encoding refuses) is left
// to the ordinary path, and so are the entity's rows after it: the
// ordinary path reports the same error it always did.

// encodedRow is one upsert encoded ahead.
type encodedRow struct {
	id  [16]byte
	mod int64
	v   []byte
}

// encodedRows is a pull answer's upserts encoded ahead: by entity, in the
// answer's order, each entity's rows in order, filled in as they are
// encoded (encode).
type encodedRows struct {
	refs []string
	// hook, when set, runs before each batch of rows is encoded (tests).
	hook func()

	mu   sync.Mutex
	cond sync.Cond // broadcast when rows are added or an entity is over
	// entities holds each entity's rows encoded so far; over says that
	// no more of an entity's rows will be (all are, or the rest are left
	// to the ordinary path).
	entities [][]encodedRow
	over     []bool
}

// encodeBatch is how many rows are encoded before the writer is told.
const encodeBatch = 16

// newEncodedRows returns res's encodedRows, none encoded yet; nil when
// res's refs are not GUIDs (the ordinary path reports that).
func newEncodedRows(res codec.PullResponse) *encodedRows {
	refs, err := guidRefs(res.Refs)
	if err != nil {
		return nil
	}
	e := &encodedRows{refs: refs, entities: make([][]encodedRow, len(res.Entities)), over: make([]bool, len(res.Entities))}
	e.cond.L = &e.mu
	return e
}

// refsOf returns the answer's refs as GUID strings, nil when e is nil.
func (e *encodedRows) refsOf() []string {
	if e == nil {
		return nil
	}
	return e.refs
}

// encode encodes res's upserts into e, entity by entity, a batch of rows
// at a time, then marks each entity over.
func (e *encodedRows) encode(res codec.PullResponse) {
	var slab, enc []byte
	for i, ec := range res.Entities {
		cols := newWireCols(ec.Columns)
		batch := make([]encodedRow, 0, min(len(ec.Rows), encodeBatch))
		flush := func(over bool) {
			e.mu.Lock()
			if e.entities[i] == nil {
				e.entities[i] = make([]encodedRow, 0, len(ec.Rows))
			}
			e.entities[i] = append(e.entities[i], batch...)
			e.over[i] = over
			e.cond.Broadcast()
			e.mu.Unlock()
			batch = batch[:0]
		}
		if cols.dup {
			flush(true)
			continue
		}
		for _, w := range ec.Rows {
			if len(batch) == 0 && e.hook != nil {
				e.hook()
			}
			h, err := decodeWireHead(w, len(cols.names), e.refs)
			if err == nil {
				enc, err = appendWireRow(enc[:0], &h, w, &cols)
			}
			if err != nil {
				break // this row and the rest: the ordinary path
			}
			if len(enc) > cap(slab)-len(slab) {
				slab = make([]byte, 0, max(slabSize, len(enc)))
			}
			n := len(slab)
			slab = append(slab, enc...)
			batch = append(batch, encodedRow{id: h.id, mod: h.modifiedOn, v: slab[n:len(slab):len(slab)]})
			if len(batch) == encodeBatch {
				flush(false)
			}
		}
		flush(true)
	}
}

// row returns the answer's entity ei's row i encoded ahead, waiting
// while it is being encoded; false when it will not be (e nil, or the
// row, or one before it, was left to the ordinary path).
func (e *encodedRows) row(ei, i int) (encodedRow, bool) {
	if e == nil || ei >= len(e.entities) {
		return encodedRow{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i >= len(e.entities[ei]) && !e.over[ei] {
		e.cond.Wait()
	}
	if i >= len(e.entities[ei]) {
		return encodedRow{}, false
	}
	return e.entities[ei][i], true
}

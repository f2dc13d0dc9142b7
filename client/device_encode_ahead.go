package client

import "github.com/offsync/offsync/codec"

// A shared page fetched ahead (device_ahead.go) is also encoded ahead:
// its upserts are turned into the store's row encoding (appendWireRow) in
// the goroutine that fetched it, while the answer or page before it is
// written, so that applying it is left with Badger's writes alone.
// Measured on BenchmarkDeviceDecode, encoding was about a third of the
// CPU of applying CRM-small's 277-row page (docs/benchmarks.md).
//
// Only what does not depend on the store is done ahead: each row's value
// and its id and modifiedon, not its keys (the generation is not known
// yet) nor any read. A row that cannot be encoded this way (an entity
// with two columns of one name, or a value the encoding refuses) is left
// to the ordinary path, which reports the same error it always did.

// encodedRow is one upsert encoded ahead.
type encodedRow struct {
	id  [16]byte
	mod int64
	v   []byte
}

// encodedRows is a pull answer's upserts encoded ahead: by entity, in the
// answer's order, each entity's rows in order. An entity whose slice is
// nil (or shorter than its rows) is encoded when written.
type encodedRows struct {
	refs     []string
	entities [][]encodedRow
}

// rows returns the encoded rows of the answer's entity i, or nil.
func (e *encodedRows) rows(i, n int) []encodedRow {
	if e == nil || i >= len(e.entities) || len(e.entities[i]) != n {
		return nil
	}
	return e.entities[i]
}

// refsOf returns the answer's refs as GUID strings, nil when e is nil.
func (e *encodedRows) refsOf() []string {
	if e == nil {
		return nil
	}
	return e.refs
}

// encodeAhead encodes res's upserts; it returns nil when res has none
// or its refs are not GUIDs (the ordinary path reports that).
func encodeAhead(res codec.PullResponse) *encodedRows {
	refs := make([]string, len(res.Refs))
	for i, b := range res.Refs {
		var err error
		if refs[i], err = codec.GUIDString(b); err != nil {
			return nil
		}
	}
	e := &encodedRows{refs: refs, entities: make([][]encodedRow, len(res.Entities))}
	var slab, enc []byte
	for i, ec := range res.Entities {
		if len(ec.Rows) == 0 {
			continue
		}
		cols := newWireCols(ec.Columns)
		if cols.dup {
			continue
		}
		out := make([]encodedRow, 0, len(ec.Rows))
		for _, w := range ec.Rows {
			h, err := decodeWireHead(w, len(cols.names), refs)
			if err != nil {
				break
			}
			if enc, err = appendWireRow(enc[:0], &h, w, &cols); err != nil {
				break
			}
			if len(enc) > cap(slab)-len(slab) {
				slab = make([]byte, 0, max(slabSize, len(enc)))
			}
			n := len(slab)
			slab = append(slab, enc...)
			out = append(out, encodedRow{id: h.id, mod: h.modifiedOn, v: slab[n:len(slab):len(slab)]})
		}
		if len(out) == len(ec.Rows) {
			e.entities[i] = out
		}
	}
	return e
}

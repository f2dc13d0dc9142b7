package codec

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// EntityChanges' msgpack codec: a map of the keys its struct tags name,
// with Rows and Patches as columnar blocks (columnar.go) in `u` and `p`.
// It is registered for the type, so it runs wherever msgpack meets an
// EntityChanges.

func init() {
	msgpack.Register(EntityChanges{}, encodeEntityValue, decodeEntityValue)
}

func encodeEntityValue(e *msgpack.Encoder, v reflect.Value) error {
	if v.CanAddr() {
		return encodeEntity(e, v.Addr().Interface().(*EntityChanges))
	}
	ec := v.Interface().(EntityChanges)
	return encodeEntity(e, &ec)
}

func decodeEntityValue(d *msgpack.Decoder, v reflect.Value) error {
	if !v.CanAddr() {
		return fmt.Errorf("decode entity changes: non-addressable %s", v.Type())
	}
	return decodeEntity(d, v.Addr().Interface().(*EntityChanges))
}

// blockBufs pools the scratch space of the blocks while encoding.
var blockBufs = sync.Pool{New: func() any { return new(blockBuf) }}

// blockBuf holds an entity's two blocks and their cuts.
type blockBuf struct {
	b            []byte
	uCuts, pCuts []int
}

func encodeEntity(e *msgpack.Encoder, ec *EntityChanges) error {
	bb := blockBufs.Get().(*blockBuf)
	defer func() {
		if cap(bb.b) <= maxPooledBuffer {
			blockBufs.Put(bb)
		}
	}()
	bb.b, bb.uCuts, bb.pCuts = bb.b[:0], bb.uCuts[:0], bb.pCuts[:0]
	var u, p []byte
	uCuts, pCuts := &bb.uCuts, &bb.pCuts
	cb, _ := e.Writer().(*cutBuffer)
	derive := cb != nil && cb.derive
	var err error
	if len(ec.Rows) > 0 {
		if bb.b, err = appendColumnsDerive(bb.b, ec.Rows, systemColumns+len(ec.Columns), uCuts, derive); err != nil {
			return fmt.Errorf("encode %s upserts: %w", ec.Entity, err)
		}
		u = bb.b
	}
	if len(ec.Patches) > 0 {
		from := len(bb.b)
		if bb.b, err = appendColumns(bb.b, ec.Patches, systemColumns+len(ec.PatchColumns), pCuts); err != nil {
			return fmt.Errorf("encode %s patches: %w", ec.Entity, err)
		}
		u, p = bb.b[:from:from], bb.b[from:]
		for i := range *pCuts {
			(*pCuts)[i] -= from
		}
	}
	if len(ec.Rows) == 0 {
		u = nil
	}
	n := 2 // n, due
	for _, set := range [...]bool{len(ec.Columns) > 0, u != nil, len(ec.PatchColumns) > 0, p != nil, len(ec.Removals) > 0, ec.Cutoff != 0} {
		if set {
			n++
		}
	}
	w := stickyEncoder{e: e}
	w.do(e.EncodeMapLen(n))
	w.str("n", ec.Entity)
	block := func(b []byte, cuts []int) {
		w.do(e.EncodeBytesLen(len(b)))
		if cb != nil && w.err == nil {
			for _, c := range cuts {
				cb.addCut(cb.Len() + c)
			}
		}
		if w.err == nil {
			_, w.err = e.Writer().Write(b)
		}
	}
	if len(ec.Columns) > 0 && w.key("cols") {
		w.do(e.Encode(ec.Columns))
	}
	if u != nil && w.key("u") {
		block(u, *uCuts)
	}
	if len(ec.PatchColumns) > 0 && w.key("pcols") {
		w.do(e.Encode(ec.PatchColumns))
	}
	if p != nil && w.key("p") {
		block(p, *pCuts)
	}
	if len(ec.Removals) > 0 && w.key("r") {
		w.do(e.Encode(ec.Removals))
	}
	if ec.Cutoff != 0 && w.key("cut") {
		w.do(e.EncodeInt(ec.Cutoff))
	}
	if w.key("due") {
		w.do(e.EncodeInt(ec.NextDue))
	}
	if w.err != nil {
		return fmt.Errorf("encode entity changes: %w", w.err)
	}
	return nil
}

// decodeBufs pools the scratch space the blocks are read into while
// they are decoded: DecodeColumns copies out all it keeps, so the block
// need not be a copy of its own (the 37 KB of a CRM-N page were).
var decodeBufs = sync.Pool{New: func() any { return new(decodeBuf) }}

// decodeBuf holds an entity's two blocks while they are decoded.
type decodeBuf struct{ u, p []byte }

// readBlock reads a bin into buf (grown as needed) and returns it, nil
// for a msgpack nil. Its length was checked against the input
// (scanMsgpack) before decoding began.
func readBlock(d *msgpack.Decoder, buf *[]byte) ([]byte, error) {
	n, err := d.DecodeBytesLen()
	if err != nil || n < 0 {
		return nil, err
	}
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	return b, d.ReadFull(b)
}

func decodeEntity(d *msgpack.Decoder, ec *EntityChanges) error {
	*ec = EntityChanges{}
	var u, p []byte
	db := decodeBufs.Get().(*decodeBuf)
	defer func() {
		if cap(db.u)+cap(db.p) <= maxPooledBuffer {
			decodeBufs.Put(db)
		}
	}()
	n, err := d.DecodeMapLen()
	for i := 0; i < n && err == nil; i++ {
		var key string
		if key, err = d.DecodeString(); err != nil {
			break
		}
		switch key {
		case "n":
			ec.Entity, err = d.DecodeString()
		case "cols":
			err = d.Decode(&ec.Columns)
		case "u":
			u, err = readBlock(d, &db.u)
		case "pcols":
			err = d.Decode(&ec.PatchColumns)
		case "p":
			p, err = readBlock(d, &db.p)
		case "r":
			err = d.Decode(&ec.Removals)
		case "cut":
			ec.Cutoff, err = d.DecodeInt64()
		case "due":
			ec.NextDue, err = d.DecodeInt64()
		default:
			err = d.Skip() // a key from a newer version
		}
	}
	if err == nil && u != nil {
		ec.Rows, err = DecodeColumns(u, systemColumns+len(ec.Columns))
	}
	if err == nil && p != nil {
		ec.Patches, err = DecodeColumns(p, systemColumns+len(ec.PatchColumns))
	}
	if err != nil {
		return fmt.Errorf("decode entity changes %q: %w", ec.Entity, err)
	}
	return nil
}

package codec

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// maxPooledBuffer is the largest encode buffer returned to the pool, so one
// huge message does not pin its buffer for the life of the process.
const maxPooledBuffer = 1 << 20

// encoder is a pooled msgpack encoder writing into its own buffer.
type encoder struct {
	buf cutBuffer
	enc *msgpack.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := new(encoder)
	e.enc = msgpack.NewEncoder(&e.buf)
	e.enc.SetSortMapKeys(true)
	return e
}}

// decoder is a pooled msgpack decoder reading from its own bytes.Reader,
// which lets msgpack skip its bufio wrapper.
type decoder struct {
	r   bytes.Reader
	dec *msgpack.Decoder
}

var decoders = sync.Pool{New: func() any {
	d := new(decoder)
	d.dec = msgpack.NewDecoder(&d.r)
	return d
}}

// Marshal returns the msgpack encoding of v. The bytes are deterministic:
// keys of map[string]any, map[string]string and map[string]bool are
// sorted, and struct fields follow declaration order (other map types are
// written in iteration order, so keep them out of messages). int64 and
// uint64 values are always written as msgpack int64 and uint64, so
// [Unmarshal] into an any gives back the same type; other integer types
// are written in their smallest form. [Row] has its own, more compact
// codec. The returned slice belongs to the caller.
func Marshal(v any) ([]byte, error) {
	return AppendMarshal(nil, v)
}

// AppendMarshal is like [Marshal] but appends the encoding of v to dst and
// returns the extended slice. On error dst is returned unchanged.
func AppendMarshal(dst []byte, v any) ([]byte, error) {
	if r, ok := v.(*Row); ok {
		return AppendRow(dst, r) // the same bytes, without reflection
	}
	e := encoders.Get().(*encoder)
	defer putEncoder(e)
	if err := e.enc.Encode(v); err != nil {
		return dst, fmt.Errorf("marshal: %w", err)
	}
	return append(dst, e.buf.Bytes()...), nil
}

// MarshalCompact is Marshal with every integer in its smallest msgpack
// form, for wire messages whose readers accept any integer width (the
// pull answer): fewer bytes, but an int64 may come back as another
// integer type.
func MarshalCompact(v any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	defer putEncoder(e)
	e.enc.UseCompactInts(true)
	defer e.enc.UseCompactInts(false)
	if err := e.enc.Encode(v); err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	return append([]byte(nil), e.buf.Bytes()...), nil
}

func putEncoder(e *encoder) {
	if e.buf.Cap() > maxPooledBuffer {
		return
	}
	e.buf.Reset()
	encoders.Put(e)
}

// Unmarshal decodes the single msgpack value in data into v, which must be
// a non-nil pointer. Into an any, integers decode as int64 (uint64 when the
// value was written as an unsigned msgpack integer), floats as float64,
// strings and binaries as string, and maps as map[string]any.
//
// Unmarshal is safe on hostile input: data is scanned before decoding, and
// truncated input, trailing bytes, nesting deeper than 64 levels, and
// array, map, string or binary headers that claim more than the remaining
// bytes all fail with an error wrapping [ErrMalformed] before anything is
// allocated. Any other decode error also wraps [ErrMalformed].
func Unmarshal(data []byte, v any) error {
	if r, ok := v.(*Row); ok {
		return UnmarshalRow(data, r) // the same result, without reflection
	}
	return unmarshal(data, v, false)
}

// unmarshal is Unmarshal with a strict mode for ingest, which rejects
// unknown struct fields and decodes into any with exact types (int8,
// uint16, float32, []byte...) so normalizeValue can see what arrived.
func unmarshal(data []byte, v any, strict bool) error {
	return unmarshalWith(data, v, !strict, strict)
}

// unmarshalWith decodes with the given interface and field modes. Exact
// (non-loose) interface decoding keeps binary values as []byte.
func unmarshalWith(data []byte, v any, loose, strictFields bool) error {
	return decodeWith(data, loose, strictFields, func(dec *msgpack.Decoder) error { return dec.Decode(v) })
}

// decodeWith scans data, then runs fn on a pooled decoder reading it with
// the given interface and field modes.
func decodeWith(data []byte, loose, strictFields bool, fn func(*msgpack.Decoder) error) error {
	if err := scanMsgpack(data); err != nil {
		return malformed("unmarshal", err)
	}
	d := decoders.Get().(*decoder)
	d.r.Reset(data)
	d.dec.Reset(&d.r)
	d.dec.UseLooseInterfaceDecoding(loose)
	d.dec.DisallowUnknownFields(strictFields)
	err := fn(d.dec)
	d.r.Reset(nil)
	d.dec.Reset(&d.r)
	decoders.Put(d)
	if err != nil {
		return malformed("unmarshal", err)
	}
	return nil
}

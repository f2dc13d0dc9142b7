package codec

import (
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// Row's msgpack codec. It is registered for the Row type, so it runs
// wherever msgpack meets a Row, and it writes exactly the keys the struct
// tags name, in declaration order.

func init() {
	msgpack.Register(Row{}, encodeRowValue, decodeRowValue)
}

func encodeRowValue(e *msgpack.Encoder, v reflect.Value) error {
	if v.CanAddr() {
		return encodeRow(e, v.Addr().Interface().(*Row))
	}
	r := v.Interface().(Row)
	return encodeRow(e, &r)
}

func decodeRowValue(d *msgpack.Decoder, v reflect.Value) error {
	if !v.CanAddr() {
		return fmt.Errorf("decode row: non-addressable %s", v.Type())
	}
	return decodeRow(d, v.Addr().Interface().(*Row))
}

// keyBufs pools the slices used to sort attribute names while encoding.
var keyBufs = sync.Pool{New: func() any { s := make([]string, 0, 32); return &s }}

func encodeRow(e *msgpack.Encoder, r *Row) error {
	n := 4 // id, c, m, v
	for _, set := range [...]bool{r.OwnerID != "", r.OwningBusinessUnit != "", r.Deleted, len(r.Attrs) > 0} {
		if set {
			n++
		}
	}
	w := stickyEncoder{e: e}
	w.do(e.EncodeMapLen(n))
	w.str("id", r.ID)
	if r.OwnerID != "" {
		w.str("o", r.OwnerID)
	}
	if r.OwningBusinessUnit != "" {
		w.str("b", r.OwningBusinessUnit)
	}
	if w.key("c") {
		w.do(e.EncodeInt(r.CreatedOn))
	}
	if w.key("m") {
		w.do(e.EncodeInt(r.ModifiedOn))
	}
	if w.key("v") {
		w.do(e.EncodeUint(r.Version))
	}
	if r.Deleted && w.key("d") {
		w.do(e.EncodeBool(true))
	}
	if len(r.Attrs) > 0 && w.key("a") {
		w.do(encodeAttrs(e, r.Attrs))
	}
	if w.err != nil {
		return fmt.Errorf("encode row: %w", w.err)
	}
	return nil
}

// stickyEncoder keeps the first error of a run of writes.
type stickyEncoder struct {
	e   *msgpack.Encoder
	err error
}

func (w *stickyEncoder) do(err error) {
	if w.err == nil {
		w.err = err
	}
}

// key writes a map key and reports whether the value should follow.
func (w *stickyEncoder) key(k string) bool {
	if w.err == nil {
		w.err = w.e.EncodeString(k)
	}
	return w.err == nil
}

func (w *stickyEncoder) str(k, v string) {
	if w.key(k) {
		w.do(w.e.EncodeString(v))
	}
}

func encodeAttrs(e *msgpack.Encoder, m map[string]any) error {
	kp := keyBufs.Get().(*[]string)
	keys := (*kp)[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	err := e.EncodeMapLen(len(keys))
	for _, k := range keys {
		if err != nil {
			break
		}
		if err = e.EncodeString(k); err == nil {
			err = encodeAttrValue(e, k, m[k])
		}
	}
	clear(keys)
	*kp = keys[:0]
	keyBufs.Put(kp)
	return err
}

func encodeAttrValue(e *msgpack.Encoder, name string, v any) error {
	nv, err := normalizeValue(v)
	if err != nil {
		return fmt.Errorf("attribute %q: %w: %w", name, err, ErrMalformed)
	}
	switch x := nv.(type) {
	case bool:
		return e.EncodeBool(x)
	case int64:
		return e.EncodeInt(x)
	case float64:
		return e.EncodeFloat64(x)
	case string:
		return e.EncodeString(x)
	}
	return e.EncodeNil()
}

func decodeRow(d *msgpack.Decoder, r *Row) error {
	*r = Row{}
	n, err := d.DecodeMapLen()
	for i := 0; i < n && err == nil; i++ {
		var key string
		if key, err = d.DecodeString(); err != nil {
			break
		}
		switch key {
		case "id":
			r.ID, err = d.DecodeString()
		case "o":
			r.OwnerID, err = d.DecodeString()
		case "b":
			r.OwningBusinessUnit, err = d.DecodeString()
		case "c":
			r.CreatedOn, err = d.DecodeInt64()
		case "m":
			r.ModifiedOn, err = d.DecodeInt64()
		case "v":
			r.Version, err = d.DecodeUint64()
		case "d":
			r.Deleted, err = d.DecodeBool()
		case "a":
			r.Attrs, err = decodeAttrs(d)
		default:
			err = d.Skip() // a field from a newer version
		}
	}
	if err != nil {
		return fmt.Errorf("decode row: %w", err)
	}
	return nil
}

func decodeAttrs(d *msgpack.Decoder) (map[string]any, error) {
	n, err := d.DecodeMapLen()
	if err != nil || n <= 0 {
		return nil, err
	}
	m := make(map[string]any, min(n, 256))
	for range n {
		k, err := d.DecodeString()
		if err != nil {
			return nil, err
		}
		v, err := decodeAttrValue(d)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w: %w", k, err, ErrMalformed)
		}
		m[k] = v
	}
	return m, nil
}

// decodeAttrValue reads one attribute value, looking at its code first so
// that a nested or binary value is refused before it is decoded.
func decodeAttrValue(d *msgpack.Decoder) (any, error) {
	c, err := d.PeekCode()
	if err != nil {
		return nil, err
	}
	switch {
	case msgpcode.IsFixedNum(c), c >= msgpcode.Int8 && c <= msgpcode.Int64,
		c >= msgpcode.Uint8 && c <= msgpcode.Uint32:
		return d.DecodeInt64()
	case c == msgpcode.Uint64:
		u, err := d.DecodeUint64()
		return normalizeUint(u), err
	case c == msgpcode.Nil:
		return nil, d.DecodeNil()
	case c == msgpcode.False, c == msgpcode.True:
		return d.DecodeBool()
	case c == msgpcode.Float, c == msgpcode.Double:
		f, err := d.DecodeFloat64()
		if err != nil {
			return nil, err
		}
		return checkFloat(f)
	case msgpcode.IsString(c):
		s, err := d.DecodeString()
		if err != nil {
			return nil, err
		}
		return normalizeValue(s)
	case msgpcode.IsBin(c):
		return nil, errBinary
	case msgpcode.IsFixedMap(c), msgpcode.IsFixedArray(c), c == msgpcode.Map16, c == msgpcode.Map32,
		c == msgpcode.Array16, c == msgpcode.Array32:
		return nil, errNested
	}
	return nil, fmt.Errorf("%w: msgpack code 0x%02x", errBadValType, c)
}

// MarshalRow is Marshal(r) without reflection: the same bytes, for the
// write path, which encodes every row it stores.
func MarshalRow(r *Row) ([]byte, error) { return AppendRow(nil, r) }

// AppendRow appends MarshalRow(r) to dst; on error dst is returned
// unchanged.
func AppendRow(dst []byte, r *Row) ([]byte, error) {
	e := encoders.Get().(*encoder)
	defer putEncoder(e)
	if err := encodeRow(e.enc, r); err != nil {
		return dst, fmt.Errorf("marshal: %w", err)
	}
	return append(dst, e.buf.Bytes()...), nil
}

// UnmarshalRow is Unmarshal(data, r) without reflection, with the same
// checks: data is scanned first, and anything malformed fails with
// [ErrMalformed].
func UnmarshalRow(data []byte, r *Row) error {
	return decodeWith(data, true, false, func(dec *msgpack.Decoder) error { return decodeRow(dec, r) })
}

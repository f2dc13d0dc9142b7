package codec

import (
	"errors"
	"fmt"
)

// MaxAttributes caps the attributes of one ingest record or one pushed
// mutation. Like the caller's cap on records or mutations, it is checked
// while decoding, from the map's header (msgpack) or key by key (JSON),
// before the attributes are allocated: a map with millions of keys fails
// with [ErrTooLarge] at the cost of reading its header.
const MaxAttributes = 1024

var errNotMap = errors.New("expected a map")

// listShape names the parts of a body shaped {list: [{attributes: {...}}]}:
// an ingest batch ("records", "record") or a push ("mutations",
// "mutation").
type listShape struct {
	list, item string
}

var (
	batchShape = listShape{list: "records", item: "record"}
	pushShape  = listShape{list: "mutations", item: "mutation"}
)

// tooMany reports n things where at most limit are allowed.
func tooMany(n int64, what string, limit int) error {
	return fmt.Errorf("%d %s is more than the maximum %d: %w", n, what, limit, ErrTooLarge)
}

// decodeErr wraps err with op, keeping ErrTooLarge apart from
// ErrMalformed.
func decodeErr(op string, err error) error {
	if errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return malformed(op, err)
}

// checkMsgpackList walks the msgpack value in data, which must have
// shape s, and refuses it before anything is decoded when its list holds
// more than maxItems items or an item more than [MaxAttributes]
// attributes ([ErrTooLarge]), or when the value, an item or its
// attributes is anything but a map or nil, or an attribute value is an
// array or a map ([ErrMalformed] once wrapped by decodeErr). Other fields
// are skipped: the decoder that runs next judges them. The walk allocates
// nothing for the elements it counts and bounds-checks every header
// itself, so it is safe on any input.
func checkMsgpackList(data []byte, s listShape, maxItems int) error {
	w := mpWalk{data: data}
	return w.fields(func(key []byte) error {
		if string(key) != s.list {
			return w.skipValue()
		}
		h, err := w.header()
		switch {
		case err != nil || h.isNil():
			return err
		case !h.isArray():
			return fmt.Errorf("%s: expected an array", s.list)
		case h.children > int64(maxItems):
			return tooMany(h.children, s.list, maxItems)
		}
		for i := range h.children {
			if err := w.item(); err != nil {
				return fmt.Errorf("%s %d: %w", s.item, i, err)
			}
		}
		return nil
	})
}

// item walks one record or mutation.
func (w *mpWalk) item() error {
	return w.fields(func(key []byte) error {
		if string(key) != "attributes" {
			return w.skipValue()
		}
		h, err := w.header()
		switch {
		case err != nil || h.isNil():
			return err
		case !h.isMap():
			return fmt.Errorf("attributes: %w", errNotMap)
		case h.children/2 > MaxAttributes:
			return tooMany(h.children/2, "attributes", MaxAttributes)
		}
		for range h.children / 2 {
			name, err := w.key()
			if err != nil {
				return err
			}
			v, err := w.header()
			switch {
			case err != nil:
				return err
			case v.isMap() || v.isArray():
				return fmt.Errorf("attribute %q: %w", name, errNested)
			}
			w.pos += int(v.skip)
		}
		return nil
	})
}

// fields walks a map (or nil), calling fn with each key; fn must consume
// the key's value.
func (w *mpWalk) fields(fn func(key []byte) error) error {
	h, err := w.header()
	switch {
	case err != nil || h.isNil():
		return err
	case !h.isMap():
		return errNotMap
	}
	for range h.children / 2 {
		key, err := w.key()
		if err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
	}
	return nil
}

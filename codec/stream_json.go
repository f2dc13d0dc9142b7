package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

var errDuplicate = errors.New("duplicate field")

// decodeJSONList decodes the JSON object in data, shaped s, token by
// token: its only field is the list, and each item is decoded on its own
// by item (with numbers as json.Number and unknown fields refused). start
// is called when the list opens, and more than maxItems items fail with
// [ErrTooLarge] before the next one is read. null, for the object or the
// list, means an empty body. Nothing but white space may follow the
// object.
func decodeJSONList(data []byte, s listShape, maxItems int, start func(), item func(dec *json.Decoder, i int) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	tok, err := dec.Token()
	switch {
	case errors.Is(err, io.EOF):
		return errEmpty
	case err != nil:
		return err
	case tok == json.Delim('{'):
		if err := jsonFields(dec, s, maxItems, start, item); err != nil {
			return err
		}
	case tok != nil:
		return fmt.Errorf("expected an object, got %v", tok)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errTrailing
	}
	return nil
}

// jsonFields reads an object's fields up to and including its '}'.
func jsonFields(dec *json.Decoder, s listShape, maxItems int, start func(), item func(dec *json.Decoder, i int) error) error {
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		switch {
		case !strings.EqualFold(name, s.list):
			return fmt.Errorf("json: unknown field %q", name)
		case seen:
			return fmt.Errorf("%q: %w", name, errDuplicate)
		}
		seen = true
		if err := jsonList(dec, s, maxItems, start, item); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return err
}

// jsonList reads the list's '[', items and ']' (or null).
func jsonList(dec *json.Decoder, s listShape, maxItems int, start func(), item func(dec *json.Decoder, i int) error) error {
	tok, err := dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		return nil
	case tok != json.Delim('['):
		return fmt.Errorf("%s: expected an array, got %v", s.list, tok)
	}
	start()
	for i := 0; dec.More(); i++ {
		if i == maxItems {
			return fmt.Errorf("more than the maximum %d %s: %w", maxItems, s.list, ErrTooLarge)
		}
		if err := item(dec, i); err != nil {
			return fmt.Errorf("%s %d: %w", s.item, i, err)
		}
	}
	_, err = dec.Token() // ']'
	return err
}

// attrMap is an attribute map whose JSON decoding refuses, key by key,
// more than [MaxAttributes] attributes ([ErrTooLarge]) and array or
// object values, so that neither is ever allocated. Numbers stay
// json.Number.
type attrMap map[string]any

// UnmarshalJSON decodes a JSON object (or null) of scalar values.
func (m *attrMap) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		*m = nil
		return nil
	case tok != json.Delim('{'):
		return fmt.Errorf("attributes: expected an object, got %v", tok)
	}
	out := attrMap{}
	for n := 1; dec.More(); n++ {
		if n > MaxAttributes {
			return fmt.Errorf("attributes: more than the maximum %d: %w", MaxAttributes, ErrTooLarge)
		}
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		if tok, err = dec.Token(); err != nil {
			return err
		}
		if _, ok := tok.(json.Delim); ok {
			return fmt.Errorf("attribute %q: %w", name, errNested)
		}
		out[name] = tok
	}
	*m = out
	return nil
}

package codec

import (
	"fmt"
	"strings"
)

// Op is what a Record does.
type Op string

const (
	// OpUpsert creates the row or overwrites the attributes it names.
	OpUpsert Op = "upsert"
	// OpDelete deletes the row, leaving a tombstone.
	OpDelete Op = "delete"
)

// Record is one row write in an ingest batch.
type Record struct {
	Op      Op             `msgpack:"op" json:"op"`
	Entity  string         `msgpack:"entity" json:"entity"`
	ID      string         `msgpack:"id" json:"id"`
	OwnerID string         `msgpack:"ownerid,omitempty" json:"ownerid,omitempty"`
	Attrs   map[string]any `msgpack:"attributes,omitempty" json:"attributes,omitempty"`
}

// Batch is an all-or-nothing group of records.
type Batch struct {
	Records []Record `msgpack:"records" json:"records"`
}

// Format names a body's media type.
type Format int

const (
	// FormatJSON is application/json.
	FormatJSON Format = iota
	// FormatMsgpack is application/msgpack (also x-msgpack, vnd.msgpack).
	FormatMsgpack
)

// ParseFormat maps a Content-Type (or Accept) media type to a Format,
// ignoring case and parameters such as charset. An empty type means JSON.
// Anything else fails with [ErrUnsupportedEncoding].
func ParseFormat(contentType string) (Format, error) {
	mt, _, _ := strings.Cut(contentType, ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case "", "application/json":
		return FormatJSON, nil
	case "application/msgpack", "application/x-msgpack", "application/vnd.msgpack":
		return FormatMsgpack, nil
	}
	// %.0w wraps the sentinel without printing it: the message is about a
	// media type, not an encoding.
	return 0, fmt.Errorf("unsupported Content-Type %q: send application/json or application/msgpack%.0w", contentType, ErrUnsupportedEncoding)
}

// DecodeBatch decodes an ingest batch body in format f and normalizes it.
//
// JSON must be a single object with no unknown fields and nothing but
// white space after it. msgpack must be a single value with no unknown
// fields, scanned for hostile headers as by [Unmarshal]. In both, counts
// are checked while decoding, before anything is allocated for them: more
// than maxRecords records, or more than [MaxAttributes] attributes in one
// record, fail with [ErrTooLarge]. Then every record is normalized: an
// empty op becomes [OpUpsert], an empty attribute map becomes nil, and
// each attribute value becomes nil, bool, int64, float64 or string as the
// package doc describes. An unknown op, a nested, binary or non-finite
// value, or any decode error fails with [ErrMalformed], naming the record
// index and attribute where there is one. Entity names and ids are not
// checked here; the engine does that.
func DecodeBatch(data []byte, f Format, maxRecords int) (Batch, error) {
	var b Batch
	var err error
	switch f {
	case FormatJSON:
		err = decodeJSON(data, &b, maxRecords)
	case FormatMsgpack:
		if err = checkMsgpackList(data, batchShape, maxRecords); err == nil {
			err = unmarshal(data, &b, true)
		}
	default:
		return Batch{}, fmt.Errorf("decode batch: format %d: %w", f, ErrUnsupportedEncoding)
	}
	if err != nil {
		return Batch{}, decodeErr("decode batch", err)
	}
	for i := range b.Records {
		r := &b.Records[i]
		switch r.Op {
		case "":
			r.Op = OpUpsert
		case OpUpsert, OpDelete:
		default:
			return Batch{}, fmt.Errorf("decode batch: record %d: unknown op %q: %w", i, r.Op, ErrMalformed)
		}
		attrs, err := normalizeAttrs(r.Attrs)
		if err != nil {
			return Batch{}, fmt.Errorf("decode batch: record %d: %w: %w", i, err, ErrMalformed)
		}
		r.Attrs = attrs
	}
	return b, nil
}

// EncodeBatch encodes b in format f. JSON keeps float64 attribute values
// recognisable as floats (2.0 is written "2.0", not "2"), so that
// [DecodeBatch] gives back the same types in either format.
func EncodeBatch(b Batch, f Format) ([]byte, error) {
	var out []byte
	var err error
	switch f {
	case FormatJSON:
		out, err = encodeJSON(b)
	case FormatMsgpack:
		out, err = Marshal(b)
	default:
		return nil, fmt.Errorf("encode batch: format %d: %w", f, ErrUnsupportedEncoding)
	}
	if err != nil {
		return nil, fmt.Errorf("encode batch: %w", err)
	}
	return out, nil
}

package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"strconv"
)

var errEmpty = errors.New("empty input")

// decodeJSON decodes exactly one JSON batch from data into b, item by
// item, keeping numbers as json.Number, refusing unknown fields, trailing
// data and more than maxRecords records.
func decodeJSON(data []byte, b *Batch, maxRecords int) error {
	return decodeJSONList(data, batchShape, maxRecords,
		func() { b.Records = []Record{} },
		func(dec *json.Decoder, _ int) error {
			var r jsonRecord
			if err := dec.Decode(&r); err != nil {
				return err
			}
			b.Records = append(b.Records, Record{Op: r.Op, Entity: r.Entity, ID: r.ID, OwnerID: r.OwnerID, Attrs: r.Attrs})
			return nil
		})
}

// jsonRecord is Record as written by encodeJSON (the same fields, with
// float64 attribute values wrapped so they stay floats on the way back)
// and as read by decodeJSON (attributes counted as they are read).
type jsonRecord struct {
	Op      Op      `json:"op"`
	Entity  string  `json:"entity"`
	ID      string  `json:"id"`
	OwnerID string  `json:"ownerid,omitempty"`
	Attrs   attrMap `json:"attributes,omitempty"`
}

func encodeJSON(b Batch) ([]byte, error) {
	var recs []jsonRecord
	if b.Records != nil {
		recs = make([]jsonRecord, len(b.Records))
	}
	for i, r := range b.Records {
		recs[i] = jsonRecord{Op: r.Op, Entity: r.Entity, ID: r.ID, OwnerID: r.OwnerID, Attrs: jsonAttrs(r.Attrs)}
	}
	return json.Marshal(struct {
		Records []jsonRecord `json:"records"`
	}{recs})
}

// jsonAttrs returns m, or a copy of it with float64 values as jsonFloat.
func jsonAttrs(m map[string]any) map[string]any {
	var c map[string]any
	for k, v := range m {
		if f, ok := v.(float64); ok {
			if c == nil {
				c = maps.Clone(m)
			}
			c[k] = jsonFloat(f)
		}
	}
	if c == nil {
		return m
	}
	return c
}

// jsonFloat is a float64 that always marshals with a fraction or exponent.
type jsonFloat float64

// MarshalJSON writes f in shortest form, adding ".0" to integral values.
func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if _, err := checkFloat(float64(f)); err != nil {
		return nil, err
	}
	b := strconv.AppendFloat(nil, float64(f), 'g', -1, 64)
	if !bytes.ContainsAny(b, ".e") {
		b = append(b, ".0"...)
	}
	return b, nil
}

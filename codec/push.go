package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// PushRequest is the body of POST /v1/sync/push.
type PushRequest struct {
	Mutations []Mutation `msgpack:"mutations" json:"mutations"`
}

// Mutation is one offline change. GUID values (ids, lookups) are strings
// here.
type Mutation struct {
	ID          string         `msgpack:"id" json:"id"`
	Entity      string         `msgpack:"entity" json:"entity"`
	RowID       string         `msgpack:"rowId" json:"rowId"`
	Op          string         `msgpack:"op" json:"op"`
	Attrs       map[string]any `msgpack:"attributes,omitempty" json:"attributes,omitempty"`
	BaseVersion uint64         `msgpack:"baseVersion,omitempty" json:"baseVersion,omitempty"`
}

// PushResponse answers a push: one result per mutation, in order.
type PushResponse struct {
	Version uint64       `msgpack:"version" json:"version"`
	Results []PushResult `msgpack:"results" json:"results"`
}

// PushResult is one mutation's fate.
type PushResult struct {
	ID      string `msgpack:"id" json:"id"`
	Applied bool   `msgpack:"applied" json:"applied"`
	Version uint64 `msgpack:"version,omitempty" json:"version,omitempty"`
	Code    string `msgpack:"code,omitempty" json:"code,omitempty"`
	Message string `msgpack:"message,omitempty" json:"message,omitempty"`
}

// DecodePushRequest decodes a push body and normalizes attribute values
// as for ingest batches.
func DecodePushRequest(data []byte, f Format) (PushRequest, error) {
	var r PushRequest
	var err error
	if f == FormatJSON {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		dec.DisallowUnknownFields()
		err = dec.Decode(&r)
		if err == nil && dec.More() {
			err = errTrailing
		}
	} else {
		err = unmarshal(data, &r, true)
	}
	if err != nil {
		return PushRequest{}, malformed("decode push", err)
	}
	for i := range r.Mutations {
		if r.Mutations[i].Attrs, err = normalizeAttrs(r.Mutations[i].Attrs); err != nil {
			return PushRequest{}, malformed(fmt.Sprintf("decode push: mutation %d", i), err)
		}
	}
	return r, nil
}

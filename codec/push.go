package codec

import (
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

// DecodePushRequest decodes a push body in format f and normalizes
// attribute values as for ingest batches.
//
// Counts are checked while decoding, before anything is allocated for
// them: more than maxMutations mutations, or more than [MaxAttributes]
// attributes in one mutation, fail with [ErrTooLarge] (a few bytes of
// zstd can claim millions of empty mutations). An attribute value that is
// an array or an object fails with [ErrMalformed] as soon as it is seen,
// as does any other decode error.
func DecodePushRequest(data []byte, f Format, maxMutations int) (PushRequest, error) {
	var r PushRequest
	var err error
	if f == FormatJSON {
		err = decodeJSONList(data, pushShape, maxMutations,
			func() { r.Mutations = []Mutation{} },
			func(dec *json.Decoder, _ int) error {
				var m jsonMutation
				if err := dec.Decode(&m); err != nil {
					return err
				}
				r.Mutations = append(r.Mutations, Mutation{ID: m.ID, Entity: m.Entity, RowID: m.RowID, Op: m.Op, Attrs: m.Attrs, BaseVersion: m.BaseVersion})
				return nil
			})
	} else if err = checkMsgpackList(data, pushShape, maxMutations); err == nil {
		err = unmarshal(data, &r, true)
	}
	if err != nil {
		return PushRequest{}, decodeErr("decode push", err)
	}
	for i := range r.Mutations {
		if r.Mutations[i].Attrs, err = normalizeAttrs(r.Mutations[i].Attrs); err != nil {
			return PushRequest{}, malformed(fmt.Sprintf("decode push: mutation %d", i), err)
		}
	}
	return r, nil
}

// jsonMutation is Mutation as decoded from JSON, with attributes counted
// as they are read.
type jsonMutation struct {
	ID          string  `json:"id"`
	Entity      string  `json:"entity"`
	RowID       string  `json:"rowId"`
	Op          string  `json:"op"`
	Attrs       attrMap `json:"attributes,omitempty"`
	BaseVersion uint64  `json:"baseVersion,omitempty"`
}

package bench

import (
	"fmt"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
)

// BytesBaseline compares wire bytes with JSON+gzip(6) of the same rows
// (JSONGzip), the baseline of the byte benchmarks.
type BytesBaseline struct {
	// Answers is how many pull answers were compared, carrying Rows rows
	// (upserts, patches and removals).
	Answers int `json:"answers"`
	Rows    int `json:"rows"`
	// WireBytes is what those answers weighed as received (msgpack,
	// zstd); JSONGzipBytes their rows as JSON, gzipped at level 6.
	WireBytes     int64 `json:"wireBytes"`
	JSONBytes     int64 `json:"jsonBytes"`
	JSONGzipBytes int64 `json:"jsonGzipBytes"`
	// RatioVsJSONGzip is WireBytes / JSONGzipBytes.
	RatioVsJSONGzip float64 `json:"ratioVsJsonGzip"`
}

// add compares rows (as one JSON array) with wire bytes that carried them.
func (b *BytesBaseline) add(rows []client.Row, wire int64, answers int) error {
	j, g, err := JSONGzip(rows)
	if err != nil {
		return err
	}
	b.Answers += answers
	b.Rows += len(rows)
	b.WireBytes += wire
	b.JSONBytes += j
	b.JSONGzipBytes += g
	b.RatioVsJSONGzip = ratio(float64(b.WireBytes), float64(b.JSONGzipBytes))
	return nil
}

// answerRows converts what a pull answer carries to rows as a JSON API
// would send them: GUIDs as strings, owners and business units resolved,
// attributes by name. A patch carries only its columns; a removal is a
// row with only its id.
func answerRows(res *codec.PullResponse) ([]client.Row, error) {
	var out []client.Row
	for _, e := range res.Entities {
		for _, part := range []struct {
			rows [][]any
			cols []string
		}{{e.Rows, e.Columns}, {e.Patches, e.PatchColumns}} {
			for _, vals := range part.rows {
				r, err := wireRow(res.Refs, vals, part.cols)
				if err != nil {
					return nil, fmt.Errorf("%s row: %w", e.Entity, err)
				}
				out = append(out, r)
			}
		}
		for _, id := range e.Removals {
			s, err := codec.GUIDString(id)
			if err != nil {
				return nil, fmt.Errorf("%s removal: %w", e.Entity, err)
			}
			out = append(out, client.Row{ID: s})
		}
	}
	return out, nil
}

// wireRow decodes one columnar row: [id, owner ref, business unit ref,
// createdon, modifiedon, version, values of cols...].
func wireRow(refs [][]byte, vals []any, cols []string) (client.Row, error) {
	if len(vals) != 6+len(cols) {
		return client.Row{}, fmt.Errorf("%d values for %d columns", len(vals), len(cols))
	}
	id, _ := vals[0].([]byte)
	s, err := codec.GUIDString(id)
	if err != nil {
		return client.Row{}, err
	}
	r := client.Row{ID: s}
	ref := func(v any) string {
		i, ok := codec.AsInt64(v)
		if !ok || i < 0 || int(i) >= len(refs) {
			return ""
		}
		g, _ := codec.GUIDString(refs[i])
		return g
	}
	r.OwnerID, r.OwningBusinessUnit = ref(vals[1]), ref(vals[2])
	r.CreatedOn, _ = codec.AsInt64(vals[3])
	r.ModifiedOn, _ = codec.AsInt64(vals[4])
	v, _ := codec.AsInt64(vals[5])
	r.Version = uint64(v)
	for i, c := range cols {
		val := vals[6+i]
		if val == nil {
			continue
		}
		if b, ok := val.([]byte); ok {
			if g, err := codec.GUIDString(b); err == nil {
				val = g
			}
		}
		if r.Attrs == nil {
			r.Attrs = map[string]any{}
		}
		r.Attrs[c] = val
	}
	return r, nil
}

package codec

import "maps"

// Row is one stored or transmitted record: system attributes plus typed attribute values.
//
// Attribute values in Attrs are always one of nil, bool, int64, float64 or
// string: datetimes are int64 unix milliseconds (UTC), and decimals, GUIDs
// and lookups are strings. Floats are finite and strings are valid UTF-8.
//
// Row has its own msgpack codec, registered with the msgpack package, so it
// applies wherever a Row is encoded, even nested in another message. It
// writes the same keys as the struct tags below, sorts Attrs by name,
// writes integers in their smallest form and floats always as float64. It
// decodes every integer attribute to int64 (to float64 beyond int64), and
// rejects nested, binary and extension values, non-finite floats and
// invalid UTF-8 with [ErrMalformed]. Encoding a Row that breaks these rules
// fails the same way, so a Row that encodes always decodes.
type Row struct {
	ID                 string         `msgpack:"id" json:"id"`
	OwnerID            string         `msgpack:"o,omitempty" json:"ownerid,omitempty"`
	OwningBusinessUnit string         `msgpack:"b,omitempty" json:"owningbusinessunit,omitempty"`
	CreatedOn          int64          `msgpack:"c" json:"createdon"`  // unix milliseconds, UTC
	ModifiedOn         int64          `msgpack:"m" json:"modifiedon"` // unix milliseconds, UTC
	Version            uint64         `msgpack:"v" json:"version"`
	Deleted            bool           `msgpack:"d,omitempty" json:"deleted,omitempty"`
	Attrs              map[string]any `msgpack:"a,omitempty" json:"attributes,omitempty"`
}

// Clone returns a copy of r that shares no memory with it. Attribute values
// are immutable scalars, so copying the Attrs map copies everything.
func (r Row) Clone() Row {
	r.Attrs = maps.Clone(r.Attrs)
	return r
}

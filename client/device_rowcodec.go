package client

import "github.com/offsync/offsync/codec"

// The local store keeps rows in the codec's row encoding, written and read
// without reflection (codec.MarshalRow, codec.UnmarshalRow): a first load
// stores every row it receives. Rows stored by older versions (the
// reflective encoding of Row, with the same keys) decode the same way.

// encodeLocalRow encodes a row for the local store.
func encodeLocalRow(r *Row) ([]byte, error) {
	cr := codec.Row{ID: r.ID, OwnerID: r.OwnerID, OwningBusinessUnit: r.OwningBusinessUnit,
		CreatedOn: r.CreatedOn, ModifiedOn: r.ModifiedOn, Version: r.Version, Attrs: r.Attrs}
	return codec.MarshalRow(&cr)
}

// decodeLocalRow decodes a row of the local store into r.
func decodeLocalRow(b []byte, r *Row) error {
	var cr codec.Row
	if err := codec.UnmarshalRow(b, &cr); err != nil {
		return err
	}
	*r = Row{ID: cr.ID, OwnerID: cr.OwnerID, OwningBusinessUnit: cr.OwningBusinessUnit,
		CreatedOn: cr.CreatedOn, ModifiedOn: cr.ModifiedOn, Version: cr.Version, Attrs: cr.Attrs}
	return nil
}

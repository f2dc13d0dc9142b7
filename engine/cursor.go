package engine

// Cursor is where a device stands: it holds V(user, Version, Time) as
// computed under the access context whose fingerprint is Context (the
// fingerprint covers the user's id, so another user's cursor reloads).
// Devices hold it as opaque bytes: the server encodes Version, Time and
// Context and seals them with the cluster's cursor key (CursorKey)
// before handing it out.
type Cursor struct {
	Version uint64 `msgpack:"v"`
	Time    int64  `msgpack:"t"`
	Context uint64 `msgpack:"c"`
	// Was is the access context the view was computed under, so that a
	// pull after a role, team, business-unit or profile change can send
	// only the difference between the old view and the new one. It stays
	// in memory: a cursor on the wire names it by Context only, and a
	// pull finds it in the replicated context registry (contextstore.go),
	// where the server registers it (KindRecordContexts).
	Was *CursorContext `msgpack:"-"`
}

// CursorContext is what a view depended on besides rows and time, in
// compact form: GUIDs as 16 bytes, the Read depths as small integers in
// the order of the rules of that publish.
type CursorContext struct {
	User    uint64   `msgpack:"u"` // hash of the user id
	BU      []byte   `msgpack:"b"`
	Subtree uint64   `msgpack:"s"` // hash of the business-unit subtree
	Teams   [][]byte `msgpack:"t,omitempty"`
	Enabled bool     `msgpack:"e,omitempty"`
	Profile []byte   `msgpack:"p"`
	Publish uint64   `msgpack:"pv"`
	Schema  uint64   `msgpack:"sv"`
	Depths  []uint8  `msgpack:"d"` // Read depth rank per rule
}

// RowsAgedOut reports whether some row of entity has a modifiedon in
// [from, to): the rows that moving the entity's window cutoff from from
// to to would drop. A server leaves out of a no-change answer a cutoff
// that drops nothing.
func (e *Engine) RowsAgedOut(entity string, from, to int64) (bool, error) {
	if from >= to {
		return false, nil
	}
	return e.anyModifiedBetween(entity, from, to)
}

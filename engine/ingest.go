package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/offsync/offsync/codec"
)

// MaxRecordsPerCommand caps the records of one ingest command, so that a
// command's writes always fit in one Badger transaction.
const MaxRecordsPerCommand = 5000

// ingest applies a batch of records, all or nothing.
func (st *cmdState) ingest(recs []codec.Record) (int, error) {
	sch := st.currentSchema()
	if sch.Version == 0 {
		return 0, invalidf("records: no schema is published yet")
	}
	if len(recs) == 0 {
		return 0, invalidf("records: the batch is empty")
	}
	if len(recs) > MaxRecordsPerCommand {
		return 0, invalidf("records: %d records is more than the maximum %d per batch", len(recs), MaxRecordsPerCommand)
	}
	owners := st.b.e.owners // owner id -> business unit, kept across ingests
	if len(st.writes) == 0 {
		// About nine keys a row (row, change, indexes, partition logs):
		// sized once instead of grown through every doubling.
		st.writes = make(map[string][]byte, 10*len(recs))
		st.order = make([]string, 0, 10*len(recs))
	}
	for i := range recs {
		rec := &recs[i]
		field := "records[" + strconv.Itoa(i) + "]"
		def := sch.Entity(rec.Entity)
		if def == nil {
			return 0, invalidf("%s.entity: unknown entity %q", field, rec.Entity)
		}
		if rec.ID == "" {
			return 0, invalidf("%s.id: missing", field)
		}
		id, ok := CanonicalGUID(rec.ID)
		if !ok {
			return 0, invalidf("%s.id: %q is not a GUID", field, rec.ID)
		}
		var err error
		switch rec.Op {
		case codec.OpUpsert, "":
			err = st.upsert(field, def, id, rec, owners)
		case codec.OpDelete:
			err = st.deleteRow(def, id)
		default:
			err = invalidf("%s.op: unknown operation %q", field, rec.Op)
		}
		if err != nil {
			return 0, err
		}
	}
	return len(recs), nil
}

// readRow returns the row at (entity, id) as this command sees it,
// tombstones included.
func (st *cmdState) readRow(entity, id string) (codec.Row, bool, error) {
	var r codec.Row
	err := st.getDecoded(rowKey(entity, id), &r)
	if errors.Is(err, ErrNotFound) {
		return r, false, nil
	}
	return r, err == nil, err
}

func (st *cmdState) upsert(field string, def *EntityDef, id string, rec *codec.Record, owners map[string]string) error {
	cur, found, err := st.readRow(def.Name, id)
	if err != nil {
		return err
	}
	row, err := st.buildRow(field, def, id, rec, cur, found && !cur.Deleted, owners)
	if err != nil {
		return err
	}
	return st.writeRow(def, cur, found, row)
}

// buildRow validates rec and returns the row it makes: merged into cur
// when live, else a new row. It writes nothing.
func (st *cmdState) buildRow(field string, def *EntityDef, id string, rec *codec.Record, cur codec.Row, live bool, owners map[string]string) (codec.Row, error) {
	row := codec.Row{ID: id, CreatedOn: st.now, Attrs: make(map[string]any, len(rec.Attrs))}
	if live {
		row = cur.Clone()
		if row.Attrs == nil {
			row.Attrs = map[string]any{}
		}
	}
	modified := st.now
	owner := rec.OwnerID
	names := make([]string, 0, len(rec.Attrs))
	for name := range rec.Attrs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := rec.Attrs[name]
		// The attribute's field name, only built for an error message
		// (it was one allocation an attribute of every record).
		f := func() string { return field + ".attributes." + name }
		switch name {
		case AttrCreatedOn, AttrModifiedOn:
			t, err := coerceTime("", &Attribute{Name: name, Type: TypeDateTime}, v)
			if err != nil || t == nil {
				return row, invalidf("%s: expected a datetime", f())
			}
			if name == AttrCreatedOn {
				row.CreatedOn = t.(int64)
			} else {
				modified = t.(int64)
			}
		case AttrOwnerID:
			s, ok := v.(string)
			if !ok {
				return row, invalidf("%s: expected a GUID", f())
			}
			owner = s
		case AttrID, AttrOwningBusinessUnit, AttrVersion:
			return row, invalidf("%s: %s is a system attribute the server sets", f(), name)
		default:
			a := def.Attribute(name)
			if a == nil {
				return row, invalidf("%s: unknown attribute of %s", f(), def.Name)
			}
			cv, err := coerce("", a, v)
			if err != nil {
				_, err = coerce(f(), a, v) // the same error, naming the field
				return row, err
			}
			if cv == nil {
				delete(row.Attrs, name)
			} else {
				row.Attrs[name] = cv
			}
		}
	}
	for _, a := range def.Attributes {
		if a.Required && row.Attrs[a.Name] == nil {
			return row, invalidf("%s.attributes.%s: required", field, a.Name)
		}
	}
	if err := st.setOwner(field, def, &row, owner, owners); err != nil {
		return row, err
	}
	if len(row.Attrs) == 0 {
		row.Attrs = nil
	}
	row.ModifiedOn = modified
	row.Version = st.version
	row.Deleted = false
	return row, nil
}

// setOwner validates the owner and derives the owning business unit.
func (st *cmdState) setOwner(field string, def *EntityDef, row *codec.Row, owner string, owners map[string]string) error {
	if def.Ownership == OwnedByOrganization {
		if owner != "" {
			return invalidf("%s.ownerid: entity %s is organization-owned", field, def.Name)
		}
		row.OwnerID, row.OwningBusinessUnit = "", ""
		return nil
	}
	if owner == "" {
		if row.OwnerID == "" {
			return invalidf("%s.ownerid: required for user-owned entity %s", field, def.Name)
		}
		return nil // keep the current owner
	}
	id, ok := CanonicalGUID(owner)
	if !ok {
		return invalidf("%s.ownerid: %q is not a GUID", field, owner)
	}
	bu, ok := owners[id]
	if !ok {
		var err error
		bu, err = st.ownerBusinessUnit(id)
		if errors.Is(err, ErrNotFound) {
			return invalidf("%s.ownerid: no user or team %q", field, id)
		}
		if err != nil {
			return err
		}
		owners[id] = bu
	}
	row.OwnerID, row.OwningBusinessUnit = id, bu
	return nil
}

// ownerBusinessUnit returns the business unit of a user or team.
func (st *cmdState) ownerBusinessUnit(id string) (string, error) {
	var u User
	err := st.getDecoded(secKey(kindUser, id), &u)
	if err == nil {
		return u.BusinessUnit, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return "", err
	}
	var t Team
	if err := st.getDecoded(secKey(kindTeam, id), &t); err != nil {
		return "", err
	}
	return t.BusinessUnit, nil
}

func (st *cmdState) deleteRow(def *EntityDef, id string) error {
	cur, found, err := st.readRow(def.Name, id)
	if err != nil {
		return err
	}
	if !found || cur.Deleted {
		return nil // deleting what is not there is a no-op
	}
	tomb := codec.Row{ID: id, OwnerID: cur.OwnerID, OwningBusinessUnit: cur.OwningBusinessUnit,
		CreatedOn: cur.CreatedOn, ModifiedOn: st.now, Version: st.version, Deleted: true}
	return st.writeRow(def, cur, found, tomb)
}

// writeRow stores a new row image (or tombstone), its change-log entry, and
// keeps the owner and reference indexes in step with it.
func (st *cmdState) writeRow(def *EntityDef, cur codec.Row, found bool, row codec.Row) error {
	rk := rowKey(def.Name, row.ID)
	parts := st.partitioned()
	prev := uint64(0)
	if found && (!cur.Deleted || parts) {
		// With partition logs, prev names the previous image even when it
		// is a tombstone, so that a delta can walk back to any row's image
		// at its cursor (partitionread.go).
		prev = cur.Version
	}
	if found {
		// After a tombstone the row had no image: prev stays 0, so pruning
		// the tombstone loses nothing a delta needs.
		if cur.Version == st.version {
			// Written before at this same version (earlier in the batch,
			// or by a partly written earlier attempt): keep its prev.
			var ce ChangeEntry
			if err := st.get(changeKey(def.Name, st.version, row.ID), func(b []byte) error { return decodeChange(b, &ce) }); err != nil {
				return err
			}
			prev = ce.Prev
		}
	}
	// The change-log value is prev followed by the row's bytes: encoded
	// once, the row key takes the same bytes after the first 8 (nothing
	// modifies a staged value; Badger copies it).
	chg, err := codec.AppendMarshal(binary.BigEndian.AppendUint64(make([]byte, 0, 512), prev), &row)
	if err != nil {
		return fmt.Errorf("encode row: %w", err)
	}
	st.setOwned(rk, chg[8:len(chg):len(chg)])
	st.touch(def.Name)
	st.setOwned(changeKey(def.Name, st.version, row.ID), chg)
	img := row // the tails share it; nothing modifies a written row
	st.logs = append(st.logs, headEntry{def.Name, logEntry{version: st.version, prev: prev, id: row.ID, row: &img}})
	live := found && !cur.Deleted
	owned := live && (row.Deleted || cur.OwnerID != row.OwnerID || cur.OwningBusinessUnit != row.OwningBusinessUnit)
	if owned && cur.OwnerID != "" {
		st.del(ownerKey(def.Name, cur.OwningBusinessUnit, cur.OwnerID, row.ID))
	}
	if !row.Deleted && row.OwnerID != "" && (!live || owned) {
		st.setOwned(ownerKey(def.Name, row.OwningBusinessUnit, row.OwnerID, row.ID), nil)
	}
	if live && (row.Deleted || cur.ModifiedOn != row.ModifiedOn) {
		st.del(modKey(def.Name, cur.ModifiedOn, row.ID))
	}
	if !row.Deleted && (!live || cur.ModifiedOn != row.ModifiedOn) {
		st.setOwned(modKey(def.Name, row.ModifiedOn, row.ID), nil)
	}
	if err := st.indexTimes(def, cur, live, row); err != nil {
		return err
	}
	rs := refScopes{}
	moved := live && (cur.OwnerID != row.OwnerID || cur.OwningBusinessUnit != row.OwningBusinessUnit)
	for _, a := range def.Attributes {
		if a.Type != TypeLookup {
			continue
		}
		var old, now string
		if live {
			old, _ = cur.Attrs[a.Name].(string)
		}
		if !row.Deleted {
			now, _ = row.Attrs[a.Name].(string)
		}
		if old == now && !(moved && parts) {
			continue
		}
		if parts {
			rs.add(old, def.Name, cur.OwnerID, cur.OwningBusinessUnit, -1)
			rs.add(now, def.Name, row.OwnerID, row.OwningBusinessUnit, 1)
		}
		if old == now {
			continue
		}
		if old != "" {
			st.del(refKey(old, def.Name, row.ID, a.Name))
			st.logs = append(st.logs, headEntry{head: refMovedHead + old, logEntry: logEntry{version: st.version}})
		}
		if now != "" {
			st.setOwned(refKey(now, def.Name, row.ID, a.Name), nil)
			st.logs = append(st.logs, headEntry{head: refMovedHead + now, logEntry: logEntry{version: st.version}})
		}
	}
	if !parts {
		return nil
	}
	if err := st.applyRefScopes(rs); err != nil {
		return err
	}
	return st.logPartitions(def, cur, found, row, prev)
}

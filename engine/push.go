package engine

import (
	"errors"
	"fmt"

	"github.com/offsync/offsync/codec"
)

// MutationOp is what a device's offline mutation does.
type MutationOp string

// The mutation operations.
const (
	MutationCreate MutationOp = "create"
	MutationUpdate MutationOp = "update"
	MutationDelete MutationOp = "delete"
)

// The codes of rejected mutations.
const (
	CodeForbidden = "forbidden"
	CodeNotFound  = "not_found"
	CodeInvalid   = "invalid"
	CodeConflict  = "conflict"
)

// Mutation is one change a device made offline.
type Mutation struct {
	// ID is unique per device: a retried mutation is applied once.
	ID     string         `msgpack:"id" json:"id"`
	Entity string         `msgpack:"e" json:"entity"`
	RowID  string         `msgpack:"r" json:"rowId"`
	Op     MutationOp     `msgpack:"o" json:"op"`
	Attrs  map[string]any `msgpack:"a,omitempty" json:"attributes,omitempty"`
	// BaseVersion is the row version the device saw (updates).
	BaseVersion uint64 `msgpack:"b,omitempty" json:"baseVersion,omitempty"`
}

// Push is a device's upload: its user, its token (the device) and its
// mutations, validated and applied in order against the state at the
// push's version.
type Push struct {
	User   string `msgpack:"u"`
	Device string `msgpack:"d"`
	// App is the id of the app the device syncs for (empty: the default
	// app): mutations are checked against the user's profile in it.
	App       string     `msgpack:"a,omitempty"`
	Mutations []Mutation `msgpack:"m"`
}

// MutationResult says what became of one mutation.
type MutationResult struct {
	ID      string `msgpack:"id" json:"id"`
	Applied bool   `msgpack:"ok" json:"applied"`
	// Version is the version the mutation was applied at.
	Version uint64 `msgpack:"v,omitempty" json:"version,omitempty"`
	Code    string `msgpack:"c,omitempty" json:"code,omitempty"`
	Message string `msgpack:"msg,omitempty" json:"message,omitempty"`
}

// SyncError records a rejected mutation for administrators.
type SyncError struct {
	Version uint64 `msgpack:"v" json:"version"`
	Index   int    `msgpack:"i" json:"index"`
	Time    int64  `msgpack:"t" json:"time"`
	User    string `msgpack:"u" json:"user"`
	Device  string `msgpack:"d" json:"device"`
	// App is the id of the app the device synced for; empty (as stored)
	// is the default app.
	App      string   `msgpack:"a,omitempty" json:"app,omitempty"`
	Mutation Mutation `msgpack:"m" json:"mutation"`
	Code     string   `msgpack:"c" json:"code"`
	Message  string   `msgpack:"msg" json:"message"`
	// AttrsOmitted says why the mutation's attributes were not kept
	// (OmittedTooLarge, OmittedOutsideProfile); empty when they were.
	AttrsOmitted string `msgpack:"ao,omitempty" json:"attributesOmitted,omitempty"`
}

// MaxMutationsPerPush caps one push.
const MaxMutationsPerPush = 1000

// rejection is a mutation's refusal: a code and a message that names
// nothing outside the user's view.
type rejection struct{ code, msg string }

// Error returns the message.
func (r *rejection) Error() string { return r.msg }

func reject(code, format string, args ...any) error {
	return &rejection{code: code, msg: fmt.Sprintf(format, args...)}
}

func pushResultKey(device, mutation string) []byte { return []byte("d/" + device + "/" + mutation) }

// push applies each mutation on its own: a rejected one changes nothing
// (and is recorded as a sync error), the others still apply. A mutation
// id seen before from the same device returns its first result.
func (st *cmdState) push(p *Push) ([]MutationResult, error) {
	if p == nil || p.User == "" || p.Device == "" {
		return nil, invalidf("push: user and device are required")
	}
	if len(p.Mutations) > MaxMutationsPerPush {
		return nil, invalidf("mutations: %d is more than the maximum %d per push", len(p.Mutations), MaxMutationsPerPush)
	}
	acc, err := loadAccess(st, p.User, p.App)
	if err != nil {
		return nil, err
	}
	settings, err := st.settings()
	if err != nil {
		return nil, err
	}
	out := make([]MutationResult, len(p.Mutations))
	var errs []SyncError
	sch := st.currentSchema()
	for i, m := range p.Mutations {
		if m.ID == "" || len(m.ID) > 128 {
			out[i] = MutationResult{ID: m.ID, Code: CodeInvalid, Message: fmt.Sprintf("mutations[%d].id: required, at most 128 characters", i)}
			continue
		}
		key := pushResultKey(p.Device, m.ID)
		if err := st.getDecoded(key, &out[i]); err == nil {
			continue // a retry: the first result stands
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		err := st.mutate(acc, settings, &m, false)
		var rj *rejection
		switch {
		case err == nil:
			out[i] = MutationResult{ID: m.ID, Applied: true, Version: st.version}
		case errors.As(err, &rj):
			out[i] = MutationResult{ID: m.ID, Code: rj.code, Message: rj.msg}
		case errors.Is(err, ErrInvalid):
			out[i] = MutationResult{ID: m.ID, Code: CodeInvalid, Message: err.Error()}
		default:
			return nil, err
		}
		out[i].Message = clip(out[i].Message, maxSyncErrorText) // it may quote the device's input
		if !out[i].Applied {
			se, err := boundedSyncError(SyncError{Version: st.version, Index: i, Time: st.now, User: p.User, Device: p.Device,
				App: storedAppID(p.App), Mutation: m, Code: out[i].Code, Message: out[i].Message}, profileEntity(acc, sch, m.Entity) != nil)
			if err != nil {
				return nil, err
			}
			errs = append(errs, se)
		}
		if err := st.setDecoded(key, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, st.recordSyncErrors(p.Device, errs, settings)
}

// profileEntity returns the definition of entity when it is an offline
// entity of the user's published profile, else nil.
func profileEntity(acc *Access, sch *Schema, entity string) *EntityDef {
	def := sch.Entity(entity)
	if def == nil || acc.Profile == nil || acc.Profile.Published == 0 || acc.Profile.Rule(entity) == nil || !def.Offline {
		return nil
	}
	return def
}

// mutate validates one mutation against the state and applies it. Every
// check runs before the first write. What a rejection says never depends
// on whether something the user cannot read exists: the checks that need
// no existing row (lookups, owner, privileges, values) come first, and a
// create's taken id is found last and answered the same whether or not
// the user can read the row holding it.
func (st *cmdState) mutate(acc *Access, set Settings, m *Mutation, admin bool) error {
	sch := st.currentSchema()
	def := sch.Entity(m.Entity)
	if !admin {
		def = profileEntity(acc, sch, m.Entity)
	}
	if def == nil {
		return reject(CodeForbidden, "entity %q is not in your offline profile", m.Entity)
	}
	if admin {
		acc = adminAccess(acc)
	}
	id, ok := CanonicalGUID(m.RowID)
	if !ok {
		return reject(CodeInvalid, "rowId: %q is not a GUID", m.RowID)
	}
	cur, found, err := st.readRow(def.Name, id)
	if err != nil {
		return err
	}
	live := found && !cur.Deleted
	if live && !acc.Can(PrivRead, def, &cur) {
		live = false // rows the user cannot read do not exist for them
	}
	for _, sys := range []string{AttrID, AttrOwningBusinessUnit, AttrCreatedOn, AttrModifiedOn, AttrVersion} {
		if _, ok := m.Attrs[sys]; ok {
			return reject(CodeInvalid, "attributes.%s: a system attribute the server sets", sys)
		}
	}
	rec := codec.Record{Entity: def.Name, ID: id, Attrs: m.Attrs}
	if o, ok := m.Attrs[AttrOwnerID].(string); ok {
		rec.OwnerID = o
		if g, ok := CanonicalGUID(o); ok {
			rec.OwnerID = g
		}
		rec.Attrs = without(m.Attrs, AttrOwnerID)
	}
	targets, err := st.checkLookups(acc, def, rec.Attrs)
	if err != nil {
		return err
	}
	switch m.Op {
	case MutationCreate:
		owner := acc.User.ID
		if def.Ownership == OwnedByUserOrTeam && rec.OwnerID != "" {
			owner = rec.OwnerID
		}
		bu, err := st.checkOwner(acc, def, PrivCreate, owner)
		if err != nil {
			return err
		}
		if def.Ownership == OwnedByUserOrTeam {
			rec.OwnerID = owner
		}
		if err := checkAppend(acc, def, &codec.Row{OwnerID: owner, OwningBusinessUnit: bu}, rec.Attrs, targets); err != nil {
			return err
		}
		row, err := st.buildRow("attributes", def, id, &rec, codec.Row{}, false, st.b.e.owners)
		if err != nil {
			return err
		}
		if found && !cur.Deleted { // readable or not: the same answer
			return reject(CodeConflict, "a row with this id cannot be created")
		}
		return st.writeRow(def, cur, found, row)
	case MutationUpdate:
		if !live {
			return reject(CodeNotFound, "the row does not exist or you cannot see it")
		}
		if !acc.Can(PrivWrite, def, &cur) {
			return reject(CodeForbidden, "you may not change this row")
		}
		if err := checkAppend(acc, def, &cur, rec.Attrs, targets); err != nil {
			return err
		}
		if rec.OwnerID != "" && rec.OwnerID != cur.OwnerID {
			if !acc.Can(PrivAssign, def, &cur) {
				return reject(CodeForbidden, "you may not assign this row")
			}
			if _, err := st.checkOwner(acc, def, PrivAssign, rec.OwnerID); err != nil {
				return err
			}
		}
		if set.ConflictDetection {
			if err := st.checkConflict(def, &cur, m); err != nil {
				return err
			}
		}
		return st.upsert("attributes", def, id, &rec, st.b.e.owners)
	case MutationDelete:
		if !live {
			return reject(CodeNotFound, "the row does not exist or you cannot see it")
		}
		if !acc.Can(PrivDelete, def, &cur) {
			return reject(CodeForbidden, "you may not delete this row")
		}
		return st.deleteRow(def, id)
	}
	return reject(CodeInvalid, "op: %q is not create, update or delete", m.Op)
}

// adminAccess is acc with organization depth for every privilege, so an
// administrator's re-apply passes the privilege checks (and only those).
func adminAccess(acc *Access) *Access {
	u := acc.User
	u.Enabled = true
	return &Access{User: u, App: acc.App, Teams: acc.Teams, teamSet: acc.teamSet, Subtree: acc.Subtree,
		roles: []Role{{ID: "admin", Privileges: map[string]Privileges{}}}, Profile: acc.Profile, admin: true,
		// (depths dropped, memo fresh: this is another access)
	}
}

// checkOwner: the owner must be a user or team that priv's depth
// reaches; it returns the owner's business unit. An owner that does not
// exist is refused as one out of reach, so the answer does not say which
// ids are users.
func (st *cmdState) checkOwner(acc *Access, def *EntityDef, priv Privilege, owner string) (string, error) {
	if def.Ownership == OwnedByOrganization {
		if acc.Depth(def.Name, priv) == DepthNone {
			return "", reject(CodeForbidden, "you may not do this on %s", def.Name)
		}
		return "", nil
	}
	id, ok := CanonicalGUID(owner)
	if !ok {
		return "", reject(CodeInvalid, "ownerid: not a GUID")
	}
	bu, err := st.ownerBusinessUnit(id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", err
	}
	if err != nil || !acc.Covers(acc.Depth(def.Name, priv), def, id, bu) {
		return "", reject(CodeForbidden, "you may not do this for that owner")
	}
	return bu, nil
}

// lookupTarget is the row a lookup attribute of a mutation points at.
type lookupTarget struct {
	attr string
	def  *EntityDef
	row  codec.Row
}

// checkLookups: a lookup must point at a row the user can read. It
// returns those rows, in attribute order.
func (st *cmdState) checkLookups(acc *Access, def *EntityDef, attrs map[string]any) ([]lookupTarget, error) {
	sch := st.currentSchema()
	var out []lookupTarget
	for _, name := range sortedKeys(attrs) {
		a := def.Attribute(name)
		s, ok := attrs[name].(string)
		if a == nil || a.Type != TypeLookup || !ok {
			continue
		}
		id, ok := CanonicalGUID(s)
		if !ok {
			continue // the value check reports it
		}
		found := false
		for _, t := range a.Targets {
			row, ok, err := st.readRow(t, id)
			if err != nil {
				return nil, err
			}
			if tdef := sch.Entity(t); ok && !row.Deleted && tdef != nil && acc.Can(PrivRead, tdef, &row) {
				out = append(out, lookupTarget{attr: name, def: tdef, row: row})
				found = true
				break
			}
		}
		if !found {
			return nil, reject(CodeInvalid, "attributes.%s: the row it looks up does not exist or you cannot see it", name)
		}
	}
	return out, nil
}

// checkAppend: setting (or clearing) a lookup needs Append on the row
// written, and each target needs AppendTo, as in the Dynamics model.
func checkAppend(acc *Access, def *EntityDef, row *codec.Row, attrs map[string]any, targets []lookupTarget) error {
	for _, name := range sortedKeys(attrs) {
		if a := def.Attribute(name); a != nil && a.Type == TypeLookup && !acc.Can(PrivAppend, def, row) {
			return reject(CodeForbidden, "attributes.%s: you may not set lookups on this row", name)
		}
	}
	for _, t := range targets {
		if !acc.Can(PrivAppendTo, t.def, &t.row) {
			return reject(CodeForbidden, "attributes.%s: you may not link to the row it looks up", t.attr)
		}
	}
	return nil
}

// checkConflict rejects an update when an attribute it changes was
// changed on the server after the device's base version.
func (st *cmdState) checkConflict(def *EntityDef, cur *codec.Row, m *Mutation) error {
	if cur.Version <= m.BaseVersion {
		return nil
	}
	// Walk back to the image as of the base version.
	img := *cur
	for img.Version > m.BaseVersion {
		var ce ChangeEntry
		if err := st.get(changeKey(def.Name, img.Version, img.ID), func(b []byte) error { return decodeChange(b, &ce) }); err != nil || ce.Prev == 0 {
			return reject(CodeConflict, "the row changed on the server since your version")
		}
		var prev ChangeEntry
		if err := st.get(changeKey(def.Name, ce.Prev, img.ID), func(b []byte) error { return decodeChange(b, &prev) }); err != nil || prev.Row.Deleted {
			return reject(CodeConflict, "the row changed on the server since your version")
		}
		img = prev.Row
	}
	for _, name := range sortedKeys(m.Attrs) { // sorted: the message is part of the state
		if name == AttrOwnerID {
			if img.OwnerID != cur.OwnerID {
				return reject(CodeConflict, "%s changed on the server since your version", name)
			}
			continue
		}
		if img.Attrs[name] != cur.Attrs[name] {
			return reject(CodeConflict, "%s changed on the server since your version", name)
		}
	}
	return nil
}

// without returns m without key.
func without(m map[string]any, key string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

package engine

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// DefaultMaxDeltaChanges is PullOptions.MaxDeltaChanges's default.
const DefaultMaxDeltaChanges = 50_000

// PullOptions tunes Pull.
type PullOptions struct {
	// Cache, when set, shares rule rows between users' first loads.
	Cache RuleCache
	// MaxDeltaChanges is how many change-log entries a delta may scan
	// before a full reload is cheaper.
	MaxDeltaChanges int
	// App is the id of the app the device syncs for (empty: the default
	// app): the view is the one of the user's profile in that app.
	App string
	// Groups, when set with Cache, splits first loads into the part
	// users share (PullResult.Shared, kept in Groups) and the user's own
	// (sharedload.go).
	Groups GroupCache
}

// PullResult moves a device from its cursor's view to the current one.
type PullResult struct {
	// Version is the server version the answer was computed at.
	Version         uint64
	MetadataVersion uint64
	// Reset tells the device to drop all its rows before applying this.
	Reset    bool
	Cursor   Cursor
	Entities []EntityDelta
	// Shared, on a first load asked for with PullOptions.Groups, is the
	// part of the view the user shares with every user of its
	// parameters; Entities then holds only the user's own rows (rule
	// order, cutoffs and due times included). Shared rows are within
	// the cutoffs at the answer's time.
	Shared *SharedGroup
	// Scanned counts the change-log and partition-log entries a delta
	// read (0 for first loads and quiet pulls): what its cost follows.
	Scanned int
	// Logs counts the logs a delta sought in Badger: those whose
	// in-memory tails do not reach back to the cursor.
	Logs int
}

// EntityDelta is one entity's part of a pull.
type EntityDelta struct {
	Entity  string
	Upserts []codec.Row // whole rows (projected to the rule's columns)
	// Patches are rows the device holds whose attributes changed: the
	// system attributes and the current values (nil: cleared) of the
	// attributes named in PatchColumns; the device keeps the others.
	Patches      []codec.Row
	PatchColumns []string
	Removals     []string
	// Cutoff (unix ms, 0 for none): the device drops rows whose
	// modifiedon is older; it is the rule's window at the pull's time.
	Cutoff int64
	// NextDue is when the device should next sync this entity (unix ms).
	NextDue int64
}

// Pull computes what a device holding V(cur) needs to hold the user's
// current view at time now. A nil cursor gets the whole view (Reset). The
// answer is exact: it upserts rows that entered the view or changed, and
// removes only rows that were in the device's view and left it. Its cost
// grows with the changes since the cursor, not the table sizes, except
// for first loads and when the user's access context changed (role,
// team, business unit, profile or metadata publish), which reload.
func (e *Engine) Pull(userID string, cur *Cursor, now int64, opt PullOptions) (*PullResult, error) {
	if opt.MaxDeltaChanges <= 0 {
		opt.MaxDeltaChanges = DefaultMaxDeltaChanges
	}
	if res, ok := e.quietPull(userID, cur, now, opt); ok {
		return res, nil
	}
	var res *PullResult
	// Read before the transaction starts: the rows it reads are at least
	// as new, so a share key never claims a state older than the rows.
	var shared string
	var sharedAt uint64
	if opt.Cache != nil {
		if a, err := e.Access(userID, opt.App); err == nil && a.Profile != nil && e.mayLoad(a, cur) {
			shared, sharedAt = e.shareState(a.Profile.PublishedRules)
		}
	}
	epoch, ok := e.orgEpoch()
	err := e.readTxn(func(txn *badger.Txn) error {
		acc, err := e.accessIn(txn, userID, opt.App, epoch, ok)
		if err != nil {
			return err
		}
		if acc.Profile == nil || acc.Profile.Published == 0 {
			return ErrNoProfile
		}
		var version uint64
		if err := getValue(txn, []byte(keyApplied), func(v []byte) error { version = decodeVersion(v); return nil }); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		sch := e.Schema()
		ps := &pullState{viewBuilder: viewBuilder{txn: txn, sch: sch, acc: acc, rules: acc.Profile.PublishedRules, now: now, rowsAt: e, at: version}, v1: version, t1: now,
			partsFrom: e.partsFrom.Load(), horizon: e.horizon.Load(), eng: e}
		if opt.Cache != nil && sharedAt == version {
			ps.cache, ps.shared, ps.groups = opt.Cache, shared, opt.Groups
			ps.groupState = func(parts map[string]entityParts) string { return e.groupState(parts, version) }
		}
		if err := ps.prepare(); err != nil {
			return err
		}
		fp := ps.memoFingerprint()
		fresh := &Cursor{Version: version, Time: now, Context: fp, Was: ps.cursorContext()}
		old := &ps.viewBuilder
		if cur != nil && cur.Context != fp {
			old = ps.oldContext(cur)
		}
		if cur == nil || old == nil || cur.Version < e.horizon.Load() {
			res, err = ps.snapshot(fresh)
		} else if res, err = ps.delta(cur, old, opt.MaxDeltaChanges); errors.Is(err, errReload) {
			res, err = ps.snapshot(fresh)
		}
		if res != nil {
			res.Cursor = *fresh // the device now holds V(user, version, now)
		}
		if res != nil {
			res.Version, res.MetadataVersion = version, sch.Version
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pull: %w", err)
	}
	return res, nil
}

// mayLoad reports whether a pull from cur is likely to load the whole
// view, so that it reads the state its rows may be shared under (the
// rest, deltas, skip that): a first load, a cursor below the horizon, or
// one whose context is not the user's current one (an access change
// reloads, and many users' at once after a publish). A delta that turns
// into a reload (too many changes) loads without sharing.
func (e *Engine) mayLoad(a *Access, cur *Cursor) bool {
	if cur == nil || cur.Version < e.horizon.Load() {
		return true
	}
	m := a.memo.Load()
	return m == nil || m.schema != e.Schema().Version || m.fp != cur.Context
}

// errReload means a delta cannot be computed (too many changes, or the
// change log no longer reaches the cursor): reload instead.
var errReload = errors.New("reload")

// pullState is one pull's read transaction and evaluation context.
type pullState struct {
	viewBuilder
	// partsFrom and horizon are the engine's (see partition.go, prune.go).
	partsFrom uint64
	horizon   uint64
	// eng, when set, lets a delta read recent log entries from memory
	// (partitiontail.go).
	eng *Engine
	v0  uint64
	t0  int64
	v1  uint64
	t1  int64
}

// memoFingerprint is fingerprint, taken from the Access memo (quiet pulls
// store it, quietpull.go) when it was derived from the same schema and
// rules.
func (ps *pullState) memoFingerprint() uint64 {
	a := ps.acc
	if a.Profile != nil && len(ps.rules) > 0 && len(a.Profile.PublishedRules) == len(ps.rules) && &ps.rules[0] == &a.Profile.PublishedRules[0] {
		if m := a.memo.Load(); m != nil && m.schema == ps.sch.Version {
			return m.fp
		}
	}
	return ps.fingerprint()
}

// fingerprint hashes everything a view depends on besides rows and time:
// the user's business unit, subtree and teams, the Read depths of the
// profile's entities, the profile's publish and the metadata version.
func (ps *pullState) fingerprint() uint64 {
	h := fnv.New64a()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	a := ps.acc
	w(a.User.ID)
	w(a.User.BusinessUnit)
	w(strconv.FormatBool(a.User.Enabled))
	for _, t := range a.Teams {
		w(t)
	}
	sub := make([]string, 0, len(a.Subtree))
	for bu := range a.Subtree {
		sub = append(sub, bu)
	}
	slices.Sort(sub)
	for _, bu := range sub {
		w(bu)
	}
	w(a.Profile.ID)
	w(strconv.FormatUint(a.Profile.Published, 10))
	w(strconv.FormatUint(ps.sch.Version, 10))
	for _, r := range ps.rules {
		w(r.Entity)
		w(string(a.Depth(r.Entity, PrivRead)))
	}
	return h.Sum64()
}

// entityDelta returns the EntityDelta of rule i, with its window cutoff and
// next due time.
func (ps *pullState) entityDelta(r *Rule) EntityDelta {
	d := EntityDelta{Entity: r.Entity, NextDue: ps.t1 + int64(r.SyncIntervalMinutes)*60_000}
	if w := r.Window(); w > 0 {
		d.Cutoff = ps.t1 - int64(w)*dayMillis
	}
	return d
}

// snapshot answers a first load (or a reload): the whole view, computed
// in this one read transaction, so it is consistent at (v1, t1). Paging it
// for the wire is the server's job.
func (ps *pullState) snapshot(start *Cursor) (*PullResult, error) {
	res := &PullResult{Reset: true, Cursor: *start}
	if ps.groups != nil {
		g, err := ps.buildGrouped()
		if err != nil {
			return nil, err
		}
		res.Shared = g
	} else if err := ps.build(); err != nil {
		return nil, err
	}
	for i := range ps.rules {
		r := &ps.rules[i]
		d := ps.entityDelta(r)
		rows := ps.rows[r.Entity]
		ids := make([]string, 0, len(rows))
		for id := range rows {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			d.Upserts = append(d.Upserts, Project(r, rows[id]))
		}
		res.Entities = append(res.Entities, d)
	}
	return res, nil
}

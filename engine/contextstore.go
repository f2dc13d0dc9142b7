package engine

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// The context registry. A device's cursor names the access context its
// view was computed under by fingerprint only (Cursor.Context, 8 bytes),
// so that it stays small on the wire. The contexts themselves live here,
// replicated: cx/{fingerprint} holds the CursorContext a pull recorded in
// Cursor.Was. Servers register the contexts of the cursors they hand out
// with KindRecordContexts (first write of a fingerprint wins, so every
// replica holds the same bytes), and a pull whose cursor carries no Was
// (one decoded from the wire) finds its old context here (oldContext).
// An unknown fingerprint makes that pull a reload of the caller's own
// view, which is always safe.
//
// Pruning (pruneContexts, with each change-log prune that moves the
// horizon): an entry that is the current context of some user in some
// app stays. One that is nobody's current context is first marked
// retired at the prune's version P: every cursor naming it was issued
// while it was current, so before P. The next prune whose horizon passes
// P deletes it: those cursors are below the horizon and reload anyway. A
// context that is current again meanwhile loses its mark at the next
// prune, and a server re-registers a retired context it hands out
// (ContextRegistered is false for it). A context that comes and goes
// between two prunes may be deleted while a cursor above the horizon
// still names it: that device then reloads instead of getting a delta.

// prefixContext holds the registry: cx/{fingerprint:be64}.
const prefixContext = "cx/"

// MaxRecordedContexts caps the contexts of one KindRecordContexts command.
const MaxRecordedContexts = 256

// RecordedContext is one access context a KindRecordContexts command
// registers: the fingerprint a cursor names and what it stands for.
type RecordedContext struct {
	Fingerprint uint64        `msgpack:"f"`
	Context     CursorContext `msgpack:"c"`
}

// contextEntry is the value under cx/{fingerprint}.
type contextEntry struct {
	Context CursorContext `msgpack:"c"`
	// Retired is the version of the prune that found the context to be
	// nobody's current one (0: current, or not checked yet).
	Retired uint64 `msgpack:"r,omitempty"`
}

func contextKey(fp uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefixContext), fp)
}

// recordContexts runs a KindRecordContexts: each context is stored unless
// its fingerprint is already (the first write wins); one stored but
// retired is current again, and loses its mark.
func (st *cmdState) recordContexts(list []RecordedContext) error {
	if len(list) == 0 || len(list) > MaxRecordedContexts {
		return invalidf("contexts: between 1 and %d, got %d", MaxRecordedContexts, len(list))
	}
	for i := range list {
		if err := list[i].Context.validate(); err != nil {
			return invalidf("contexts[%d]: %v", i, err)
		}
	}
	for i := range list {
		key := contextKey(list[i].Fingerprint)
		var cur contextEntry
		err := st.getDecoded(key, &cur)
		switch {
		case errors.Is(err, ErrNotFound):
			if err := st.setDecoded(key, &contextEntry{Context: list[i].Context}); err != nil {
				return err
			}
		case err != nil:
			return err
		case cur.Retired != 0:
			cur.Retired = 0
			if err := st.setDecoded(key, &cur); err != nil {
				return err
			}
		}
	}
	return nil
}

// validate checks the shape of a context: 16-byte GUIDs, known depths.
func (c *CursorContext) validate() error {
	if len(c.BU) != 16 && len(c.BU) != 0 {
		return errors.New("business unit: not a 16-byte id")
	}
	if len(c.Profile) != 16 {
		return errors.New("profile: not a 16-byte id")
	}
	for _, t := range c.Teams {
		if len(t) != 16 {
			return errors.New("team: not a 16-byte id")
		}
	}
	for _, d := range c.Depths {
		if int(d) >= len(depthOfRank) {
			return fmt.Errorf("depth %d: unknown", d)
		}
	}
	return nil
}

// registeredContext returns the context registered under fp in txn, or
// nil.
func registeredContext(txn *badger.Txn, fp uint64) *CursorContext {
	var e contextEntry
	if getDecoded(txn, contextKey(fp), &e) != nil {
		return nil
	}
	return &e.Context
}

// ContextRegistered reports whether the context of fingerprint fp is in
// the registry and not retired: a server registers the context of a
// cursor it hands out unless it is.
func (e *Engine) ContextRegistered(fp uint64) (bool, error) {
	found := false
	err := e.readTxn(func(txn *badger.Txn) error {
		var ce contextEntry
		err := getDecoded(txn, contextKey(fp), &ce)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		found = err == nil && ce.Retired == 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("read context: %w", err)
	}
	return found, nil
}

// pruneContexts retires the registered contexts that are nobody's
// current one and deletes those retired below horizon (see the top of
// this file). It runs only when the prune moves the horizon.
func (st *cmdState) pruneContexts(horizon uint64) error {
	if horizon <= st.b.horizon {
		return nil
	}
	keys, err := st.keysWithPrefix([]byte(prefixContext))
	if err != nil || len(keys) == 0 {
		return err
	}
	entries := make([]contextEntry, len(keys))
	users := map[uint64]bool{}
	for i, k := range keys {
		if err := st.getDecoded([]byte(k), &entries[i]); err != nil {
			return err
		}
		users[entries[i].Context.User] = true
	}
	current, err := st.currentContexts(users)
	if err != nil {
		return fmt.Errorf("prune contexts: %w", err)
	}
	for i, k := range keys {
		e := &entries[i]
		fp := binary.BigEndian.Uint64([]byte(k[len(prefixContext):]))
		switch {
		case current[fp]:
			if e.Retired != 0 {
				e.Retired = 0
				err = st.setDecoded([]byte(k), e)
			}
		case e.Retired == 0:
			e.Retired = st.version
			err = st.setDecoded([]byte(k), e)
		case e.Retired < horizon:
			st.del([]byte(k))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// currentContexts returns the fingerprints of the current access
// contexts, in every app, of the users whose id hashes are in users.
func (st *cmdState) currentContexts(users map[uint64]bool) (map[uint64]bool, error) {
	sch := st.currentSchema()
	apps, err := appsIn(st, sch)
	if err != nil {
		return nil, err
	}
	keys, err := st.keysWithPrefix(secPrefix(kindUser))
	if err != nil {
		return nil, err
	}
	current := map[uint64]bool{}
	r := &memoReader{st: st, vals: map[string][]byte{}, lists: map[string][]string{}}
	for _, k := range keys {
		id := k[len(secPrefix(kindUser)):]
		if !users[hashString(id)] {
			continue
		}
		for _, app := range apps {
			a, err := loadAccess(r, id, app.ID)
			if err != nil {
				return nil, err
			}
			if a.Profile == nil || a.Profile.Published == 0 {
				continue
			}
			ps := &pullState{viewBuilder: viewBuilder{acc: a, rules: a.Profile.PublishedRules, sch: sch}}
			current[ps.fingerprint()] = true
		}
	}
	return current, nil
}

// memoReader reads objects through a command's state and remembers what
// it read: resolving many users' access reads the business units, roles
// and teams they share once. The command writes none of them meanwhile.
type memoReader struct {
	st    *cmdState
	vals  map[string][]byte
	lists map[string][]string
}

func (m *memoReader) getDecoded(key []byte, v any) error {
	b, ok := m.vals[string(key)]
	if !ok {
		err := m.st.get(key, func(val []byte) error { b = append(make([]byte, 0, len(val)), val...); return nil })
		if errors.Is(err, ErrNotFound) {
			b = nil
		} else if err != nil {
			return err
		}
		m.vals[string(key)] = b
	}
	if b == nil {
		return ErrNotFound
	}
	if err := codec.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %q: %w: %w", key, ErrCorrupt, err)
	}
	return nil
}

func (m *memoReader) keysWithPrefix(prefix []byte) ([]string, error) {
	if l, ok := m.lists[string(prefix)]; ok {
		return l, nil
	}
	l, err := m.st.keysWithPrefix(prefix)
	if err == nil {
		m.lists[string(prefix)] = l
	}
	return l, err
}

package client

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

// A device talks to a cluster through a list of endpoints (base URLs):
// the ones it was configured with, and the members the nodes name in the
// Offsync-Members header of their answers. It tries the node that last
// answered first, then the configured ones, then the learned ones. The
// store keeps the learned members and the last node that answered, so a
// device whose configured node is gone still finds the others on its
// next start. It also keeps the configured ones: a device opened without
// any (DeviceConfig.Server and Servers empty) uses those of its last
// sync, else DefaultServer. A device opened with other configured ones
// than its store's forgets the learned members and the last node that
// answered, unless that node is among the new ones: it was pointed
// elsewhere on purpose.

// MembersHeader names the header in which nodes list the base URLs of
// the cluster's members, comma-separated.
const MembersHeader = "Offsync-Members"

// maxLearned caps the members taken from one header.
const maxLearned = 32

var (
	// keyServers holds the configured endpoints, comma-separated.
	keyServers = []byte("m/servers")
	// keyMembers holds the learned members, comma-separated.
	keyMembers = []byte("m/members")
	// keyServed holds the base URL of the node that last answered.
	keyServed = []byte("m/served")
)

// endpoints is a device's list of nodes. It is safe for concurrent use.
type endpoints struct {
	mu         sync.Mutex
	configured []string
	learned    []string
	preferred  string
	// dirty says the learned members or the preferred node changed
	// since the store last recorded them.
	dirty bool
}

// newEndpoints checks and normalizes the configured base URLs, dropping
// empty ones and repeats. A device without any can read its store but
// not sync.
func newEndpoints(configured []string) (*endpoints, error) {
	e := &endpoints{}
	for _, raw := range configured {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		u, err := normalizeEndpoint(raw)
		if err != nil {
			return nil, fmt.Errorf("open device: Server %q: %w: %w", raw, ErrConfig, err)
		}
		if !slices.Contains(e.configured, u) {
			e.configured = append(e.configured, u)
		}
	}
	return e, nil
}

// normalizeEndpoint checks that raw is an http or https base URL with a
// host and no query, user or fragment, and returns it without a trailing
// slash.
func normalizeEndpoint(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", err
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("want an http:// or https:// URL")
	case u.Host == "":
		return "", errors.New("no host")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return "", errors.New("want a base URL, without user, query or fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// order is the endpoints to try, in order: the node that last answered,
// the configured ones, the learned ones.
func (e *endpoints) order() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, 1+len(e.configured)+len(e.learned))
	if e.preferred != "" {
		out = append(out, e.preferred)
	}
	for _, u := range slices.Concat(e.configured, e.learned) {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// learn takes the members named by header in an answer from the node at
// from; it reports whether the learned list changed. A member must be a
// valid base URL; over plain http only when from itself is http (a device
// that talks https never sends its token in clear to a learned node).
// An empty header changes nothing: a node may not know the members.
func (e *endpoints) learn(from, header string) bool {
	if header == "" {
		return false
	}
	insecureOK := strings.HasPrefix(from, "http://")
	var got []string
	for _, raw := range strings.Split(header, ",") {
		u, err := normalizeEndpoint(raw)
		if err != nil || (strings.HasPrefix(u, "http://") && !insecureOK) || slices.Contains(got, u) {
			continue
		}
		got = append(got, u)
		if len(got) == maxLearned {
			break
		}
	}
	if len(got) == 0 {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if slices.Equal(got, e.learned) {
		return false
	}
	e.learned, e.dirty = got, true
	return true
}

// answered makes base the preferred node; it reports whether that
// changed.
func (e *endpoints) answered(base string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.preferred == base {
		return false
	}
	e.preferred, e.dirty = base, true
	return true
}

// takeDirty reports whether the endpoints changed since they were last
// recorded, and clears that.
func (e *endpoints) takeDirty() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := e.dirty
	e.dirty = false
	return d
}

// markDirty says the endpoints still need recording.
func (e *endpoints) markDirty() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.dirty = true
}

// failed stops preferring base, after it failed in the middle of an
// answer.
func (e *endpoints) failed(base string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.preferred == base {
		e.preferred, e.dirty = "", true
	}
}

// current returns the learned members and the preferred node.
func (e *endpoints) current() (learned []string, preferred string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.learned), e.preferred
}

// load reads the learned members and the preferred node from the store.
// A stored value that is not a valid endpoint is ignored.
func (e *endpoints) load(db *badger.DB) error {
	var servers, members, served string
	err := db.View(func(txn *badger.Txn) error {
		for _, kv := range []struct {
			key []byte
			to  *string
		}{{keyServers, &servers}, {keyMembers, &members}, {keyServed, &served}} {
			item, err := txn.Get(kv.key)
			if errors.Is(err, badger.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := item.Value(func(v []byte) error { *kv.to = string(v); return nil }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read device endpoints: %w", err)
	}
	stored := endpointList(servers)
	if len(e.configured) > 0 && !slices.Equal(e.configured, stored) {
		// Pointed at other nodes: what the store learned from the old
		// ones (their members, the last that answered) is not theirs.
		e.dirty = true
		if u, err := normalizeEndpoint(served); err == nil && slices.Contains(e.configured, u) {
			e.preferred = u
		}
		return nil
	}
	if len(e.configured) == 0 {
		e.configured = stored
		if len(e.configured) == 0 {
			e.configured = []string{DefaultServer}
		}
	}
	e.learned = endpointList(members)
	if u, err := normalizeEndpoint(served); err == nil && served != "" {
		e.preferred = u
	}
	return nil
}

// endpointList parses a stored comma-separated list, skipping what is not
// a valid endpoint.
func endpointList(s string) []string {
	var out []string
	for _, raw := range strings.Split(s, ",") {
		if u, err := normalizeEndpoint(raw); err == nil && raw != "" && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// save writes the configured endpoints, the learned members and the
// preferred node to the store.
func (e *endpoints) save(db *badger.DB) error {
	if err := db.Update(e.record); err != nil {
		return fmt.Errorf("record device endpoints: %w", err)
	}
	return nil
}

// record writes what save writes in txn: a first load records them in
// its own last transaction rather than in a commit of their own
// (Device.applyWith).
func (e *endpoints) record(txn *badger.Txn) error {
	learned, preferred := e.current()
	if err := txn.Set(keyServers, []byte(strings.Join(e.configured, ","))); err != nil {
		return err
	}
	if err := txn.Set(keyMembers, []byte(strings.Join(learned, ","))); err != nil {
		return err
	}
	return txn.Set(keyServed, []byte(preferred))
}

// Endpoints returns the nodes the device tries, in the order it tries
// them: the one that last answered, the configured ones, the learned
// members.
func (d *Device) Endpoints() []string { return d.eps.order() }

package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/offsync/offsync/engine"
)

// Event stream timings.
const (
	// EventHeartbeat is how often an idle stream sends a comment line,
	// so that proxies and devices see it alive.
	EventHeartbeat = 25 * time.Second
	// eventCoalesce gathers the commits of a burst into one event.
	eventCoalesce = 100 * time.Millisecond
	// eventWriteTimeout bounds one write to a stream: a device that reads
	// nothing for this long is dropped.
	eventWriteTimeout = 30 * time.Second
)

// Event is the data of a "changed" or "metadata" event.
type Event struct {
	Version         uint64   `json:"version"`
	MetadataVersion uint64   `json:"metadataVersion"`
	Entities        []string `json:"entities,omitempty"`
}

// deviceEvents handles GET /v1/sync/events: a Server-Sent Events stream
// that says "ready" at once, then "changed" when rows of the user's
// profile entities were written or the user's access changed, and
// "metadata" when metadata was published. The device answers with a pull.
// A node that falls past its staleness bounds says "stale" and ends the
// stream, so that the device reconnects to another node. On every admin
// change and every heartbeat the stream re-checks its token and access:
// when the token was revoked, the user disabled or deleted, or the user's
// profile removed or unpublished, it says "revoked" ({code, message}, as
// the next request would get) and ends. A token holds at most
// MaxStreamsPerToken streams on a node; more get 429 too_many_streams.
// On HTTP/1.1 the stream takes its connection over from net/http (see
// openEventWire), so that an idle stream costs little memory, and closes
// it when it ends (Connection: close).
func (s *Server) deviceEvents(w http.ResponseWriter, r *http.Request) {
	dt, ok := s.deviceToken(w, r)
	if !ok {
		return
	}
	app, ok := s.deviceApp(w, r, dt)
	if !ok {
		return
	}
	secret := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	acc, err := s.streamAccess(secret, dt.ID, app)
	if err != nil {
		if status, eb, ok := streamDenial(err); ok {
			writeError(w, status, eb.Code, eb.Message)
		} else {
			s.deviceErr(w, r, err)
		}
		return
	}
	if !s.streams.acquire(dt.ID, s.cfg.MaxStreamsPerToken) {
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusTooManyRequests, CodeTooManyStreams,
			fmt.Sprintf("this device token already has %d event streams open on this node: close one first", s.cfg.MaxStreamsPerToken))
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	st := &eventStream{s: s, secret: strings.Clone(secret), tokenID: dt.ID, app: strings.Clone(app), acc: acc}
	wire, detached, ok := openEventWire(w, r)
	if !ok {
		s.streams.release(dt.ID)
		return
	}
	if !detached {
		defer s.streams.release(dt.ID)
		st.run(wire)
		return
	}
	// The stream outlives this handler: it ends the request's
	// accounting itself.
	addBytes, finish := func(int) {}, func() {}
	if d, ok := requestDetacherOf(w); ok {
		addBytes, finish = d.detachRequest()
	}
	st.addBytes = addBytes
	cw := wire.(*connWire)
	s.streams.track(cw)
	go func() {
		defer finish()
		defer s.streams.release(dt.ID)
		defer s.streams.untrack(cw)
		defer cw.end()
		st.run(wire)
	}()
}

// requestDetacher is a ResponseWriter wrapper that accounts for a
// request when its handler returns; a stream that outlives its handler
// takes that over (countingWriter.detachRequest).
type requestDetacher interface {
	detachRequest() (addBytes func(int), finish func())
}

// requestDetacherOf finds a requestDetacher among w and the writers it
// wraps.
func requestDetacherOf(w http.ResponseWriter) (requestDetacher, bool) {
	for {
		if d, ok := w.(requestDetacher); ok {
			return d, true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil, false
		}
		w = u.Unwrap()
	}
}

// eventStream is one open event stream: what it stands on (re-checked
// on admin changes and heartbeats) and where it has got to.
type eventStream struct {
	s                    *Server
	secret, tokenID, app string
	acc                  *engine.Access
	addBytes             func(int) // counts bytes a detached stream writes
}

// run sends the stream's events over wire until the device goes, the
// node falls stale or the stream's rights end.
func (st *eventStream) run(wire eventWire) {
	s, acc := st.s, st.acc
	write := func(name string, data any) bool {
		b, _ := json.Marshal(data)
		ev := fmt.Appendf(nil, "event: %s\ndata: %s\n\n", name, b)
		if st.addBytes != nil {
			st.addBytes(len(ev))
		}
		return wire.send(ev)
	}
	send := func(name string, ev Event) bool { return write(name, ev) }
	// recheck says whether the stream may go on; when not, it sends the
	// final event.
	recheck := func() bool {
		a, err := s.streamAccess(st.secret, st.tokenID, st.app)
		if err == nil {
			acc = a
			return true
		}
		if _, eb, ok := streamDenial(err); ok {
			write("revoked", eb)
		}
		return false // an unexpected error: end, the device reconnects
	}
	seen := s.r.Applied()
	meta := s.metadataVersion(s.r.Schema(), acc) // the device's mv (sync_metadata.go)
	// ctxKey is keyed's accessKey: only a recheck replaces acc, so the
	// key is not rebuilt for every event of every stream.
	keyed, ctxKey := acc, accessKey(acc)
	if !send("ready", Event{Version: seen, MetadataVersion: meta}) {
		return
	}
	heartbeat := time.NewTicker(EventHeartbeat)
	defer heartbeat.Stop()
	coalesce := time.NewTimer(eventCoalesce)
	coalesce.Stop()
	defer coalesce.Stop()
	for {
		changed := s.r.Changed()
		if s.r.Applied() == seen { // else a commit came before the channel: go on
			select {
			case <-wire.gone():
				return
			case <-heartbeat.C:
				if s.fresh() != nil { // cut off: let the device reconnect elsewhere
					send("stale", Event{Version: seen, MetadataVersion: meta})
					return
				}
				if !recheck() {
					return
				}
				if st.addBytes != nil {
					st.addBytes(len(pingEvent))
				}
				if !wire.send(pingEvent) {
					return
				}
				continue
			case <-changed:
			}
		}
		coalesce.Reset(eventCoalesce)
		select { // let a burst of commits settle into one event
		case <-wire.gone():
			return
		case <-coalesce.C:
		}
		now := s.r.Applied()
		if s.r.OrgVersion() > seen { // an admin change: revoked, or a new view?
			if !recheck() {
				return
			}
		}
		if m := s.metadataVersion(s.r.Schema(), acc); m != meta {
			meta = m
			if !send("metadata", Event{Version: now, MetadataVersion: m}) {
				return
			}
		}
		// Only writes to the partitions of the user's view wake the
		// device (engine/partitionheads.go).
		ents := s.r.ViewChanges(acc, seen)
		if acc != keyed {
			keyed = acc
			if k := accessKey(acc); k != ctxKey {
				ctxKey = k
				ents = append(ents, "*")
			}
		}
		seen = now
		if len(ents) > 0 {
			slices.Sort(ents)
			if !send("changed", Event{Version: now, MetadataVersion: meta, Entities: ents}) {
				return
			}
		}
	}
}

// pingEvent is the heartbeat: a comment line.
var pingEvent = []byte(": ping\n\n")

// accessKey summarizes what a user's view depends on besides rows.
func accessKey(a *engine.Access) string {
	if a.Profile == nil {
		return "none"
	}
	k := fmt.Sprintf("%s|%v|%s|%d|%v", a.User.BusinessUnit, a.User.Enabled, a.User.Roles, a.Profile.Published, a.Teams)
	for _, r := range a.Profile.PublishedRules {
		k += "|" + string(a.Depth(r.Entity, engine.PrivRead))
	}
	return k
}

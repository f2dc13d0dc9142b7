package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
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
// stream, so that the device reconnects to another node.
func (s *Server) deviceEvents(w http.ResponseWriter, r *http.Request) {
	user, acc, ok := s.deviceAccess(w, r)
	if !ok {
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, CodeInternal, "streaming unsupported")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(name string, ev Event) bool {
		b, _ := json.Marshal(ev)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	seen := s.r.Applied()
	meta := s.r.Schema().Version
	ctxKey := accessKey(acc)
	if !send("ready", Event{Version: seen, MetadataVersion: meta}) {
		return
	}
	heartbeat := time.NewTicker(EventHeartbeat)
	defer heartbeat.Stop()
	for {
		changed := s.r.Changed()
		if s.r.Applied() == seen { // else a commit came before the channel: go on
			select {
			case <-r.Context().Done():
				return
			case <-heartbeat.C:
				if s.fresh() != nil { // cut off: let the device reconnect elsewhere
					send("stale", Event{Version: seen, MetadataVersion: meta})
					return
				}
				if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
					return
				}
				flusher.Flush()
				continue
			case <-changed:
			}
		}
		select { // let a burst of commits settle into one event
		case <-r.Context().Done():
			return
		case <-time.After(eventCoalesce):
		}
		now := s.r.Applied()
		if m := s.r.Schema().Version; m != meta {
			meta = m
			if !send("metadata", Event{Version: now, MetadataVersion: m}) {
				return
			}
		}
		var ents []string
		if acc.Profile != nil {
			for _, rule := range acc.Profile.PublishedRules {
				if s.r.LastChange(rule.Entity) > seen {
					ents = append(ents, rule.Entity)
				}
			}
		}
		if s.r.OrgVersion() > seen { // an admin change may change this user's view
			if a, err := s.r.Access(user); err == nil && accessKey(a) != ctxKey {
				acc, ctxKey = a, accessKey(a)
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

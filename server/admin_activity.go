package server

import (
	"hash/maphash"
	"net/http"
	"sync"
	"time"
)

// Activity timings: the console's live charts.
const (
	// ActivityStep is the width of one activity bucket.
	ActivityStep = 10 * time.Second
	// ActivityWindow is how far back GET /v1/admin/activity reports.
	ActivityWindow = 30 * time.Minute
	// activityRecent is how long a device counts as syncing after its
	// last pull or push.
	activityRecent = time.Minute
	// activityMaxDevices bounds the devices remembered as recent.
	activityMaxDevices = 1 << 17
)

// Activity is GET /v1/admin/activity: what this node (or, with
// ?scope=cluster, every node) serves devices, now and over the last
// ActivityWindow.
type Activity struct {
	// Time is when the figures were taken (unix ms).
	Time int64 `json:"time"`
	// Devices counts the device tokens that pulled or pushed here in the
	// last minute, or hold an event stream open: the devices syncing now.
	Devices int `json:"devices"`
	// InFlight counts the pulls and pushes being served now; Streams the
	// open event streams.
	InFlight int `json:"inFlight"`
	Streams  int `json:"streams"`
	// Totals are this node's counts since it started.
	Totals ActivityCounts `json:"totals"`
	// StepSeconds is the spacing of Series; each point counts the minute
	// that ends at its Time (per-minute rates, sliding), oldest first.
	StepSeconds int             `json:"stepSeconds"`
	Series      []ActivityPoint `json:"series"`
	// Nodes, with ?scope=cluster, are each node's figures; the others are
	// then the sums over the nodes (admin_activity_cluster.go).
	Nodes []ActivityNode `json:"nodes,omitempty"`
}

// ActivityCounts counts device requests: pulls and pushes answered (not
// refused), and the bytes of every device-API response (pulls, pushes,
// metadata, events, refusals) as sent.
type ActivityCounts struct {
	Pulls  int64 `json:"pulls"`
	Pushes int64 `json:"pushes"`
	Bytes  int64 `json:"bytes"`
}

// ActivityPoint is one point of the activity series.
type ActivityPoint struct {
	Time int64 `json:"time"`
	ActivityCounts
}

// activity counts this node's device traffic in ActivityStep buckets.
type activity struct {
	now     func() time.Time
	seed    maphash.Seed // for deviceKey
	mu      sync.Mutex
	buckets []ActivityCounts // a ring, indexed by step number
	last    int64            // the step of the newest bucket written
	totals  ActivityCounts
	flight  int
	streams int
	// Devices are told apart by a hash of their Authorization header (the
	// secret itself is not kept; a rare collision only undercounts).
	devices map[uint64]time.Time // by hashed token: last pull or push
	open    map[uint64]int       // by hashed token: open event streams
}

func newActivity(now func() time.Time) *activity {
	n := int((ActivityWindow+activityRecent)/ActivityStep) + 1
	return &activity{now: now, seed: maphash.MakeSeed(), buckets: make([]ActivityCounts, n), devices: map[uint64]time.Time{}, open: map[uint64]int{}}
}

// activityRoutes registers GET /v1/admin/activity[?scope=cluster] and
// starts counting.
func (s *Server) activityRoutes() {
	if s.activity == nil {
		s.activity = newActivity(s.now)
	}
	s.handle("GET /v1/admin/activity", func(w http.ResponseWriter, r *http.Request) {
		a := s.activity.snapshot()
		if r.URL.Query().Get("scope") == "cluster" {
			a = s.clusterActivity(r.Context(), a)
		}
		writeJSON(w, http.StatusOK, a)
	}, true)
}

// deviceRoute is the kind of a device route, for counting.
type deviceRoute int

const (
	routeOther deviceRoute = iota
	routePull
	routePush
	routeEvents
)

func deviceRouteOf(pattern string) (deviceRoute, bool) {
	switch pattern {
	case "POST /v1/sync/pull", "GET /v1/sync/pull":
		return routePull, true
	case "POST /v1/sync/push":
		return routePush, true
	case "GET /v1/sync/events":
		return routeEvents, true
	case "GET /v1/sync/metadata":
		return routeOther, true
	}
	return routeOther, false
}

// wrap counts the requests and response bytes of device routes; other
// routes are returned as they are.
func (a *activity) wrap(pattern string, h http.HandlerFunc) http.HandlerFunc {
	kind, ok := deviceRouteOf(pattern)
	if a == nil || !ok {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		dev := maphash.String(a.seed, r.Header.Get("Authorization"))
		a.begin(kind, dev)
		cw := &countingWriter{ResponseWriter: w, a: a, status: http.StatusOK}
		cw.end = func(ok bool) { a.end(kind, dev, ok) }
		defer func() {
			if !cw.detached {
				cw.end(cw.status < 400)
			}
		}()
		h(cw, r)
	}
}

func (a *activity) begin(kind deviceRoute, dev uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch kind {
	case routePull, routePush:
		a.flight++
	case routeEvents:
		a.streams++
		a.open[dev]++
	}
}

// end counts a finished request; a refused one (ok false: a bad token,
// say) counts its bytes only.
func (a *activity) end(kind deviceRoute, dev uint64, ok bool) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.bucket(now)
	switch kind {
	case routePull, routePush:
		a.flight--
		if !ok {
			return
		}
		if kind == routePull {
			a.totals.Pulls++
			b.Pulls++
		} else {
			a.totals.Pushes++
			b.Pushes++
		}
		if len(a.devices) >= activityMaxDevices {
			a.forget(now)
		}
		a.devices[dev] = now
	case routeEvents:
		a.streams--
		if a.open[dev]--; a.open[dev] <= 0 {
			delete(a.open, dev)
		}
	}
}

func (a *activity) addBytes(n int) {
	now := a.now()
	a.mu.Lock()
	a.totals.Bytes += int64(n)
	a.bucket(now).Bytes += int64(n)
	a.mu.Unlock()
}

// bucket returns the bucket of now, clearing the buckets skipped since
// the last write. a.mu is held.
func (a *activity) bucket(now time.Time) *ActivityCounts {
	step := now.UnixMilli() / ActivityStep.Milliseconds()
	n := int64(len(a.buckets))
	if step > a.last {
		for s := max(a.last+1, step-n+1); s <= step; s++ {
			a.buckets[s%n] = ActivityCounts{}
		}
		a.last = step
	}
	if step <= a.last-n {
		return &ActivityCounts{} // older than the ring (a clock step back): dropped
	}
	return &a.buckets[((step%n)+n)%n]
}

// forget drops the devices not seen within activityRecent. a.mu is held.
func (a *activity) forget(now time.Time) {
	for k, t := range a.devices {
		if now.Sub(t) > activityRecent {
			delete(a.devices, k)
		}
	}
}

// snapshot returns the figures at this moment.
func (a *activity) snapshot() Activity {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.bucket(now) // clears the buckets of a quiet spell
	a.forget(now)
	devices := len(a.devices)
	for k := range a.open {
		if _, ok := a.devices[k]; !ok {
			devices++
		}
	}
	out := Activity{Time: now.UnixMilli(), Devices: devices, InFlight: a.flight, Streams: a.streams, Totals: a.totals,
		StepSeconds: int(ActivityStep / time.Second)}
	n := int64(len(a.buckets))
	perMinute := int64(activityRecent / ActivityStep)
	points := int64(ActivityWindow / ActivityStep)
	for s := a.last - points + 1; s <= a.last; s++ {
		p := ActivityPoint{Time: (s + 1) * ActivityStep.Milliseconds()}
		for k := s - perMinute + 1; k <= s; k++ {
			b := a.buckets[((k%n)+n)%n]
			p.Pulls, p.Pushes, p.Bytes = p.Pulls+b.Pulls, p.Pushes+b.Pushes, p.Bytes+b.Bytes
		}
		out.Series = append(out.Series, p)
	}
	return out
}

// countingWriter counts the bytes a device route writes and keeps its
// status.
type countingWriter struct {
	http.ResponseWriter
	a      *activity
	status int
	wrote  bool
	// end counts the request's end; detached says a stream that
	// outlives its handler calls it instead (detachRequest).
	end      func(ok bool)
	detached bool
}

// detachRequest hands the request's end over to a stream that outlives
// its handler (a hijacked event stream): it counts the bytes the stream
// writes with addBytes, and calls finish once when it ends. Neither holds
// the request or its writers, which the stream lets go.
func (c *countingWriter) detachRequest() (addBytes func(int), finish func()) {
	c.detached = true
	end, ok := c.end, c.status < 400
	return c.a.addBytes, func() { end(ok) }
}

// WriteHeader records the status.
func (c *countingWriter) WriteHeader(code int) {
	if !c.wrote {
		c.status, c.wrote = code, true
	}
	c.ResponseWriter.WriteHeader(code)
}

// Write implements io.Writer.
func (c *countingWriter) Write(p []byte) (int, error) {
	c.wrote = true
	n, err := c.ResponseWriter.Write(p)
	c.a.addBytes(n)
	return n, err
}

// Flush lets streaming handlers flush through the counter.
func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

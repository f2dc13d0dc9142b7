package bench

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
)

// replay records what a server answers a device, then answers the same
// requests with the same bytes, so that a device can sync again and
// again with the server's cost taken out: what remains is the HTTP
// loopback and the device's own work (decompression, decoding, local
// writes). It answers whatever the server sent, so it measures the
// encoding the server uses, whatever that is.
type replay struct {
	ts       *httptest.Server
	upstream string
	hc       *http.Client

	mu        sync.Mutex
	recording bool
	answers   map[string]recorded // by requestKey
	order     []string            // the keys, in the order first answered
	misses    int
}

// recorded is one answer as the server sent it.
type recorded struct {
	status int
	header http.Header
	body   []byte
}

// newReplay starts a recording replay server in front of upstream, on
// 127.0.0.1. Close it when done.
func newReplay(upstream string, hc *http.Client) *replay {
	r := &replay{upstream: upstream, hc: hc, recording: true, answers: map[string]recorded{}}
	r.ts = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

// Close stops the replay server.
func (r *replay) Close() { r.ts.Close() }

// stopRecording makes the server answer only from what it recorded.
func (r *replay) stopRecording() {
	r.mu.Lock()
	r.recording = false
	r.mu.Unlock()
}

// requestKey identifies a request: the same device state sends the same
// bytes (a pull carries its cursor).
func requestKey(method, path string, body []byte) string {
	return method + " " + path + "\x00" + string(body)
}

func (r *replay) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	key := requestKey(req.Method, req.URL.RequestURI(), body)
	r.mu.Lock()
	a, ok := r.answers[key]
	recording := r.recording
	if !ok && !recording {
		r.misses++
	}
	r.mu.Unlock()
	if !ok {
		if !recording {
			http.Error(w, "replay: no recorded answer", http.StatusNotFound)
			return
		}
		if a, err = r.forward(req, body); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		r.mu.Lock()
		if _, dup := r.answers[key]; !dup {
			r.order = append(r.order, key)
		}
		r.answers[key] = a
		r.mu.Unlock()
	}
	for k, vs := range a.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// forward sends req to the upstream server and reads its whole answer.
func (r *replay) forward(req *http.Request, body []byte) (recorded, error) {
	out, err := http.NewRequestWithContext(req.Context(), req.Method, r.upstream+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return recorded{}, err
	}
	out.Header = req.Header.Clone()
	resp, err := r.hc.Do(out)
	if err != nil {
		return recorded{}, fmt.Errorf("replay: forward: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return recorded{}, fmt.Errorf("replay: read answer: %w", err)
	}
	h := http.Header{}
	for _, k := range []string{"Content-Type", "Content-Encoding", "Etag", "Cache-Control", client.DictHeader, codec.PagesHeader} {
		if v := resp.Header.Values(k); len(v) > 0 {
			h[k] = v
		}
	}
	return recorded{status: resp.StatusCode, header: h, body: b}, nil
}

// pulls returns the recorded answers that carry rows, in the order the
// device asked for them: pulls, and the shared pages of a first load
// (GET /v1/sync/pages/{id}), which the device decodes and applies as it
// does a pull's answer.
func (r *replay) pulls() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []recorded
	for _, k := range r.order {
		if strings.HasPrefix(k, http.MethodPost+" /v1/sync/pull\x00") || strings.HasPrefix(k, http.MethodGet+" /v1/sync/pages/") {
			out = append(out, r.answers[k])
		}
	}
	return out
}

// metadata returns the last metadata answer recorded, if any.
func (r *replay) metadata() (recorded, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out recorded
	found := false
	for _, k := range r.order {
		if strings.HasPrefix(k, http.MethodGet+" /v1/sync/metadata") {
			out, found = r.answers[k], true
		}
	}
	return out, found
}

// missed returns how many requests found no recorded answer since
// recording stopped.
func (r *replay) missed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.misses
}

package client

import (
	"context"
	"sync"

	"github.com/offsync/offsync/codec"
)

// Work done ahead, off a sync's critical path. A first load is a pull,
// then its shared pages, then (when the answer's metadata version is
// new) the metadata the answer dictionary is built from: three round
// trips, each of which waited for the one before, and the local writes
// of each answer waited for its round trip too. Measured on
// BenchmarkDeviceDecode (docs/benchmarks.md), the round trips were about
// 1.2 ms of a 3.2 ms first load. Now the metadata is fetched beside the
// rest of the sync (joined before the next pull, which names the
// dictionary, and before Sync returns; a device without a dictionary
// fetches it beside its pull and asks for the answer coded with the
// current one, codec.DictCurrent), and each shared page is fetched and
// decoded while the answer or page before it is written: the first as
// soon as the answer's header names it (codec.PagesHeader), before the
// answer is decoded.

// pageAhead is a shared page fetched and decoded in the background.
type pageAhead struct {
	id   string
	done chan struct{}
	page codec.PullResponse
	enc  *encodedRows // its upserts, encoded ahead (device_encode_ahead.go)
	n    int64
	err  error
}

// fetchAhead starts fetching page id (fetchPage) in the background.
func (d *Device) fetchAhead(ctx context.Context, id string) *pageAhead {
	a := &pageAhead{id: id, done: make(chan struct{})}
	go func() {
		a.page, a.n, a.err = d.fetchPage(ctx, id)
		if a.err == nil {
			a.enc = newEncodedRows(a.page)
		}
		enc := a.enc
		close(a.done) // taken from here: its rows are encoded as they are written
		if enc != nil {
			enc.hook = d.encodeHook
			enc.encode(a.page)
		}
	}()
	return a
}

// take returns page id: from a when it is that page (waiting until it
// is decoded), with its upserts encoded ahead (as far as they are:
// device_encode_ahead.go), else fetched now (and encoded when written).
func (d *Device) take(ctx context.Context, a *pageAhead, id string) (codec.PullResponse, *encodedRows, int64, error) {
	if a == nil || a.id != id {
		page, n, err := d.fetchPage(ctx, id)
		return page, nil, n, err
	}
	<-a.done
	return a.page, a.enc, a.n, a.err
}

// metadataAhead is the metadata fetches a sync started: at most one runs
// at a time. Only the sync's goroutine calls its methods.
type metadataAhead struct {
	done  chan struct{} // closed when the fetch started last is done; nil: none
	ready chan struct{} // closed when its dictionary is in memory (or none came)
	// page is the first shared page the last pull's answer named in its
	// header (codec.PagesHeader), fetched before the answer was decoded.
	page *pageAhead
}

// running reports whether a fetch is under way.
func (m *metadataAhead) running() bool {
	if m.done == nil {
		return false
	}
	select {
	case <-m.done:
		return false
	default:
		return true
	}
}

// run runs f in the background, after any fetch still running; f calls
// ready (at most once more is harmless) when the dictionary is in memory.
func (m *metadataAhead) run(f func(ready func())) {
	m.wait()
	done, ready := make(chan struct{}), make(chan struct{})
	m.done, m.ready = done, ready
	var once sync.Once
	go func() {
		defer close(done)
		defer once.Do(func() { close(ready) })
		f(func() { once.Do(func() { close(ready) }) })
	}()
}

// start refetches the metadata in the background when mv is not the
// dictionary's (fetchMetadata), unless a fetch is under way: that
// one brings the current metadata.
func (m *metadataAhead) start(ctx context.Context, d *Device, mv uint64) {
	if m.running() {
		return
	}
	if held := d.heldDict(); mv == 0 || (held != nil && uint64(held.ID) == mv) {
		return
	}
	m.run(func(ready func()) {
		if held := d.heldDict(); held == nil || uint64(held.ID) != mv {
			d.fetchMetadata(ctx, ready)
		}
	})
}

// fetch fetches the metadata in the background, whatever its version
// (a first load: the pull beside it asks for the answer coded with the
// current dictionary).
func (m *metadataAhead) fetch(ctx context.Context, d *Device) {
	m.run(func(ready func()) { d.fetchMetadata(ctx, ready) })
}

// waitReady returns once the fetch started last has its dictionary in
// memory, or failed.
func (m *metadataAhead) waitReady() {
	if m.ready != nil {
		<-m.ready
	}
}

// wait returns once the fetch started last is done.
func (m *metadataAhead) wait() {
	if m.done != nil {
		<-m.done
	}
}

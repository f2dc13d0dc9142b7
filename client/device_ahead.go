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
// dictionary, and before Sync returns), and each shared page is fetched
// and decoded while the answer or page before it is written.

// pageAhead is a shared page fetched and decoded in the background.
type pageAhead struct {
	id   string
	done chan struct{}
	page codec.PullResponse
	n    int64
	err  error
}

// fetchAhead starts fetching page id (fetchPage) in the background.
func (d *Device) fetchAhead(ctx context.Context, id string) *pageAhead {
	a := &pageAhead{id: id, done: make(chan struct{})}
	go func() {
		defer close(a.done)
		a.page, a.n, a.err = d.fetchPage(ctx, id)
	}()
	return a
}

// take returns page id: from a when it is that page (waiting for it),
// else fetched now.
func (d *Device) take(ctx context.Context, a *pageAhead, id string) (codec.PullResponse, int64, error) {
	if a == nil || a.id != id {
		return d.fetchPage(ctx, id)
	}
	<-a.done
	return a.page, a.n, a.err
}

// metadataAhead is the metadata fetches a sync started: at most one runs
// at a time.
type metadataAhead struct {
	wg sync.WaitGroup
}

// start refetches the metadata in the background when mv is not the
// dictionary's (noteMetadataVersion), after any fetch still running.
func (m *metadataAhead) start(ctx context.Context, d *Device, mv uint64) {
	m.wait()
	if held := d.heldDict(); mv == 0 || (held != nil && uint64(held.ID) == mv) {
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		d.noteMetadataVersion(ctx, mv)
	}()
}

// wait returns once the fetch started last is done.
func (m *metadataAhead) wait() { m.wg.Wait() }

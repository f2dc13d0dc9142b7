package client

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Event is one Server-Sent Event from /v1/sync/events.
type Event struct {
	Name string // ready, changed or metadata
	Data string // JSON: {"version":...,"metadataVersion":...,"entities":[...]}
}

// Events streams the server's events to fn until ctx ends, fn returns an
// error, or the stream breaks (the error says which).
func (d *Device) Events(ctx context.Context, fn func(Event) error) error {
	hc := *d.cfg.HTTP
	hc.Timeout = 0 // a stream lives as long as ctx
	resp, _, err := d.open(ctx, &hc, "open events", func(base string) (*http.Request, error) {
		return d.request(ctx, http.MethodGet, base+"/v1/sync/events", nil, "text/event-stream", "")
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := readEvents(resp.Body, fn); err != nil && ctx.Err() == nil {
		return err
	}
	return ctx.Err()
}

// readEvents reads a Server-Sent Events stream and calls fn with each
// named event, until the stream ends or fn fails. Lines other than
// "event: ", "data: " and the blank line that ends an event (comments,
// ids, retry hints) are ignored; several data lines are joined with a
// newline, as the SSE format says.
func readEvents(r io.Reader, fn func(Event) error) error {
	sc := bufio.NewScanner(r)
	var ev Event
	data := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			ev.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if data {
				ev.Data += "\n"
			}
			ev.Data += strings.TrimPrefix(line, "data: ")
			data = true
		case line == "":
			if ev.Name != "" {
				if err := fn(ev); err != nil {
					return err
				}
			}
			ev, data = Event{}, false
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	return nil
}

// Watch syncs now and again whenever the server says data is due, until
// ctx ends. A broken stream is reopened after a pause. onSync sees each
// sync's outcome.
func (d *Device) Watch(ctx context.Context, onSync func(SyncSummary, error)) error {
	for ctx.Err() == nil {
		err := d.Events(ctx, func(ev Event) error {
			if ev.Name == "ready" || ev.Name == "changed" || ev.Name == "metadata" {
				onSync(d.Sync(ctx))
			}
			return nil
		})
		if ctx.Err() != nil {
			break
		}
		onSync(SyncSummary{}, err)
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
	return ctx.Err()
}

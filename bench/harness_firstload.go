package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/server"
)

// Device setup.
const (
	// tokenWorkers is how many tokens are minted at once.
	tokenWorkers = 16
	// firstLoadSamples is how many devices' first loads are compared with
	// JSON+gzip of their rows.
	firstLoadSamples = 3
)

// FirstLoadDetail summarizes the devices' first loads. The devices ask
// for shared pages (as the Go device does) and fetch every page a load
// lists: latency, bytes and rows count the answers and the pages.
type FirstLoadDetail struct {
	// Latency is per device: a whole first load, every answer and page.
	Latency Latency `json:"latency"`
	// MeanRows is the rows of a first load (answers and pages); Pulls
	// how many pull answers they took in all.
	MeanRows float64 `json:"meanRows"`
	Pulls    int     `json:"pulls"`
	// PageFetches counts the shared pages fetched (GET
	// /v1/sync/pages/{id}) by all first loads, DistinctPages the
	// distinct ids among them, SharingRatio PageFetches over
	// DistinctPages (how many loads each page served, on average).
	PageFetches   int     `json:"pageFetches"`
	DistinctPages int     `json:"distinctPages"`
	SharingRatio  float64 `json:"sharingRatio"`
	// PageBytes is the bytes of those pages as received (part of
	// Latency.Bytes), PageByteShare their share of Latency.Bytes, and
	// PageRows their rows (part of MeanRows times the loads).
	PageBytes     int64   `json:"pageBytes"`
	PageByteShare float64 `json:"pageByteShare"`
	PageRows      int     `json:"pageRows"`
	// WallSeconds is how long all of them took, Concurrency at once.
	WallSeconds float64 `json:"wallSeconds"`
	Concurrency int     `json:"concurrency"`
	// Bytes compares the first few devices' first loads (answers and
	// pages) with JSON+gzip.
	Bytes BytesBaseline `json:"bytes"`
}

// newDevices mints a token for each of n devices: device i is the user
// users[i % len(users)].
func newDevices(ctx context.Context, c HarnessConfig, t *serverTarget, users []engine.User, profiles []string) ([]*benchDevice, error) {
	if len(users) == 0 {
		return nil, fmt.Errorf("new devices: the org has no member of an offline profile")
	}
	devs := make([]*benchDevice, c.Devices)
	err := forEach(ctx, c.Devices, tokenWorkers, func(ctx context.Context, i int) error {
		u := users[i%len(users)]
		var tr server.TokenResponse
		body := server.TokenRequest{Name: fmt.Sprintf("bench device %d", i)}
		if err := t.admin.Do(ctx, http.MethodPost, "/v1/admin/users/"+url.PathEscape(u.ID)+"/tokens", body, &tr); err != nil {
			return fmt.Errorf("mint token for %s: %w", u.ID, err)
		}
		devs[i] = &benchDevice{index: i, user: u.ID, profile: profiles[i%len(users)], token: tr.Token}
		return nil
	}, func(done int) { c.Progress("device tokens", done, c.Devices) })
	if err != nil {
		return nil, err
	}
	return devs, nil
}

// firstLoads runs every device's first load, c.FirstLoadConcurrency at a
// time, fetching the shared pages its last answer lists (when p asks for
// them), and compares the first firstLoadSamples ones with JSON+gzip of
// their rows (after the timing).
func firstLoads(ctx context.Context, c HarnessConfig, p *puller, devs []*benchDevice) (FirstLoadDetail, error) {
	d := FirstLoadDetail{Concurrency: c.FirstLoadConcurrency}
	times := make([]time.Duration, len(devs))
	bytes := make([]int64, len(devs))
	rows := make([]int, len(devs))
	pulls := make([]int, len(devs))
	var shared pageTally
	sampled := make([][]pullAnswer, min(firstLoadSamples, len(devs)))
	start := time.Now()
	err := forEach(ctx, len(devs), c.FirstLoadConcurrency, func(ctx context.Context, i int) error {
		dev := devs[i]
		user, err := codec.GUIDBytes(dev.user)
		if err != nil {
			return fmt.Errorf("first load of device %d: user %w", i, err)
		}
		t0 := time.Now()
		for {
			a, err := p.pull(ctx, dev.token, dev.cursor)
			if err != nil {
				return fmt.Errorf("first load of device %d: %w", i, err)
			}
			dev.cursor = a.resp.Cursor
			pulls[i]++
			bytes[i] += int64(len(a.wire))
			for _, e := range a.resp.Entities {
				rows[i] += len(e.Rows)
			}
			dev.noteOwned(&a, user)
			if i < len(sampled) {
				sampled[i] = append(sampled[i], a)
			}
			err = p.fetchPages(ctx, dev.token, &a, func(id string, pg *pullAnswer) {
				shared.add(id, pg)
				bytes[i] += int64(len(pg.wire))
				for _, e := range pg.resp.Entities {
					rows[i] += len(e.Rows)
				}
				dev.noteOwned(pg, user)
				if i < len(sampled) {
					sampled[i] = append(sampled[i], *pg)
				}
			})
			if err != nil {
				return fmt.Errorf("first load of device %d: %w", i, err)
			}
			if !a.resp.More {
				break
			}
		}
		times[i] = time.Since(t0)
		return nil
	}, func(done int) { c.Progress("first loads", done, len(devs)) })
	if err != nil {
		return d, err
	}
	wall := time.Since(start)
	var s samples
	totalRows := 0
	for i := range devs {
		s.add(times[i], bytes[i])
		totalRows += rows[i]
		d.Pulls += pulls[i]
	}
	d.Latency = s.summarize(wall)
	shared.fill(&d, d.Latency.Bytes)
	d.MeanRows = ratio(float64(totalRows), float64(len(devs)))
	d.WallSeconds = wall.Seconds()
	for _, answers := range sampled {
		if err := compareAnswers(&d.Bytes, answers, true); err != nil {
			return d, fmt.Errorf("first load bytes: %w", err)
		}
	}
	return d, nil
}

// compareAnswers adds answers to b: as one JSON array when together (a
// first load's answers and shared pages), else one array per answer
// (separate pulls). Shared pages count in the bytes and rows, not in
// b.Answers.
func compareAnswers(b *BytesBaseline, answers []pullAnswer, together bool) error {
	var all []client.Row
	var wire int64
	pulls := 0
	for i := range answers {
		if !answers[i].page {
			pulls++
		}
		rows, err := answerRows(&answers[i].resp)
		if err != nil {
			return err
		}
		if !together {
			if err := b.add(rows, int64(len(answers[i].wire)), 1); err != nil {
				return err
			}
			continue
		}
		all = append(all, rows...)
		wire += int64(len(answers[i].wire))
	}
	if together && len(answers) > 0 {
		return b.add(all, wire, pulls)
	}
	return nil
}

// reservoir keeps a uniform random sample of up to size pull answers
// (Algorithm R): the bodies the static baseline serves again.
type reservoir struct {
	mu    sync.Mutex
	size  int
	seen  int
	items []pullAnswer
	rnd   func(n int) int
}

// offer considers one answer for the sample.
func (r *reservoir) offer(a pullAnswer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen++
	if len(r.items) < r.size {
		r.items = append(r.items, a)
		return
	}
	if j := r.rnd(r.seen); j < r.size {
		r.items[j] = a
	}
}

// answers returns the sample.
func (r *reservoir) answers() []pullAnswer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.items)
}

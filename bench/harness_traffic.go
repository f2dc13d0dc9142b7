package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
)

// Pacing of the writers that run beside the pulls.
const (
	paceTick        = 100 * time.Millisecond
	pushConcurrency = 8
)

// TrafficDetail is what a paced writer did during the measured window:
// back-office ingest (rows) or device pushes (mutations).
type TrafficDetail struct {
	// Rate is what was asked for, per second; PerSec what was
	// acknowledged (applied or rejected by the server).
	Rate   int     `json:"rate"`
	PerSec float64 `json:"perSec"`
	// Sent counts units sent; Applied those the server applied; Rejected
	// pushed mutations it refused (a conflict, say); Failed units whose
	// request failed.
	Sent     int `json:"sent"`
	Applied  int `json:"applied"`
	Rejected int `json:"rejected"`
	Failed   int `json:"failed"`
	// Latency is per request.
	Latency    Latency `json:"latency"`
	FirstError string  `json:"firstError,omitempty"`
}

// trafficLog collects a writer's outcomes from several goroutines.
type trafficLog struct {
	mu sync.Mutex
	d  TrafficDetail
	s  samples
}

func (l *trafficLog) record(sent, applied, rejected int, d time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.d.Sent += sent
	if err != nil {
		l.d.Failed += sent
		if l.d.FirstError == "" {
			l.d.FirstError = err.Error()
		}
		return
	}
	l.d.Applied += applied
	l.d.Rejected += rejected
	l.s.add(d, 0)
}

func (l *trafficLog) result(rate int, window time.Duration) TrafficDetail {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := l.d
	d.Rate, d.Latency = rate, l.s.summarize(window)
	d.PerSec = ratio(float64(d.Applied+d.Rejected), window.Seconds())
	return d
}

// pace calls send(n) every paceTick with the units due at rate per
// second since it started (at most max at once), until ctx ends. A slow
// send delays the next; what is due accumulates up to max.
func pace(ctx context.Context, rate, max int, send func(n int)) {
	if rate <= 0 {
		return
	}
	start, sent := time.Now(), 0
	t := time.NewTicker(paceTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		due := int(float64(rate)*time.Since(start).Seconds()) - sent
		if due <= 0 {
			continue
		}
		due = min(due, max)
		send(due)
		sent += due
	}
}

// ingestLoop updates the description of random existing rows of dc
// through POST /v1/records at rate rows per second until ctx ends.
func ingestLoop(ctx context.Context, t *serverTarget, dc dataset.Config, rate int, seed int64, window time.Duration) TrafficDetail {
	var log trafficLog
	rnd := rand.New(rand.NewPCG(uint64(seed), 0x696e67657374))
	counts := []struct {
		entity string
		n      int
	}{{"account", dc.Accounts}, {"contact", dc.Contacts}, {"opportunity", dc.Opportunities}, {"task", dc.Tasks}}
	seq := 0
	pace(ctx, rate, harnessLoadBatch, func(n int) {
		recs := make([]codec.Record, n)
		for i := range recs {
			k := rnd.IntN(dc.Rows())
			e := 0
			for k >= counts[e].n {
				k -= counts[e].n
				e++
			}
			seq++
			desc := fmt.Sprintf("%s (back office %d)", followUps[seq%len(followUps)], seq)
			recs[i] = codec.Record{Op: codec.OpUpsert, Entity: counts[e].entity, ID: dataset.RowID(dc.Seed, counts[e].entity, k), Attrs: map[string]any{"description": desc}}
		}
		start := time.Now()
		err := postRecords(ctx, t, recs)
		if ctx.Err() != nil {
			return // cut by the end of the window: not counted
		}
		log.record(n, n, 0, time.Since(start), err)
	})
	return log.result(rate, window)
}

// pushAttr is the attribute a device's push changes, per entity: not the
// description the back office changes, so that pushes do not conflict
// with ingest.
var pushAttr = map[string]string{"account": "telephone1", "contact": "telephone1", "opportunity": "closeprobability", "task": "actualdurationminutes"}

// pushLoop pushes rate mutations per second, each an update of a row a
// random device's user owns (with the version the device knows), until
// ctx ends.
func pushLoop(ctx context.Context, hc *http.Client, base string, devs []*benchDevice, rate int, seed int64, window time.Duration) TrafficDetail {
	var log trafficLog
	var owners []*benchDevice
	for _, d := range devs {
		if len(d.owned) > 0 {
			owners = append(owners, d)
		}
	}
	if len(owners) == 0 {
		return log.result(rate, window)
	}
	rnd := rand.New(rand.NewPCG(uint64(seed), 0x70757368))
	sem := make(chan struct{}, pushConcurrency)
	var wg sync.WaitGroup
	pace(ctx, rate, 10*rate+1, func(n int) {
		for range n {
			d := owners[rnd.IntN(len(owners))]
			pick, val := rnd.IntN(maxOwnedRows), rnd.IntN(100)
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				start := time.Now()
				applied, err := d.push(ctx, hc, base, pick, val)
				if ctx.Err() != nil {
					return
				}
				log.record(1, applied, 1-applied, time.Since(start), err)
			}()
		}
	})
	wg.Wait()
	return log.result(rate, window)
}

// push sends one update of owned row pick (mod the rows it owns) and
// returns 1 when the server applied it, 0 when it rejected it.
func (d *benchDevice) push(ctx context.Context, hc *http.Client, base string, pick, val int) (int, error) {
	d.mu.Lock()
	row := &d.owned[pick%len(d.owned)]
	d.pushSeq++
	m := codec.Mutation{ID: fmt.Sprintf("bench-%d-%d", d.index, d.pushSeq), Entity: row.entity, RowID: row.id, Op: "update", BaseVersion: row.version}
	d.mu.Unlock()
	attr := pushAttr[m.Entity]
	if attr == "telephone1" {
		m.Attrs = map[string]any{attr: fmt.Sprintf("+1 555 01%02d", val)}
	} else {
		m.Attrs = map[string]any{attr: int64(val)}
	}
	body, err := codec.Marshal(codec.PushRequest{Mutations: []codec.Mutation{m}})
	if err != nil {
		return 0, err
	}
	hdr := http.Header{"Authorization": {"Bearer " + d.token}, "Content-Type": {"application/msgpack"},
		"Accept": {"application/msgpack"}, "Accept-Encoding": {"zstd"}}
	raw, _, _, err := deviceCall(ctx, hc, base+"/v1/sync/push", hdr, body)
	if err != nil {
		return 0, fmt.Errorf("push: %w", err)
	}
	var res codec.PushResponse
	if err := codec.Unmarshal(raw, &res); err != nil || len(res.Results) != 1 {
		return 0, fmt.Errorf("push: decode answer: %v (%d results)", err, len(res.Results))
	}
	if !res.Results[0].Applied {
		return 0, nil
	}
	d.mu.Lock()
	row.version = res.Results[0].Version
	d.mu.Unlock()
	return 1, nil
}

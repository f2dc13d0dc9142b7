package bench

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"
)

// memoryDevices caps the devices that run first loads and pull cycles
// while the memory scenario's streams are open.
const memoryDevices = 8

// memoryConnHeadroom is how many connections a started server accepts
// beside the memory scenario's streams: the devices, the ingest, the
// admin client and the gauges. Without it, streams as many as the
// server's default --max-connections take every slot, and the rest of
// the scenario waits to be accepted.
const memoryConnHeadroom = 256

// MemoryDetail is what the memory scenario measured.
type MemoryDetail struct {
	// Streams were open at once, with Tokens device tokens (one per
	// stream); OpenSeconds is how long opening them took.
	Streams     int     `json:"streams"`
	Tokens      int     `json:"tokens"`
	OpenSeconds float64 `json:"openSeconds"`
	// Events counts the "changed" events the streams received while
	// HoldSeconds passed with ingest and pulls running.
	Events      int64   `json:"events"`
	HoldSeconds float64 `json:"holdSeconds"`
	// Devices ran their first loads and pull cycles meanwhile.
	Devices   int             `json:"devices"`
	FirstLoad FirstLoadDetail `json:"firstLoad"`
	Pulls     Latency         `json:"pulls"`
	Ingest    TrafficDetail   `json:"ingest"`
	// RSS of the server in MiB: before the streams, at its peak (since
	// it started), the largest sampled while the streams were open, and
	// at the end.
	BeforeMiB      float64 `json:"beforeMiB"`
	PeakMiB        float64 `json:"peakMiB"`
	StreamsPeakMiB float64 `json:"streamsPeakMiB"`
	EndMiB         float64 `json:"endMiB"`
	// PeakAnonMiB and PeakFileMiB split the largest RSS sampled while
	// the streams were open: anonymous memory (Go heap, stacks) and
	// file-backed pages (Badger's mapped tables, raft.db, the binary).
	// Zero when the server is not a local process.
	PeakAnonMiB float64 `json:"peakAnonMiB,omitempty"`
	PeakFileMiB float64 `json:"peakFileMiB,omitempty"`
	// Gauges are the server's own numbers (its /metrics) before the
	// streams ("before"), once they are open ("open"), and at the end.
	Gauges map[string]ServerGauges `json:"gauges,omitempty"`
}

// ServerGauges are a server's memory gauges at one moment.
type ServerGauges struct {
	RSSMiB        float64 `json:"rssMiB"`
	HeapInuseMiB  float64 `json:"heapInuseMiB"`
	StackInuseMiB float64 `json:"stackInuseMiB"`
	Goroutines    float64 `json:"goroutines"`
}

// gauges reads t's ServerGauges (zero when /metrics cannot be read).
func (t *serverTarget) gauges(ctx context.Context) (ServerGauges, error) {
	g, err := scrapeGauges(ctx, t.admin.HTTP, t.url, t.token, gaugeRSS, gaugeHeapInuse, gaugeStackInuse, gaugeGoroutines)
	if err != nil {
		return ServerGauges{}, err
	}
	return ServerGauges{RSSMiB: mib(uint64(g[gaugeRSS])), HeapInuseMiB: mib(uint64(g[gaugeHeapInuse])),
		StackInuseMiB: mib(uint64(g[gaugeStackInuse])), Goroutines: g[gaugeGoroutines]}, nil
}

// memoryServeArgs returns the arguments that start the memory scenario's
// server: c.ServeArgs, plus room for c.Streams streams beside the rest
// when the harness starts a child server.
func memoryServeArgs(c HarnessConfig) []string {
	if c.Server != "" || c.Binary == "" {
		return c.ServeArgs
	}
	return append(slices.Clone(c.ServeArgs), "--max-connections", strconv.Itoa(c.Streams+memoryConnHeadroom))
}

// runMemoryScenario is ScenarioMemory: on a freshly started server over
// the loaded dataset, c.Streams event streams are opened, each with a
// device token of its own (a server holds at most a few streams per
// token; users carry several devices when streams outnumber them), then for c.Duration the back office ingests at
// c.IngestRate (so that every stream gets events) while a few devices run
// their first loads and pull cycles. rss-mib is the server's peak RSS.
func runMemoryScenario(ctx context.Context, c HarnessConfig, r *HarnessResult) error {
	c.ServeArgs = memoryServeArgs(c)
	t, dc, org, err := openLoaded(ctx, c, r)
	if err != nil {
		return err
	}
	defer t.close()
	users, profiles := orgUsers(org)
	d := &MemoryDetail{Streams: c.Streams, Tokens: c.Streams, Devices: min(c.Devices, memoryDevices), Gauges: map[string]ServerGauges{}}
	gauge := func(at string) {
		if g, err := t.gauges(ctx); err == nil {
			d.Gauges[at] = g
		}
	}
	r.Memory = d
	r.Run.Devices, r.Run.Users = d.Devices, min(d.Tokens, len(users))
	tc := c
	tc.Devices = d.Tokens
	c.logf("minting %d tokens, one per stream", d.Tokens)
	holders, err := newDevices(ctx, tc, t, users, profiles)
	if err != nil {
		return err
	}
	tokens := make([]string, len(holders))
	for i, h := range holders {
		tokens[i] = h.token
	}
	if d.Streams > len(users) {
		r.note("%d event streams, each with its own token, for %d users: about %d devices per user", d.Streams, len(users), (d.Streams+len(users)-1)/len(users))
	}
	if d.Devices < c.Devices {
		r.note("the memory scenario runs %d of the %d devices (first loads and pulls beside the streams)", d.Devices, c.Devices)
	}
	cur, _, src, err := t.rss(ctx)
	if err != nil {
		r.note("server RSS unknown: %v", err)
	}
	d.BeforeMiB, r.Run.RSSSource = mib(cur), src
	gauge("before")
	sampler := startRSSSampler(250*time.Millisecond, func() (uint64, error) { _, peak, _, err := t.rss(ctx); return peak, err })
	split := &peakSplit{pid: t.pid()}
	current := startRSSSampler(250*time.Millisecond, func() (uint64, error) {
		cur, _, _, err := t.rss(ctx)
		if err == nil {
			split.sample(cur)
		}
		return cur, err
	})

	c.logf("opening %d event streams", d.Streams)
	streams := &eventStreams{}
	defer streams.close()
	start := time.Now()
	if err := streams.open(ctx, t.url, tokens, d.Streams, func(n int) { c.Progress("event streams", n, d.Streams) }); err != nil {
		sampler.stop()
		current.stop()
		return err
	}
	d.OpenSeconds = time.Since(start).Seconds()
	gauge("open")

	c.logf("%d streams open; %d devices load and pull, ingest %d rows/s, for %v", streams.count(), d.Devices, c.IngestRate, c.Duration)
	devs := holders[:d.Devices]
	for _, dev := range devs {
		dev.cursor = ""
	}
	hc := newHTTPClient(d.Devices + 4)
	p := &puller{hc: hc, url: t.url + "/v1/sync/pull", pages: true}
	wctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.Ingest = ingestLoop(wctx, t, dc, c.IngestRate, c.Seed, c.Duration) }()
	start = time.Now()
	fl, err := firstLoads(wctx, c, p, devs)
	if err != nil && wctx.Err() != nil {
		r.note("the %d first loads did not all end within %v", d.Devices, c.Duration)
	}
	if err == nil {
		d.FirstLoad = fl
		tally := runPulls(wctx, p, devs, nil)
		var all samples
		all.merge(&tally.noChange)
		all.merge(&tally.delta)
		d.Pulls = all.summarize(time.Since(start))
	}
	<-wctx.Done()
	wg.Wait()
	d.HoldSeconds = time.Since(start).Seconds()
	time.Sleep(2 * eventCoalesceWait)
	d.Events = streams.changed.Load()
	gauge("end")
	peak, last, rssErr := sampler.stop()
	streamsPeak, _, _ := current.stop()
	if err != nil && ctx.Err() == nil && wctx.Err() == nil {
		return err
	}
	if rssErr != nil {
		r.note("server RSS unknown: %v", rssErr)
	}
	if cur, _, _, err := t.rss(ctx); err == nil {
		last = cur
	}
	// VmHWM is updated lazily by the kernel: a sample may pass it.
	d.PeakMiB, d.EndMiB, d.StreamsPeakMiB = mib(max(peak, streamsPeak)), mib(last), mib(streamsPeak)
	if split.anon > 0 {
		d.PeakAnonMiB, d.PeakFileMiB = mib(split.anon), mib(split.file)
		r.note("the largest RSS sampled (%.0f MiB) was %.0f MiB anonymous (Go heap, stacks) and %.0f MiB file-backed (mapped tables and logs)", mib(split.at), d.PeakAnonMiB, d.PeakFileMiB)
	}
	m := r.Metrics
	m[MetricRSSMiB], m[MetricRSSMiBBeforeStream], m[MetricRSSMiBWithStreams] = d.PeakMiB, d.BeforeMiB, d.StreamsPeakMiB
	if g, ok := d.Gauges["open"]; ok {
		m[MetricGoroutinesWithStreams], m[MetricHeapMiBWithStreams] = g.Goroutines, g.HeapInuseMiB
	}
	m[MetricStreams], m[MetricStreamEvents] = float64(streams.count()), float64(d.Events)
	for _, k := range []string{MetricLoadRowsPerSec, MetricLoadRSSMiB} {
		if _, ok := m[k]; !ok {
			m[k] = 0
		}
	}
	return ctx.Err()
}

// eventCoalesceWait is how long the server gathers commits into one
// event (server's eventCoalesce), waited twice after the last ingest so
// that the last events arrive.
const eventCoalesceWait = 100 * time.Millisecond

// peakSplit keeps the anonymous and file-backed parts of the largest
// RSS sampled from process pid (none when pid is 0). Only its sampler's
// goroutine calls sample; read it after the sampler stopped.
type peakSplit struct {
	pid            int
	at, anon, file uint64
}

// sample reads the split when cur is the largest RSS so far.
func (p *peakSplit) sample(cur uint64) {
	if p.pid == 0 || cur <= p.at {
		return
	}
	if anon, file, err := procRSSSplit(p.pid); err == nil {
		p.at, p.anon, p.file = cur, anon, file
	}
}

package bench

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// The serve scenario's sampling.
const (
	// staticSample is how many pull answers the static baseline serves
	// again (a uniform sample of the measured ones).
	staticSample = 4096
	// deltaSample caps the delta answers compared with JSON+gzip.
	deltaSample = 500
	// minStaticWindow is the shortest static baseline run.
	minStaticWindow = 2 * time.Second
	// sliceLength is the length of a slice of the window's timeline
	// (ServeDetail.Timeline).
	sliceLength = 5 * time.Second
)

// ServeDetail is what the serve scenario measured.
type ServeDetail struct {
	// WindowSeconds is how long the measured pull cycles ran.
	WindowSeconds float64 `json:"windowSeconds"`
	// NoChange are pulls that brought nothing; Delta pulls that brought
	// rows (or removals); All both.
	NoChange Latency `json:"noChange"`
	Delta    Latency `json:"delta"`
	All      Latency `json:"all"`
	// PullErrors counts failed pulls (FirstPullError says why).
	PullErrors int `json:"pullErrors"`
	// ResetPulls counts the pulls of the window answered with a reset (a
	// first load again: its pages fetched, all in the delta samples).
	ResetPulls     int    `json:"resetPulls"`
	FirstPullError string `json:"firstPullError,omitempty"`
	// Static is the same client loop against a plain handler serving a
	// sample of StaticAnswers of the measured answers, for
	// StaticWindowSeconds.
	Static        Latency `json:"static"`
	StaticAnswers int     `json:"staticAnswers"`
	// StaticPages is how many shared pages (fetched in the window,
	// listed by answers after a reset) it also serves at their URLs.
	StaticPages         int             `json:"staticPages"`
	StaticWindowSeconds float64         `json:"staticWindowSeconds"`
	FirstLoad           FirstLoadDetail `json:"firstLoad"`
	// DeltaBytes compares a sample of delta answers with JSON+gzip.
	DeltaBytes BytesBaseline `json:"deltaBytes"`
	Ingest     TrafficDetail `json:"ingest"`
	Push       TrafficDetail `json:"push"`
	// PushDevices is how many devices own rows they can push changes to.
	PushDevices int `json:"pushDevices"`
	// ServerCPUSeconds and HarnessCPUSeconds are the CPU time the server
	// process and this one used during the measured window (a server in
	// this process counts in both); StaticCPUSeconds is this process's
	// during the static run (client and static server). Zero where
	// unknown.
	ServerCPUSeconds  float64 `json:"serverCpuSeconds"`
	HarnessCPUSeconds float64 `json:"harnessCpuSeconds"`
	StaticCPUSeconds  float64 `json:"staticCpuSeconds"`
	// Timeline is the window in slices of 5 seconds, by when the pulls
	// were answered: whether the server kept up from the start, or fell
	// behind and stayed there (docs/benchmarks.md, "bistable").
	Timeline []TimeSlice `json:"timeline"`
}

// TimeSlice is one slice of the serve window's timeline.
type TimeSlice struct {
	// Start is the slice's start, in seconds into the window.
	Start float64 `json:"start"`
	// PullsPerSec counts the pulls answered in the slice, a second.
	PullsPerSec float64 `json:"pullsPerSec"`
	// DeltaShare is the part of them that brought changes.
	DeltaShare float64 `json:"deltaShare"`
	// P50Ms is their median latency.
	P50Ms float64 `json:"p50Ms"`
}

// cpuMeter measures the CPU time a server process and this one use.
type cpuMeter struct {
	pid          int
	server, self time.Duration
}

func startCPU(pid int) cpuMeter {
	m := cpuMeter{pid: pid}
	m.server, _ = procCPU(pid)
	m.self, _ = processCPU()
	return m
}

// stop returns the server's and this process's CPU seconds since start.
func (m cpuMeter) stop() (server, self float64) {
	if s, ok := procCPU(m.pid); ok && m.pid != 0 {
		server = (s - m.server).Seconds()
	}
	if s, ok := processCPU(); ok {
		self = (s - m.self).Seconds()
	}
	return server, self
}

// pullTally is one device loop's pulls, merged at the end.
type pullTally struct {
	noChange, delta samples
	errors, resets  int
	firstErr        string
	// slices are the pulls by slice of the window (sliceLength).
	slices []sliceTally
}

// sliceTally is the pulls answered in one slice of the window.
type sliceTally struct {
	deltas int
	lat    []time.Duration
}

// note records a pull answered at elapsed into the window.
func (t *pullTally) note(elapsed, latency time.Duration, delta bool) {
	i := int(elapsed / sliceLength)
	for len(t.slices) <= i {
		t.slices = append(t.slices, sliceTally{})
	}
	s := &t.slices[i]
	s.lat = append(s.lat, latency)
	if delta {
		s.deltas++
	}
}

// mergeSlices adds o's slices to t's.
func (t *pullTally) mergeSlices(o *pullTally) {
	for j := range o.slices {
		for len(t.slices) <= j {
			t.slices = append(t.slices, sliceTally{})
		}
		t.slices[j].deltas += o.slices[j].deltas
		t.slices[j].lat = append(t.slices[j].lat, o.slices[j].lat...)
	}
}

// timeline summarizes the merged slices over a window of length window.
func (t *pullTally) timeline(window time.Duration) []TimeSlice {
	out := make([]TimeSlice, 0, len(t.slices))
	for i := range t.slices {
		s := &t.slices[i]
		start := time.Duration(i) * sliceLength
		length := min(sliceLength, window-start)
		if length < sliceLength/5 || len(s.lat) == 0 {
			continue // the pulls answered as the window closed
		}
		slices.Sort(s.lat)
		out = append(out, TimeSlice{Start: start.Seconds(), PullsPerSec: float64(len(s.lat)) / length.Seconds(),
			DeltaShare: float64(s.deltas) / float64(len(s.lat)), P50Ms: millis(s.lat[len(s.lat)/2])})
	}
	return out
}

// runPulls runs one pull loop per device until ctx ends, each pulling
// again as soon as an answer is in, and offers every answer to res (when
// not nil). An answer that lists shared pages (a first load again, after
// a reset) has them fetched before the next pull: they count in that
// pull's latency and bytes. It returns the merged tallies.
func runPulls(ctx context.Context, p *puller, devs []*benchDevice, res *reservoir) pullTally {
	tallies := make([]pullTally, len(devs))
	start := time.Now()
	var wg sync.WaitGroup
	for i, d := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := &tallies[i]
			for ctx.Err() == nil {
				a, err := p.pull(ctx, d.token, d.cursor)
				if err == nil {
					err = p.fetchPages(ctx, d.token, &a, nil)
				}
				if ctx.Err() != nil {
					return // cut by the end of the window: not counted
				}
				if err != nil {
					if t.errors++; t.firstErr == "" {
						t.firstErr = err.Error()
					}
					time.Sleep(50 * time.Millisecond)
					continue
				}
				d.cursor = a.resp.Cursor
				n := int64(len(a.wire)) + a.pageBytes
				if a.resp.Reset {
					t.resets++
				}
				delta := a.changes() > 0 || a.resp.Reset || len(a.resp.Pages) > 0
				if delta {
					t.delta.add(a.latency, n)
				} else {
					t.noChange.add(a.latency, n)
				}
				t.note(time.Since(start), a.latency, delta)
				if res != nil {
					res.offer(a)
				}
			}
		}()
	}
	wg.Wait()
	var all pullTally
	for i := range tallies {
		all.noChange.merge(&tallies[i].noChange)
		all.delta.merge(&tallies[i].delta)
		all.errors += tallies[i].errors
		all.resets += tallies[i].resets
		all.mergeSlices(&tallies[i])
		if all.firstErr == "" {
			all.firstErr = tallies[i].firstErr
		}
	}
	return all
}

// runServeScenario is ScenarioServe.
func runServeScenario(ctx context.Context, c HarnessConfig, r *HarnessResult) error {
	t, dc, org, err := openLoaded(ctx, c, r)
	if err != nil {
		return err
	}
	defer t.close()
	users, profiles := orgUsers(org)
	r.Run.Users = min(c.Devices, len(users))
	c.logf("minting %d device tokens for %d users", c.Devices, r.Run.Users)
	devs, err := newDevices(ctx, c, t, users, profiles)
	if err != nil {
		return err
	}
	r.Run.Profiles = map[string]int{}
	for _, d := range devs {
		r.Run.Profiles[d.profile]++
	}
	hc := newHTTPClient(c.Devices + 2*pushConcurrency)
	p := &puller{hc: hc, url: t.url + "/v1/sync/pull", pages: true, dicts: newDictSet(t.url)}
	d := &ServeDetail{}
	r.Serve = d
	c.logf("running %d first loads, %d at a time", c.Devices, c.FirstLoadConcurrency)
	if d.FirstLoad, err = firstLoads(ctx, c, p, devs); err != nil {
		return err
	}
	for _, dev := range devs {
		if len(dev.owned) > 0 {
			d.PushDevices++
		}
	}

	c.logf("pull cycles of %d devices for %v, pushing %d mutations/s and ingesting %d rows/s", c.Devices, c.Duration, c.PushRate, c.IngestRate)
	rnd := rand.New(rand.NewPCG(uint64(c.Seed), 0x7365727665))
	res := &reservoir{size: staticSample, rnd: rnd.IntN}
	// Keep the pages fetched in the window: the static baseline serves
	// them again to the answers that list them.
	p.record = newPageRecord()
	sampler := startRSSSampler(time.Second, func() (uint64, error) { cur, peak, _, err := t.rss(ctx); return max(cur, peak), err })
	wctx, cancel := context.WithTimeout(ctx, c.Duration)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); d.Ingest = ingestLoop(wctx, t, dc, c.IngestRate, c.Seed, c.Duration) }()
	go func() { defer wg.Done(); d.Push = pushLoop(wctx, hc, t.url, devs, c.PushRate, c.Seed, c.Duration) }()
	start, cpu := time.Now(), startCPU(t.pid())
	tally := runPulls(wctx, p, devs, res)
	window := time.Since(start)
	d.ServerCPUSeconds, d.HarnessCPUSeconds = cpu.stop()
	cancel()
	wg.Wait()
	peak, _, rssErr := sampler.stop()
	if err := ctx.Err(); err != nil {
		return err
	}
	var all samples
	all.merge(&tally.noChange)
	all.merge(&tally.delta)
	d.WindowSeconds = window.Seconds()
	d.NoChange, d.Delta, d.All = tally.noChange.summarize(window), tally.delta.summarize(window), all.summarize(window)
	d.PullErrors, d.FirstPullError, d.ResetPulls = tally.errors, tally.firstErr, tally.resets
	d.Timeline = tally.timeline(window)
	for _, sl := range d.Timeline {
		c.logf("window %3.0f s: %6.0f pulls/s, %3.0f%% deltas, p50 %.0f ms", sl.Start, sl.PullsPerSec, 100*sl.DeltaShare, sl.P50Ms)
	}
	_, _, r.Run.RSSSource, _ = t.rss(ctx)
	if rssErr != nil {
		r.note("server RSS unknown: %v", rssErr)
	}
	// Stop a started server now: its backlog of cancelled pulls must not
	// compete with the static baseline for the CPU.
	if err := t.close(); err != nil {
		r.note("%v", err)
	}

	answers := res.answers()
	d.StaticAnswers = len(answers)
	static := max(minStaticWindow, min(c.Duration, c.Duration/3))
	c.logf("static baseline: the same %d device loops against a plain handler serving %d recorded answers, for %v", c.Devices, len(answers), static)
	d.StaticPages = p.record.len()
	if err := runStatic(ctx, answers, p.record, devs, static, d); err != nil {
		return err
	}
	var deltas []pullAnswer
	for _, a := range answers {
		if a.changes() > 0 && len(deltas) < deltaSample {
			deltas = append(deltas, a)
		}
	}
	if err := compareAnswers(&d.DeltaBytes, deltas, false); err != nil {
		return err
	}
	r.fillServeMetrics(peak)
	return nil
}

// fillServeMetrics writes the serve details into r.Metrics.
func (r *HarnessResult) fillServeMetrics(peakRSS uint64) {
	d, m := r.Serve, r.Metrics
	m[MetricServeRatioVsStatic] = ratio(d.All.PerSec, d.Static.PerSec)
	m[MetricPullsPerSec], m[MetricStaticPullsPerSec] = d.All.PerSec, d.Static.PerSec
	m[MetricNoChangePullsPerS], m[MetricNoChangeP50], m[MetricNoChangeP99], m[MetricNoChangeP999], m[MetricNoChangeBytes] =
		d.NoChange.PerSec, d.NoChange.P50, d.NoChange.P99, d.NoChange.P999, d.NoChange.MeanBytes
	m[MetricDeltaPullsPerSec], m[MetricDeltaP50], m[MetricDeltaP99], m[MetricDeltaP999], m[MetricDeltaBytes] =
		d.Delta.PerSec, d.Delta.P50, d.Delta.P99, d.Delta.P999, d.Delta.MeanBytes
	m[MetricStaticP50], m[MetricStaticP99] = d.Static.P50, d.Static.P99
	fl := d.FirstLoad
	m[MetricFirstLoadP50], m[MetricFirstLoadP99], m[MetricFirstLoadBytes], m[MetricFirstLoadRows] = fl.Latency.P50, fl.Latency.P99, fl.Latency.MeanBytes, fl.MeanRows
	m[MetricRatioVsJSONGzip], m[MetricDeltaRatioVsJSON] = fl.Bytes.RatioVsJSONGzip, d.DeltaBytes.RatioVsJSONGzip
	m[MetricFirstLoadPageBytes] = ratio(float64(fl.PageBytes), float64(fl.Latency.Count))
	m[MetricFirstLoadPageShare], m[MetricPageFetches], m[MetricDistinctPages], m[MetricPageSharing] =
		fl.PageByteShare, float64(fl.PageFetches), float64(fl.DistinctPages), fl.SharingRatio
	m[MetricIngestRowsPerSec], m[MetricPushPerSec], m[MetricPushP99] = d.Ingest.PerSec, d.Push.PerSec, d.Push.Latency.P99
	m[MetricPullErrors], m[MetricResetPulls] = float64(d.PullErrors), float64(d.ResetPulls)
	m[MetricRSSMiB] = mib(peakRSS)
	if _, ok := m[MetricLoadRowsPerSec]; !ok {
		m[MetricLoadRowsPerSec] = 0
	}
	if _, ok := m[MetricLoadRSSMiB]; !ok {
		m[MetricLoadRSSMiB] = 0
	}
}

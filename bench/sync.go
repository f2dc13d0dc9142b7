package bench

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// The units the device-sync benchmarks report (shared/benchmarks.md).
const (
	// MetricRatioVsJSONGzip: wire bytes against JSON+gzip(6) of the same
	// rows (BenchmarkSnapshotBytes, target <= 0.6; BenchmarkDeltaBytes,
	// target <= 0.8).
	MetricRatioVsJSONGzip = "ratio-vs-json-gzip"
	// MetricRatioWarmVsCold: a warm first load's time over a cold one's
	// (BenchmarkSnapshotCached, target <= 0.1).
	MetricRatioWarmVsCold = "ratio-warm-vs-cold"
	// MetricRatioLargeVsSmall: a 100-change delta pull's time at the large
	// size over the small size's (BenchmarkDeltaScaling, target <= 1.5).
	MetricRatioLargeVsSmall = "ratio-large-vs-small"
)

// DefaultChanges is how many rows the delta benchmarks change.
const DefaultChanges = 100

// SyncConfig sizes the device-sync runs of one dataset: RunSnapshotBytes,
// RunSnapshotCached and RunDeltaBytes.
type SyncConfig struct {
	// Dir is a scratch directory: the engine (when loading) and the
	// device stores.
	Dir string
	// Size is the dataset size to load; Seed seeds it; Kind is
	// dataset.KindCRMN (or empty) or dataset.KindNoisy.
	Size string
	Seed int64
	Kind string
	// Changes is how many rows of the user's view RunDeltaBytes changes.
	Changes int
	// Rounds is how many cold/warm pairs RunSnapshotCached measures (it
	// reports medians; the users swap roles every round, so an even
	// count is fairest). The default is 10: a single first load of a few
	// hundred rows takes about a millisecond warm, and with 4 rounds the
	// median moved by half between runs on a busy machine.
	Rounds int
	// Dataset, when set, is used instead of loading Size (which is then
	// ignored). The runs write to it (tokens, changes) and leave it open.
	Dataset *Dataset
}

// DefaultSyncConfig returns a SyncConfig of the small size.
func DefaultSyncConfig(dir string) SyncConfig {
	return SyncConfig{Dir: dir, Size: dataset.SizeSmall, Seed: dataset.DefaultSeed, Changes: DefaultChanges, Rounds: 10}
}

// Validate checks the config; its messages name the bad field.
func (c SyncConfig) Validate() error {
	if c.Dir == "" {
		return fmt.Errorf("sync config: Dir: must be set")
	}
	if c.Dataset == nil {
		if _, err := dataset.ConfigFor(c.Size); err != nil {
			return fmt.Errorf("sync config: Size: %w", err)
		}
		if err := dataset.CheckKind(c.Kind); err != nil {
			return fmt.Errorf("sync config: Kind: %w", err)
		}
	}
	switch {
	case c.Changes < 1 || c.Changes > engine.MaxRecordsPerCommand:
		return fmt.Errorf("sync config: Changes: %d is outside 1..%d", c.Changes, engine.MaxRecordsPerCommand)
	case c.Rounds < 1:
		return fmt.Errorf("sync config: Rounds: must be positive")
	}
	return nil
}

// dataset returns c.Dataset, or loads c.Size into a new directory under
// c.Dir; done closes what was loaded here.
func (c SyncConfig) dataset(ctx context.Context) (ds *Dataset, done func(), err error) {
	if c.Dataset != nil {
		return c.Dataset, func() {}, nil
	}
	return loadKindInto(ctx, c.Dir, c.Size, c.Seed, c.Kind)
}

func loadInto(ctx context.Context, dir, size string, seed int64) (*Dataset, func(), error) {
	return loadKindInto(ctx, dir, size, seed, "")
}

func loadKindInto(ctx context.Context, dir, size string, seed int64, kind string) (*Dataset, func(), error) {
	sub, err := os.MkdirTemp(dir, "engine-"+size+"-")
	if err != nil {
		return nil, nil, err
	}
	lc := DefaultLoadConfig(sub, size)
	lc.Seed, lc.Kind = seed, kind
	ds, err := LoadDataset(ctx, lc)
	if err != nil {
		os.RemoveAll(sub)
		return nil, nil, err
	}
	return ds, func() { ds.Close(); os.RemoveAll(sub) }, nil
}

// SnapshotBytesResult is what RunSnapshotBytes measured.
type SnapshotBytesResult struct {
	Size string
	// Rows is how many rows the device holds after its first load, in
	// Pulls pages.
	Rows, Pulls int
	// WireBytes is what crossed the wire (msgpack, zstd), all pages.
	WireBytes int64
	// JSONBytes and JSONGzipBytes are the same rows as one JSON array,
	// plain and gzipped at level 6.
	JSONBytes, JSONGzipBytes int64
	// RatioVsJSONGzip is WireBytes / JSONGzipBytes (target <= 0.6).
	RatioVsJSONGzip float64
}

// RunSnapshotBytes measures benchmark #3: a Field Sales user's first load
// through HTTP with the Go client (client.Device.Sync into a fresh store),
// its compressed wire bytes against JSON+gzip(6) of the rows the device
// then holds.
func RunSnapshotBytes(ctx context.Context, c SyncConfig) (SnapshotBytesResult, error) {
	if err := c.Validate(); err != nil {
		return SnapshotBytesResult{}, err
	}
	ds, done, err := c.dataset(ctx)
	if err != nil {
		return SnapshotBytesResult{}, err
	}
	defer done()
	srv, err := ds.Serve()
	if err != nil {
		return SnapshotBytesResult{}, err
	}
	defer srv.Close()
	user, _, err := ds.FieldSalesPair()
	if err != nil {
		return SnapshotBytesResult{}, err
	}
	tok, err := srv.Token(ctx, user.ID)
	if err != nil {
		return SnapshotBytesResult{}, err
	}
	dev, closeDev, err := srv.OpenDevice(c.Dir, tok)
	if err != nil {
		return SnapshotBytesResult{}, err
	}
	defer closeDev()
	sum, err := dev.Sync(ctx)
	if err != nil {
		return SnapshotBytesResult{}, fmt.Errorf("first load: %w", err)
	}
	rows, err := deviceRows(dev, nil)
	if err != nil {
		return SnapshotBytesResult{}, err
	}
	if len(rows) == 0 || sum.Upserts != len(rows) {
		return SnapshotBytesResult{}, fmt.Errorf("first load: %d upserts but the device holds %d rows", sum.Upserts, len(rows))
	}
	r := SnapshotBytesResult{Size: ds.Size, Rows: len(rows), Pulls: sum.Pulls, WireBytes: sum.WireBytes}
	if r.JSONBytes, r.JSONGzipBytes, err = JSONGzip(rows); err != nil {
		return SnapshotBytesResult{}, err
	}
	r.RatioVsJSONGzip = float64(r.WireBytes) / float64(r.JSONGzipBytes)
	return r, nil
}

// SnapshotCachedResult is what RunSnapshotCached measured: medians over
// the rounds.
type SnapshotCachedResult struct {
	Size string
	// Rows are the sizes of the two users' views.
	Rows [2]int
	// ColdFetch and WarmFetch time the first loads over HTTP as a device
	// pulls them (every page: server, wire, decompression and decoding)
	// without the device's local writes: what a server-side cache can
	// save.
	ColdFetch, WarmFetch time.Duration
	// ColdSync and WarmSync time whole client.Device.Sync first loads
	// (local writes included), on another fresh server.
	ColdSync, WarmSync time.Duration
	// RatioWarmVsCold is WarmFetch / ColdFetch (target <= 0.1).
	RatioWarmVsCold float64
	// RatioWarmVsColdSync is WarmSync / ColdSync.
	RatioWarmVsColdSync float64
}

// RunSnapshotCached measures benchmark #4: on a fresh server (nothing
// computed or cached for the profile and business unit yet), the first
// load of a Field Sales user (cold), then of a second Field Sales user of
// the same business unit (warm). Each round starts two fresh servers over
// the same engine: one for storeless fetches, one for Go client syncs into
// fresh stores. Which of the two users goes first alternates from round
// to round, so that their views' different sizes cancel out. Before the
// rounds, one unmeasured load of each user warms the engine's block
// cache; on each fresh server, an unmeasured load of a Field Sales user of
// another business unit warms the server's code paths and connection.
// So "cold" means nothing was computed yet for this profile and business
// unit, not a cold process.
func RunSnapshotCached(ctx context.Context, c SyncConfig) (SnapshotCachedResult, error) {
	if err := c.Validate(); err != nil {
		return SnapshotCachedResult{}, err
	}
	ds, done, err := c.dataset(ctx)
	if err != nil {
		return SnapshotCachedResult{}, err
	}
	defer done()
	a, b, err := ds.FieldSalesPair()
	if err != nil {
		return SnapshotCachedResult{}, err
	}
	other, err := ds.FieldSalesOutside(a.BusinessUnit)
	if err != nil {
		return SnapshotCachedResult{}, err
	}
	r := SnapshotCachedResult{Size: ds.Size}
	var toks [3]string // a, b, other
	// Tokens are writes: mint them, and warm the engine, before timing.
	{
		srv, err := ds.Serve()
		if err != nil {
			return r, err
		}
		for i, u := range []string{a.ID, b.ID, other.ID} {
			if toks[i], err = srv.Token(ctx, u); err == nil {
				_, err = srv.Fetcher(toks[i]).Sync(ctx)
			}
			if err != nil {
				srv.Close()
				return r, err
			}
		}
		srv.Close()
	}
	var fetch, syncs [2][]time.Duration // [cold, warm]
	for round := range c.Rounds {
		order := [2]int{round % 2, 1 - round%2} // the users, cold then warm
		srv, err := serveWarm(ctx, ds, toks[2])
		if err != nil {
			return r, err
		}
		for k, i := range order {
			start := time.Now()
			sum, err := srv.Fetcher(toks[i]).Sync(ctx)
			fetch[k] = append(fetch[k], time.Since(start))
			if err == nil && (sum.Resets != 1 || sum.Upserts == 0) {
				err = fmt.Errorf("first load brought %d resets and %d rows", sum.Resets, sum.Upserts)
			}
			if err != nil {
				srv.Close()
				return r, fmt.Errorf("fetch first load of user %d: %w", i, err)
			}
			r.Rows[i] = sum.Upserts
		}
		srv.Close()
		if srv, err = serveWarm(ctx, ds, toks[2]); err != nil {
			return r, err
		}
		for k, i := range order {
			d, err := timeDeviceFirstLoad(ctx, srv, c.Dir, toks[i])
			if err != nil {
				srv.Close()
				return r, fmt.Errorf("device first load of user %d: %w", i, err)
			}
			syncs[k] = append(syncs[k], d)
		}
		srv.Close()
	}
	r.ColdFetch, r.WarmFetch = median(fetch[0]), median(fetch[1])
	r.ColdSync, r.WarmSync = median(syncs[0]), median(syncs[1])
	r.RatioWarmVsCold = r.WarmFetch.Seconds() / r.ColdFetch.Seconds()
	r.RatioWarmVsColdSync = r.WarmSync.Seconds() / r.ColdSync.Seconds()
	return r, nil
}

// serveWarm starts a server over ds and has it serve one first load to
// the device token tok (unmeasured).
func serveWarm(ctx context.Context, ds *Dataset, tok string) (*SyncServer, error) {
	srv, err := ds.Serve()
	if err != nil {
		return nil, err
	}
	if _, err := srv.Fetcher(tok).Sync(ctx); err != nil {
		srv.Close()
		return nil, fmt.Errorf("warm the server up: %w", err)
	}
	return srv, nil
}

// timeDeviceFirstLoad times a Go client's first load into a fresh store
// (opening the store is not timed).
func timeDeviceFirstLoad(ctx context.Context, srv *SyncServer, dir, tok string) (time.Duration, error) {
	dev, closeDev, err := srv.OpenDevice(dir, tok)
	if err != nil {
		return 0, err
	}
	defer closeDev()
	start := time.Now()
	sum, err := dev.Sync(ctx)
	d := time.Since(start)
	if err == nil && (sum.Resets != 1 || sum.Upserts == 0) {
		err = fmt.Errorf("first load brought %d resets and %d rows", sum.Resets, sum.Upserts)
	}
	return d, err
}

// DeltaBytesResult is what RunDeltaBytes measured.
type DeltaBytesResult struct {
	Size string
	// Changes is how many rows were changed; Upserts how many the delta
	// pull brought (they must be equal).
	Changes, Upserts int
	// WireBytes is the delta pull's compressed body.
	WireBytes int64
	// JSONBytes and JSONGzipBytes are the changed rows, as the device
	// holds them after the pull, as one JSON array, plain and gzipped at
	// level 6.
	JSONBytes, JSONGzipBytes int64
	// RatioVsJSONGzip is WireBytes / JSONGzipBytes (target <= 0.8).
	RatioVsJSONGzip float64
}

// RunDeltaBytes measures benchmark #6: a Field Sales user fully synced,
// then c.Changes rows of the user's view changed; the delta pull's wire
// bytes against JSON+gzip(6) of the same changed rows.
func RunDeltaBytes(ctx context.Context, c SyncConfig) (DeltaBytesResult, error) {
	if err := c.Validate(); err != nil {
		return DeltaBytesResult{}, err
	}
	ds, done, err := c.dataset(ctx)
	if err != nil {
		return DeltaBytesResult{}, err
	}
	defer done()
	ss, err := newSyncedSession(ctx, ds, c.Dir, c.Changes)
	if err != nil {
		return DeltaBytesResult{}, err
	}
	defer ss.close()
	if err := ss.change(ctx, 0); err != nil {
		return DeltaBytesResult{}, err
	}
	sum, err := ss.dev.Sync(ctx)
	if err != nil {
		return DeltaBytesResult{}, fmt.Errorf("delta pull: %w", err)
	}
	if err := ss.checkDelta(sum.Upserts, sum.Removals, sum.Resets); err != nil {
		return DeltaBytesResult{}, err
	}
	keep := map[string]bool{}
	for _, r := range ss.changed {
		keep[r.ID] = true
	}
	rows, err := deviceRows(ss.dev, keep)
	if err != nil {
		return DeltaBytesResult{}, err
	}
	if len(rows) != len(ss.changed) {
		return DeltaBytesResult{}, fmt.Errorf("the device holds %d of the %d changed rows", len(rows), len(ss.changed))
	}
	r := DeltaBytesResult{Size: ds.Size, Changes: len(ss.changed), Upserts: sum.Upserts, WireBytes: sum.WireBytes}
	if r.JSONBytes, r.JSONGzipBytes, err = JSONGzip(rows); err != nil {
		return DeltaBytesResult{}, err
	}
	r.RatioVsJSONGzip = float64(r.WireBytes) / float64(r.JSONGzipBytes)
	return r, nil
}

// DeltaScalingConfig sizes RunDeltaScaling.
type DeltaScalingConfig struct {
	// Dir is a scratch directory.
	Dir string
	// SmallSize and LargeSize are the two dataset sizes compared.
	SmallSize, LargeSize string
	Seed                 int64
	// Changes is how many rows of the user's view each round changes.
	Changes int
	// Rounds is how many delta pulls are timed at each size (medians are
	// reported).
	Rounds int
	// Small and Large, when set, are used instead of loading the sizes.
	Small, Large *Dataset
}

// DefaultDeltaScalingConfig compares the small and the large size.
func DefaultDeltaScalingConfig(dir string) DeltaScalingConfig {
	return DeltaScalingConfig{Dir: dir, SmallSize: dataset.SizeSmall, LargeSize: dataset.SizeLarge, Seed: dataset.DefaultSeed, Changes: DefaultChanges, Rounds: 7}
}

// Validate checks the config; its messages name the bad field.
func (c DeltaScalingConfig) Validate() error {
	if c.Dir == "" {
		return fmt.Errorf("delta scaling config: Dir: must be set")
	}
	for _, s := range []struct {
		field, size string
		ds          *Dataset
	}{{"SmallSize", c.SmallSize, c.Small}, {"LargeSize", c.LargeSize, c.Large}} {
		if s.ds != nil {
			continue
		}
		if _, err := dataset.ConfigFor(s.size); err != nil {
			return fmt.Errorf("delta scaling config: %s: %w", s.field, err)
		}
	}
	switch {
	case c.Changes < 1 || c.Changes > engine.MaxRecordsPerCommand:
		return fmt.Errorf("delta scaling config: Changes: %d is outside 1..%d", c.Changes, engine.MaxRecordsPerCommand)
	case c.Rounds < 1:
		return fmt.Errorf("delta scaling config: Rounds: must be positive")
	}
	return nil
}

// DeltaTiming is one size's delta pulls: medians over the rounds.
type DeltaTiming struct {
	Size string
	// Rows is the dataset's rows; ViewRows the user's first load.
	Rows, ViewRows int
	// LoadTime and SettleTime are how long loading the dataset and then
	// waiting for the process to go idle took (neither is measured).
	LoadTime, SettleTime time.Duration
	// Upserts is what each delta pull brought (the changes).
	Upserts int
	// Sync times client.Device.Sync of the delta: HTTP, server, and the
	// device's local transaction.
	Sync time.Duration
	// Fetch times the same pull over HTTP without local writes.
	Fetch time.Duration
	// Engine times engine.Pull of the same delta alone.
	Engine time.Duration
	// WireBytes is one delta pull's compressed body.
	WireBytes int64
}

// DeltaScalingResult is what RunDeltaScaling measured.
type DeltaScalingResult struct {
	Small, Large DeltaTiming
	// RatioLargeVsSmall is Large.Sync / Small.Sync (target <= 1.5).
	RatioLargeVsSmall float64
	// RatioFetch and RatioEngine are the same ratio for Fetch and Engine.
	RatioFetch, RatioEngine float64
}

// RunDeltaScaling measures benchmark #5: at each size, a Field Sales user
// fully synced (a Go client device, a storeless Fetcher and an engine
// cursor), then Rounds rounds of c.Changes changes to rows in the user's
// view, each followed by the delta pull timed three ways (Device.Sync,
// Fetcher.Sync, engine.Pull). The ratio compares the Device.Sync medians.
// The sizes are loaded one after the other, each closed before the next.
func RunDeltaScaling(ctx context.Context, c DeltaScalingConfig) (DeltaScalingResult, error) {
	if err := c.Validate(); err != nil {
		return DeltaScalingResult{}, err
	}
	var r DeltaScalingResult
	for _, s := range []struct {
		size string
		ds   *Dataset
		out  *DeltaTiming
	}{{c.SmallSize, c.Small, &r.Small}, {c.LargeSize, c.Large, &r.Large}} {
		ds, done := s.ds, func() {}
		if ds == nil {
			var err error
			if ds, done, err = loadInto(ctx, c.Dir, s.size, c.Seed); err != nil {
				return r, err
			}
		}
		t, err := timeDeltas(ctx, ds, c.Dir, c.Changes, c.Rounds)
		done()
		if err != nil {
			return r, fmt.Errorf("%s: %w", ds.Size, err)
		}
		*s.out = t
	}
	r.RatioLargeVsSmall = r.Large.Sync.Seconds() / r.Small.Sync.Seconds()
	r.RatioFetch = r.Large.Fetch.Seconds() / r.Small.Fetch.Seconds()
	r.RatioEngine = r.Large.Engine.Seconds() / r.Small.Engine.Seconds()
	return r, nil
}

// timeDeltas runs the rounds of RunDeltaScaling on one dataset.
func timeDeltas(ctx context.Context, ds *Dataset, dir string, changes, rounds int) (DeltaTiming, error) {
	ss, err := newSyncedSession(ctx, ds, dir, changes)
	if err != nil {
		return DeltaTiming{}, err
	}
	defer ss.close()
	fetcher := ss.srv.Fetcher(ss.token)
	if _, err := fetcher.Sync(ctx); err != nil {
		return DeltaTiming{}, fmt.Errorf("fetcher first load: %w", err)
	}
	first, err := ds.Engine.Pull(ss.user, nil, ds.Now(), engine.PullOptions{})
	if err != nil {
		return DeltaTiming{}, fmt.Errorf("engine first load: %w", err)
	}
	cur := first.Cursor
	t := DeltaTiming{Size: ds.Size, Rows: ds.Rows, ViewRows: ss.viewRows, LoadTime: ds.LoadTime, SettleTime: ds.SettleTime}
	var syncs, fetches, pulls []time.Duration
	for round := range rounds {
		if err := ss.change(ctx, round); err != nil {
			return t, err
		}
		start := time.Now()
		sum, err := ss.dev.Sync(ctx)
		syncs = append(syncs, time.Since(start))
		if err == nil {
			err = ss.checkDelta(sum.Upserts, sum.Removals, sum.Resets)
		}
		if err != nil {
			return t, fmt.Errorf("round %d: device delta: %w", round, err)
		}
		t.Upserts, t.WireBytes = sum.Upserts, sum.WireBytes

		start = time.Now()
		fs, err := fetcher.Sync(ctx)
		fetches = append(fetches, time.Since(start))
		if err == nil {
			err = ss.checkDelta(fs.Upserts, fs.Removals, fs.Resets)
		}
		if err != nil {
			return t, fmt.Errorf("round %d: fetcher delta: %w", round, err)
		}

		start = time.Now()
		pr, err := ds.Engine.Pull(ss.user, &cur, ds.Now(), engine.PullOptions{})
		pulls = append(pulls, time.Since(start))
		if err == nil {
			up, rm := 0, 0
			for _, e := range pr.Entities {
				up, rm = up+len(e.Upserts)+len(e.Patches), rm+len(e.Removals)
			}
			resets := 0
			if pr.Reset {
				resets = 1
			}
			err = ss.checkDelta(up, rm, resets)
			cur = pr.Cursor
		}
		if err != nil {
			return t, fmt.Errorf("round %d: engine delta: %w", round, err)
		}
	}
	t.Sync, t.Fetch, t.Engine = median(syncs), median(fetches), median(pulls)
	return t, nil
}

// syncedSession is a Field Sales user's device, fully synced, on a server
// over a dataset, with the rows of the user's view that changes touch.
type syncedSession struct {
	ds       *Dataset
	srv      *SyncServer
	user     string
	token    string
	dev      *client.Device
	closeDev func()
	viewRows int
	changed  []codec.Record // entity and id of each row to change
}

// newSyncedSession serves ds, syncs the first user of FieldSalesPair into
// a fresh device, and picks n rows of the user's view to change: accounts
// of the user's business unit first, then the view's other rows (contacts,
// opportunities, tasks), in view order.
func newSyncedSession(ctx context.Context, ds *Dataset, dir string, n int) (*syncedSession, error) {
	user, _, err := ds.FieldSalesPair()
	if err != nil {
		return nil, err
	}
	ss := &syncedSession{ds: ds, user: user.ID}
	if ss.srv, err = ds.Serve(); err != nil {
		return nil, err
	}
	if err := ss.open(ctx, dir); err != nil {
		ss.close()
		return nil, err
	}
	if ss.changed, err = pickChanges(ds, user.ID, n); err != nil {
		ss.close()
		return nil, err
	}
	return ss, nil
}

func (ss *syncedSession) open(ctx context.Context, dir string) error {
	var err error
	if ss.token, err = ss.srv.Token(ctx, ss.user); err != nil {
		return err
	}
	if ss.dev, ss.closeDev, err = ss.srv.OpenDevice(dir, ss.token); err != nil {
		return err
	}
	sum, err := ss.dev.Sync(ctx)
	if err != nil {
		return fmt.Errorf("first load: %w", err)
	}
	ss.viewRows = sum.Upserts
	return nil
}

func (ss *syncedSession) close() {
	if ss.closeDev != nil {
		ss.closeDev()
	}
	ss.srv.Close()
}

// pickChanges returns n rows (entity and id) of user's view, accounts
// first.
func pickChanges(ds *Dataset, user string, n int) ([]codec.Record, error) {
	var rows []codec.Record
	_, err := ds.Engine.View(user, "", ds.Now(), func(vr engine.ViewRow) error {
		rows = append(rows, codec.Record{Entity: vr.Rule.Entity, ID: vr.Row.ID})
		return nil
	})

	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rows, func(a, b codec.Record) int {
		return cmp.Compare(rank(a.Entity), rank(b.Entity))
	})
	if len(rows) < n {
		return nil, fmt.Errorf("pick changes: the user's view holds %d rows, fewer than %d", len(rows), n)
	}
	return rows[:n], nil
}

// rank puts accounts first.
func rank(entity string) int {
	if entity == "account" {
		return 0
	}
	return 1
}

// followUps are the descriptions changes write.
var followUps = [...]string{
	"Called back: they asked for a revised quote by Friday.",
	"Met on site; wants a demo for the operations team.",
	"Left a voicemail, will try again next week.",
	"Sent the contract draft for their legal review.",
	"Budget confirmed for next quarter, decision expected in March.",
	"Asked for references from customers in the same industry.",
	"Follow-up meeting booked with the purchasing manager.",
	"Asked to move the delivery date by two weeks.",
}

// change updates the description of every picked row in one ingest
// command at the dataset's Now, which becomes their modifiedon.
func (ss *syncedSession) change(ctx context.Context, round int) error {
	recs := make([]codec.Record, len(ss.changed))
	for i, r := range ss.changed {
		desc := fmt.Sprintf("%s (visit %d)", followUps[(i+round)%len(followUps)], round+1)
		recs[i] = codec.Record{Op: codec.OpUpsert, Entity: r.Entity, ID: r.ID, Attrs: map[string]any{"description": desc}}
	}
	res, err := ss.ds.Writer.Propose(ctx, &engine.Command{Kind: engine.KindIngest, Now: ss.ds.Now(), Records: recs})
	if err == nil && res.Err != nil {
		err = res.Err
	}
	if err != nil {
		return fmt.Errorf("change %d rows: %w", len(recs), err)
	}
	return nil
}

// checkDelta checks that a delta pull brought exactly the changes.
func (ss *syncedSession) checkDelta(upserts, removals, resets int) error {
	if upserts != len(ss.changed) || removals != 0 || resets != 0 {
		return fmt.Errorf("delta brought %d upserts, %d removals and %d resets; want %d upserts", upserts, removals, resets, len(ss.changed))
	}
	return nil
}

// median returns the median of ds (the lower middle for an even count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

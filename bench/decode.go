package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
)

// MetricRatioVsJSONDecode is the device decoder's unit: how much faster
// the Go device takes a first load in (decodes and applies it) than it
// would the same rows as JSON (BenchmarkDeviceDecode, target >= 2).
const MetricRatioVsJSONDecode = "ratio-vs-json-decode"

// DecodeConfig sizes RunDeviceDecode.
type DecodeConfig struct {
	// Dir is a scratch directory: the engine (when loading) and the
	// device stores.
	Dir string
	// Size, Seed and Kind select the dataset to load.
	Size string
	Seed int64
	Kind string
	// Rounds is how many times each side is measured; medians are
	// reported.
	Rounds int
	// Dataset, when set, is used instead of loading Size.
	Dataset *Dataset
	// ProfileDir, when set, receives a CPU profile (pprof) of each
	// round's device first load, and of nothing else (not the opening of
	// its store), as device-sync-<round>.pprof; `go tool pprof` merges
	// them when given them all.
	ProfileDir string
}

// DefaultDecodeConfig returns a DecodeConfig of the small size, 21
// rounds.
func DefaultDecodeConfig(dir string) DecodeConfig {
	return DecodeConfig{Dir: dir, Size: dataset.SizeSmall, Seed: dataset.DefaultSeed, Rounds: 21}
}

// Validate checks the config; its messages name the bad field.
func (c DecodeConfig) Validate() error {
	sc := SyncConfig{Dir: c.Dir, Size: c.Size, Seed: c.Seed, Kind: c.Kind, Changes: 1, Rounds: c.Rounds, Dataset: c.Dataset}
	if err := sc.Validate(); err != nil {
		return fmt.Errorf("decode config: %w", err)
	}
	return nil
}

// DecodeResult is what RunDeviceDecode measured: medians over the rounds.
type DecodeResult struct {
	Size string
	// Rows is how many rows the first load carried, in Pages answers of
	// WireBytes (as received) and JSONGzipBytes (the same rows as JSON,
	// gzipped at level 6, page by page).
	Rows, Pages              int
	WireBytes, JSONGzipBytes int64
	// WireDecode is the device's decoding of every page (decompression
	// and codec.DecodePullResponse, as client.Device does before it
	// applies a page); WireSync its whole first load from recorded
	// answers (HTTP over loopback, decoding and applying to a fresh
	// store: client.Device.Sync); Apply is WireSync - WireDecode.
	WireDecode, WireSync, Apply time.Duration
	// JSONDecode is gunzip and encoding/json of the same pages into
	// []client.Row; JSONSync is JSONDecode + Apply: the same rows
	// applied the same way.
	JSONDecode, JSONSync time.Duration
	// Rows per second of each.
	WireDecodeRowsPerSec, WireSyncRowsPerSec float64
	JSONDecodeRowsPerSec, JSONSyncRowsPerSec float64
	// RatioVsJSONDecode is JSONSync / WireSync (target >= 2);
	// RatioDecodeOnly is JSONDecode / WireDecode.
	RatioVsJSONDecode, RatioDecodeOnly float64
}

// RunDeviceDecode measures the Go device's decoder: a Field Sales user's
// first load is recorded once from a real server over HTTP (replay.go),
// then taken in by fresh devices (client.Device.Sync) from the recorded
// answers, so that the server's cost is left out. The same rows, as the
// device holds them afterwards, are cut into pages of the same row
// counts, encoded as JSON and gzipped, and decoded with encoding/json
// into []client.Row in the same run. The device's apply (its local
// writes) is the same for both: its time is the device's first load less
// its decoding, and is added to JSON's decoding to compare whole loads.
func RunDeviceDecode(ctx context.Context, c DecodeConfig) (DecodeResult, error) {
	if err := c.Validate(); err != nil {
		return DecodeResult{}, err
	}
	sc := SyncConfig{Dir: c.Dir, Size: c.Size, Seed: c.Seed, Kind: c.Kind, Dataset: c.Dataset}
	ds, done, err := sc.dataset(ctx)
	if err != nil {
		return DecodeResult{}, err
	}
	defer done()
	srv, err := ds.Serve()
	if err != nil {
		return DecodeResult{}, err
	}
	defer srv.Close()
	user, _, err := ds.FieldSalesPair()
	if err != nil {
		return DecodeResult{}, err
	}
	tok, err := srv.Token(ctx, user.ID)
	if err != nil {
		return DecodeResult{}, err
	}
	rp := newReplay(srv.URL, srv.ts.Client())
	defer rp.Close()
	rows, pageRows, err := recordFirstLoad(ctx, rp, c.Dir, tok)
	if err != nil {
		return DecodeResult{}, err
	}
	rp.stopRecording()
	pages := rp.pulls()
	if len(pages) != len(pageRows) {
		return DecodeResult{}, fmt.Errorf("device decode: %d pull answers recorded for %d pages", len(pages), len(pageRows))
	}
	dict, err := recordedDict(rp)
	if err != nil {
		return DecodeResult{}, err
	}
	jsonPages, err := jsonPages(rows, pageRows)
	if err != nil {
		return DecodeResult{}, err
	}
	r := DecodeResult{Size: ds.Size, Rows: len(rows), Pages: len(pages)}
	for i := range pages {
		r.WireBytes += int64(len(pages[i].body))
		r.JSONGzipBytes += int64(len(jsonPages[i]))
	}

	// Each round times the three back to back, so that they share the
	// machine's load of the moment (the cores are shared).
	var wireDec, jsonDec, wireSync []time.Duration
	for i := range c.Rounds {
		d, err := timeWireDecode(pages, dict)
		if err != nil {
			return DecodeResult{}, err
		}
		wireDec = append(wireDec, d)
		if d, err = timeJSONDecode(jsonPages, len(rows)); err != nil {
			return DecodeResult{}, err
		}
		jsonDec = append(jsonDec, d)
		prof := ""
		if c.ProfileDir != "" {
			prof = filepath.Join(c.ProfileDir, fmt.Sprintf("device-sync-%03d.pprof", i))
		}
		if d, err = timeReplaySync(ctx, rp, c.Dir, tok, len(rows), prof); err != nil {
			return DecodeResult{}, err
		}
		wireSync = append(wireSync, d)
	}
	if n := rp.missed(); n > 0 {
		return DecodeResult{}, fmt.Errorf("device decode: %d requests of the replayed syncs were not recorded", n)
	}
	r.WireDecode, r.JSONDecode, r.WireSync = median(wireDec), median(jsonDec), median(wireSync)
	r.Apply = max(r.WireSync-r.WireDecode, 0)
	r.JSONSync = r.JSONDecode + r.Apply
	perSec := func(d time.Duration) float64 { return ratio(float64(r.Rows), d.Seconds()) }
	r.WireDecodeRowsPerSec, r.WireSyncRowsPerSec = perSec(r.WireDecode), perSec(r.WireSync)
	r.JSONDecodeRowsPerSec, r.JSONSyncRowsPerSec = perSec(r.JSONDecode), perSec(r.JSONSync)
	r.RatioVsJSONDecode = ratio(float64(r.JSONSync), float64(r.WireSync))
	r.RatioDecodeOnly = ratio(float64(r.JSONDecode), float64(r.WireDecode))
	return r, nil
}

// recordFirstLoad runs a first load through rp into a fresh device and
// returns the rows the device then holds and the rows of each page.
func recordFirstLoad(ctx context.Context, rp *replay, dir, tok string) (rows []client.Row, pageRows []int, err error) {
	prev := 0
	dev, closeDev, err := openReplayDevice(rp, dir, tok, func(n int, _ bool) {
		pageRows = append(pageRows, n-prev)
		prev = n
	})
	if err != nil {
		return nil, nil, err
	}
	defer closeDev()
	sum, err := dev.Sync(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("record first load: %w", err)
	}
	if rows, err = deviceRows(dev, nil); err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 || sum.Upserts != len(rows) {
		return nil, nil, fmt.Errorf("record first load: %d upserts but the device holds %d rows", sum.Upserts, len(rows))
	}
	return rows, pageRows, nil
}

// openReplayDevice opens a device with a fresh store under dir that talks
// to rp. The returned func closes it and removes its store.
func openReplayDevice(rp *replay, dir, tok string, progress func(int, bool)) (*client.Device, func(), error) {
	store, err := os.MkdirTemp(dir, "device-")
	if err != nil {
		return nil, nil, err
	}
	d, err := client.OpenDevice(client.DeviceConfig{Store: store, Server: rp.ts.URL, Token: tok, HTTP: rp.ts.Client(), Progress: progress})
	if err != nil {
		os.RemoveAll(store)
		return nil, nil, err
	}
	return d, func() { d.Close(); os.RemoveAll(store) }, nil
}

// timeReplaySync times one first load of a fresh device from the
// recorded answers; with prof set, it writes a CPU profile of it there.
func timeReplaySync(ctx context.Context, rp *replay, dir, tok string, want int, prof string) (time.Duration, error) {
	dev, closeDev, err := openReplayDevice(rp, dir, tok, nil)
	if err != nil {
		return 0, err
	}
	defer closeDev()
	if prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			return 0, fmt.Errorf("device decode: profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return 0, fmt.Errorf("device decode: profile: %w", err)
		}
	}
	start := time.Now()
	sum, err := dev.Sync(ctx)
	took := time.Since(start)
	if prof != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return 0, fmt.Errorf("replayed first load: %w", err)
	}
	if sum.Upserts != want {
		return 0, fmt.Errorf("replayed first load: %d upserts, want %d", sum.Upserts, want)
	}
	return took, nil
}

// recordedDict builds the answer dictionary of the metadata the device
// fetched during the recorded first load (nil when it fetched none).
func recordedDict(rp *replay) (*codec.Dict, error) {
	md, ok := rp.metadata()
	if !ok {
		return nil, nil
	}
	enc, err := codec.ParseEncoding(md.header.Get("Content-Encoding"))
	if err != nil {
		return nil, err
	}
	raw, err := codec.ReadBody(bytes.NewReader(md.body), enc, client.DefaultMaxResponseBytes, client.DefaultMaxResponseBytes)
	if err != nil {
		return nil, fmt.Errorf("device decode: recorded metadata: %w", err)
	}
	return codec.DictFromMetadata(raw)
}

// timeWireDecode times what the device does with each answer before it
// applies it: decompress it (with dict when the answer names it), then
// codec.DecodePullResponse.
func timeWireDecode(pages []recorded, dict *codec.Dict) (time.Duration, error) {
	start := time.Now()
	for _, p := range pages {
		enc, err := codec.ParseEncoding(p.header.Get("Content-Encoding"))
		if err != nil {
			return 0, err
		}
		var raw []byte
		if name := p.header.Get(client.DictHeader); name != "" {
			if dict == nil || dict.Name() != name {
				return 0, fmt.Errorf("device decode: an answer coded with dictionary %q, not the recorded metadata's", name)
			}
			raw, err = codec.DecompressDict(dict, p.body, client.DefaultMaxResponseBytes)
		} else {
			raw, err = codec.ReadBody(bytes.NewReader(p.body), enc, client.DefaultMaxResponseBytes, client.DefaultMaxResponseBytes)
		}
		if err != nil {
			return 0, fmt.Errorf("read page: %w", err)
		}
		if _, err := codec.DecodePullResponse(raw); err != nil {
			return 0, fmt.Errorf("decode page: %w", err)
		}
	}
	return time.Since(start), nil
}

// jsonPages cuts rows into pages of pageRows rows each, as JSON arrays
// gzipped at level 6 (the byte benchmarks' baseline, page by page).
func jsonPages(rows []client.Row, pageRows []int) ([][]byte, error) {
	out := make([][]byte, 0, len(pageRows))
	at := 0
	for _, n := range pageRows {
		if at+n > len(rows) {
			return nil, fmt.Errorf("json pages: pages of %d rows and more, for %d rows", at+n, len(rows))
		}
		page := rows[at : at+n]
		at += n
		if page == nil {
			page = []client.Row{}
		}
		j, err := json.Marshal(page)
		if err != nil {
			return nil, fmt.Errorf("json page: %w", err)
		}
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, 6)
		if err != nil {
			return nil, err
		}
		if _, err := zw.Write(j); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		out = append(out, buf.Bytes())
	}
	return out, nil
}

// timeJSONDecode times gunzip and encoding/json of every page into
// []client.Row, and checks that they held want rows.
func timeJSONDecode(pages [][]byte, want int) (time.Duration, error) {
	start := time.Now()
	n := 0
	for _, p := range pages {
		zr, err := gzip.NewReader(bytes.NewReader(p))
		if err != nil {
			return 0, err
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			return 0, err
		}
		var rows []client.Row
		if err := json.Unmarshal(raw, &rows); err != nil {
			return 0, fmt.Errorf("decode json page: %w", err)
		}
		n += len(rows)
	}
	took := time.Since(start)
	if n != want {
		return 0, fmt.Errorf("json pages held %d rows, want %d", n, want)
	}
	return took, nil
}

package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// Loading through the admin API.
const (
	// harnessLoadBatch is the records per POST /v1/records while loading.
	harnessLoadBatch = 2500
	// harnessLoadSenders is how many batches are in flight at once, so
	// that the server's group commit has something to group.
	harnessLoadSenders = 4
	// datasetMarker names the file, in a kept data directory, that says
	// which dataset it holds.
	datasetMarker = "bench-dataset.json"
)

// HarnessDataset returns the CRM-N config of a dataset of rows rows: the
// row mix of dataset.ConfigFor (20% accounts, 40% contacts, 25%
// opportunities, 15% tasks, the remainder in contacts), the fixed org of
// the benchmark sizes (1,000 users, 100 teams, 20 business units) from
// 10,000 rows on and the demo org (25 users, 5 teams, 5 business units)
// below, and dates spread over the 90 days before now. size names it:
// small, medium or large at exactly 10k, 100k or 1M rows, else "custom"
// (or "demo-org" below 10k rows).
func HarnessDataset(rows int, seed int64, now time.Time) (c dataset.Config, size string, err error) {
	base := dataset.SizeLarge
	if rows < 10_000 {
		base = dataset.SizeDemo
	}
	if c, err = dataset.ConfigFor(base); err != nil {
		return c, "", err
	}
	c.Seed, c.Now = seed, now.UTC().Truncate(time.Second)
	c.Accounts, c.Opportunities, c.Tasks = rows*20/100, rows*25/100, rows*15/100
	c.Contacts = rows - c.Accounts - c.Opportunities - c.Tasks
	switch rows {
	case 10_000:
		size = dataset.SizeSmall
	case 100_000:
		size = dataset.SizeMedium
	case 1_000_000:
		size = dataset.SizeLarge
	default:
		size = "custom"
		if base == dataset.SizeDemo {
			size = "demo-org"
		}
	}
	return c, size, c.Validate()
}

// datasetMark is the content of the marker file.
type datasetMark struct {
	Rows int    `json:"rows"`
	Seed int64  `json:"seed"`
	Kind string `json:"kind,omitempty"`
	Now  int64  `json:"now"` // the dataset's reference time, unix ms
}

// readMark returns the reference time of the dataset of rows, seed and
// kind that dir holds, or false.
func readMark(dir string, rows int, seed int64, kind string) (time.Time, bool) {
	b, err := os.ReadFile(filepath.Join(dir, datasetMarker))
	if err != nil {
		return time.Time{}, false
	}
	var m datasetMark
	if json.Unmarshal(b, &m) != nil || m.Rows != rows || m.Seed != seed || m.Kind != kind {
		return time.Time{}, false
	}
	return time.UnixMilli(m.Now).UTC(), true
}

// writeMark records that dir holds the dataset of dc.
func writeMark(dir string, dc dataset.Config) error {
	b, _ := json.Marshal(datasetMark{Rows: dc.Rows(), Seed: dc.Seed, Kind: dc.Kind, Now: dc.Now.UnixMilli()})
	if err := os.WriteFile(filepath.Join(dir, datasetMarker), b, 0o600); err != nil {
		return fmt.Errorf("write dataset marker: %w", err)
	}
	return nil
}

// loadViaAdmin loads dc into the server through its admin API: the
// schema (draft, publish), the organization with its profiles published,
// then the rows in msgpack+zstd batches, harnessLoadSenders at a time.
// progress is called with the rows written so far.
func loadViaAdmin(ctx context.Context, t *serverTarget, dc dataset.Config, progress func(rows int)) (int, error) {
	sch, err := dataset.Schema()
	if err != nil {
		return 0, err
	}
	org, err := dataset.Org(dc)
	if err != nil {
		return 0, err
	}
	org.Publish = true
	steps := []struct {
		method, path string
		body         any
	}{
		{http.MethodPut, "/v1/admin/schema/draft", &sch},
		{http.MethodPost, "/v1/admin/schema/publish", nil},
		{http.MethodPost, "/v1/admin/org", &org},
	}
	for _, s := range steps {
		if err := t.admin.Do(ctx, s.method, s.path, s.body, nil); err != nil {
			return 0, fmt.Errorf("load dataset: %s %s: %w", s.method, s.path, err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []codec.Record, harnessLoadSenders)
	var written atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var sendErr error
	for range harnessLoadSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for recs := range batches {
				if err := postRecords(ctx, t, recs); err != nil {
					once.Do(func() { sendErr = err; cancel() })
					continue
				}
				progress(int(written.Add(int64(len(recs)))))
			}
		}()
	}
	genErr := dataset.Generate(dc, harnessLoadBatch, func(recs []codec.Record) error {
		select {
		case batches <- recs:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(batches)
	wg.Wait()
	if err := errors.Join(sendErr, genErr); err != nil {
		return int(written.Load()), fmt.Errorf("load dataset: %w", err)
	}
	return int(written.Load()), nil
}

// postRecords sends one ingest batch (msgpack, zstd) with the admin
// token, retrying while the server answers 503.
func postRecords(ctx context.Context, t *serverTarget, recs []codec.Record) error {
	body, err := codec.EncodeBatch(codec.Batch{Records: recs}, codec.FormatMsgpack)
	if err != nil {
		return err
	}
	if body, err = codec.Compress(codec.Zstd, nil, body); err != nil {
		return err
	}
	hdr := http.Header{"Content-Type": {"application/msgpack"}, "Content-Encoding": {"zstd"}, "Authorization": {"Bearer " + t.token}}
	for attempt := 0; ; attempt++ {
		status, msg, err := post(ctx, t.admin.HTTP, t.url+"/v1/records", hdr, body)
		switch {
		case err != nil:
			return fmt.Errorf("post records: %w", err)
		case status == http.StatusOK:
			return nil
		case status == http.StatusServiceUnavailable && attempt < 10:
			select {
			case <-ctx.Done():
				return fmt.Errorf("post records: %w", ctx.Err())
			case <-time.After(500 * time.Millisecond):
			}
		default:
			return fmt.Errorf("post records: %d: %s", status, msg)
		}
	}
}

// orgUsers returns the users devices sync as: the enabled members of
// the "Field Sales" profile, in the profile's order, then those of
// "Managers", with the profile each is in.
func orgUsers(org engine.Org) (users []engine.User, profiles []string) {
	byID := map[string]engine.User{}
	for _, u := range org.Users {
		byID[u.ID] = u
	}
	for _, name := range []string{dataset.ProfileFieldSales, dataset.ProfileManagers} {
		for _, p := range org.Profiles {
			if p.Name != name {
				continue
			}
			for _, id := range p.Users {
				if u, ok := byID[id]; ok && u.Enabled {
					users, profiles = append(users, u), append(profiles, name)
				}
			}
		}
	}
	return users, profiles
}

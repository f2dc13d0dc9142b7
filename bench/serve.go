package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/server"
)

// benchAdminToken is the admin token of the servers Serve starts.
const benchAdminToken = "offsync-bench-admin-token-0123456789"

// SyncServer is a Dataset served over HTTP in-process: server.Server
// behind httptest, its writer the Dataset's DirectWriter and its clock
// fixed at the dataset's Now, so rule windows match the generated dates.
type SyncServer struct {
	// URL is the base URL.
	URL   string
	ts    *httptest.Server
	admin *client.Admin
}

// Serve starts a server over d with an empty snapshot cache (a fresh
// server is a cold one). Close it when done; the Dataset stays open.
func (d *Dataset) Serve() (*SyncServer, error) {
	cfg := server.DefaultConfig(benchAdminToken)
	now := d.Config.Now
	cfg.Now = func() time.Time { return now }
	s, err := server.New(cfg, d.Writer, d.Engine, nil)
	if err != nil {
		return nil, err
	}
	ts := httptest.NewServer(s.Handler())
	admin, err := client.NewAdmin(ts.URL, benchAdminToken)
	if err != nil {
		ts.Close()
		return nil, err
	}
	admin.HTTP = ts.Client()
	// Open the client's keep-alive connection now, so that the first
	// timed request does not pay for dialing it and later ones do not
	// gain from reusing it.
	resp, err := ts.Client().Get(ts.URL + "/healthz")
	if err != nil {
		ts.Close()
		return nil, fmt.Errorf("serve: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return &SyncServer{URL: ts.URL, ts: ts, admin: admin}, nil
}

// Close stops the server.
func (s *SyncServer) Close() { s.ts.Close() }

// Token mints a device token for userID through the admin API.
func (s *SyncServer) Token(ctx context.Context, userID string) (string, error) {
	var tr server.TokenResponse
	if err := s.admin.Do(ctx, http.MethodPost, "/v1/admin/users/"+userID+"/tokens", nil, &tr); err != nil {
		return "", fmt.Errorf("mint token for %s: %w", userID, err)
	}
	return tr.Token, nil
}

// OpenDevice opens a Go client device with a fresh store in a new
// directory under dir. Closing the returned func closes the device and
// removes its store.
func (s *SyncServer) OpenDevice(dir, token string) (*client.Device, func(), error) {
	store, err := os.MkdirTemp(dir, "device-")
	if err != nil {
		return nil, nil, err
	}
	d, err := client.OpenDevice(client.DeviceConfig{Store: store, Server: s.URL, Token: token, HTTP: s.ts.Client()})
	if err != nil {
		os.RemoveAll(store)
		return nil, nil, err
	}
	return d, func() { d.Close(); os.RemoveAll(store) }, nil
}

// Fetcher pulls like a device over the same HTTP path (msgpack, zstd,
// cursors and pages) but stores nothing: it reads, decompresses and
// decodes each answer and keeps only the cursor. It times what the
// server and the wire cost without the device's local writes.
func (s *SyncServer) Fetcher(token string) *Fetcher {
	return &Fetcher{hc: s.ts.Client(), url: s.URL + "/v1/sync/pull", token: token}
}

// fetchPages fetches the shared pages a first load lists, as the device
// does (GET /v1/sync/pages/{id}), whole, and counts their bytes and (from
// the answer's references) their rows. Their bodies are not decoded: a
// Fetcher measures the server and the wire, and pages are what every
// user of a group receives alike (the device's decoding is in its sync,
// and in BenchmarkDeviceDecode).
func (f *Fetcher) fetchPages(ctx context.Context, pages []codec.PageRef, sum *FetchSummary) error {
	base := strings.TrimSuffix(f.url, "/v1/sync/pull")
	for _, p := range pages {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/sync/pages/"+p.ID, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+f.token)
		req.Header.Set("Accept", "application/msgpack")
		req.Header.Set("Accept-Encoding", "zstd, gzip")
		resp, err := f.hc.Do(req)
		if err != nil {
			return fmt.Errorf("fetch page: %w", err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("fetch page: read body: %w", err)
		}
		if resp.StatusCode != http.StatusOK || n == 0 {
			return fmt.Errorf("fetch page %s: %s, %d bytes", p.ID, resp.Status, n)
		}
		sum.Pages++
		sum.WireBytes += n
		sum.Upserts += p.Rows
	}
	return nil
}

// Fetcher is a storeless device (see SyncServer.Fetcher).
type Fetcher struct {
	hc     *http.Client
	url    string
	token  string
	cursor string
}

// FetchSummary says what a Fetcher's sync received.
type FetchSummary struct {
	Pulls, Upserts, Removals, Resets int
	// Pages counts the shared pages fetched.
	Pages     int
	WireBytes int64
}

// Sync pulls until the server says the fetcher is up to date.
func (f *Fetcher) Sync(ctx context.Context) (FetchSummary, error) {
	var sum FetchSummary
	for {
		body, err := codec.Marshal(codec.PullRequest{Cursor: f.cursor, Pages: true, Kinds: codec.ColumnKinds})
		if err != nil {
			return sum, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(body))
		if err != nil {
			return sum, err
		}
		req.Header.Set("Authorization", "Bearer "+f.token)
		req.Header.Set("Content-Type", "application/msgpack")
		req.Header.Set("Accept", "application/msgpack")
		req.Header.Set("Accept-Encoding", "zstd, gzip")
		res, n, err := f.read(req)
		if err != nil {
			return sum, err
		}
		sum.Pulls++
		sum.WireBytes += n
		if res.Reset {
			sum.Resets++
		}
		for _, e := range res.Entities {
			sum.Upserts += len(e.Rows) + len(e.Patches)
			sum.Removals += len(e.Removals)
		}
		if err := f.fetchPages(ctx, res.Pages, &sum); err != nil {
			return sum, err
		}
		f.cursor = res.Cursor
		if !res.More {
			return sum, nil
		}
	}
}

func (f *Fetcher) read(req *http.Request) (codec.PullResponse, int64, error) {
	resp, err := f.hc.Do(req)
	if err != nil {
		return codec.PullResponse{}, 0, fmt.Errorf("fetch: %w", err)
	}
	defer resp.Body.Close()
	var wire bytes.Buffer
	if _, err := wire.ReadFrom(resp.Body); err != nil {
		return codec.PullResponse{}, 0, fmt.Errorf("fetch: read body: %w", err)
	}
	n := int64(wire.Len())
	if resp.StatusCode != http.StatusOK {
		return codec.PullResponse{}, n, fmt.Errorf("fetch: %s: %s", resp.Status, bytes.TrimSpace(wire.Bytes()))
	}
	enc, err := codec.ParseEncoding(resp.Header.Get("Content-Encoding"))
	if err != nil {
		return codec.PullResponse{}, n, fmt.Errorf("fetch: %w", err)
	}
	raw, err := codec.ReadBody(&wire, enc, client.DefaultMaxResponseBytes, client.DefaultMaxResponseBytes)
	if err != nil {
		return codec.PullResponse{}, n, fmt.Errorf("fetch: %w", err)
	}
	res, err := codec.DecodePullResponse(raw)
	if err != nil {
		return codec.PullResponse{}, n, fmt.Errorf("fetch: %w", err)
	}
	return res, n, nil
}

// deviceRows returns the rows a device holds, entity by entity (in name
// order) and by id; with keep set, only the rows whose id it holds.
func deviceRows(d *client.Device, keep map[string]bool) ([]client.Row, error) {
	counts, err := d.Counts()
	if err != nil {
		return nil, err
	}
	entities := make([]string, 0, len(counts))
	for e := range counts {
		entities = append(entities, e)
	}
	slices.Sort(entities)
	var out []client.Row
	for _, e := range entities {
		err := d.Rows(e, func(r client.Row) error {
			if keep == nil || keep[r.ID] {
				out = append(out, r)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// JSONGzip encodes rows as one JSON array of objects {id, ownerid,
// owningbusinessunit, createdon, modifiedon, version, attributes} and
// compresses it with gzip at level 6: the baseline the wire format is
// compared with. It returns both sizes.
func JSONGzip(rows []client.Row) (jsonBytes, gzipBytes int64, err error) {
	if rows == nil {
		rows = []client.Row{}
	}
	j, err := json.Marshal(rows)
	if err != nil {
		return 0, 0, fmt.Errorf("json rows: %w", err)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, 6)
	if err != nil {
		return 0, 0, err
	}
	if _, err := zw.Write(j); err != nil {
		return 0, 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, 0, err
	}
	return int64(len(j)), int64(buf.Len()), nil
}

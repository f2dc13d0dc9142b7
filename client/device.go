package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// DefaultMaxResponseBytes caps one pull answer after decompression.
const DefaultMaxResponseBytes = 256 << 20

// Row is a row as the device holds it.
type Row struct {
	ID                 string         `msgpack:"id" json:"id"`
	OwnerID            string         `msgpack:"o,omitempty" json:"ownerid,omitempty"`
	OwningBusinessUnit string         `msgpack:"b,omitempty" json:"owningbusinessunit,omitempty"`
	CreatedOn          int64          `msgpack:"c" json:"createdon"`
	ModifiedOn         int64          `msgpack:"m" json:"modifiedon"`
	Version            uint64         `msgpack:"v" json:"version"`
	Attrs              map[string]any `msgpack:"a,omitempty" json:"attributes,omitempty"`
}

// DeviceConfig configures a Device.
type DeviceConfig struct {
	// Store is the local Badger directory.
	Store string
	// Server is the base URL; Token the device token.
	Server, Token string
	// Servers are more base URLs of the same cluster's nodes. The device
	// also learns the members from the nodes' answers, keeps them in its
	// store, and moves to another node when one cannot serve (see
	// endpoints.go and Retry). With neither Server nor Servers, the device
	// uses the ones its store recorded at its last sync, else
	// DefaultServer.
	Servers []string
	// Retry bounds the retries on other nodes; the zero value means
	// DefaultRetryConfig().
	Retry RetryConfig
	// App names the app the device syncs for, by name or id, sent as the
	// X-Offsync-App header on every request. Empty: the token's app, else
	// the default app. A store keeps the app of its first sync, and a
	// store that synced for one app refuses another (ErrOtherApp); an
	// empty App then means the store's.
	App string
	// HTTP is the client used; nil means one with a 5 minute timeout.
	HTTP *http.Client
	// Progress, when set, is called after each pull with the rows
	// received so far in this sync.
	Progress func(rows int, more bool)
}

// Device is the reference device: a local store kept in step with the
// user's offline view. Readers (Rows, Counts) see the state before a pull
// or after it, never part of it, also when the pull is too big for one
// local transaction or comes in pages, and a sync never blocks them (see
// device_generations.go). One Sync runs at a time.
type Device struct {
	cfg DeviceConfig
	db  *badger.DB
	// eps are the nodes the device may talk to, retry how it moves
	// between them (endpoints.go, retry.go).
	eps   *endpoints
	retry RetryConfig
	// app is the app the store syncs for ("" for the token's, or the
	// default), and appBound whether the store has recorded it.
	app      string
	appBound bool

	syncMu sync.Mutex
	// txnOps, when set, caps the row writes of one local transaction
	// below Badger's own limit (tests); afterCommit, when set, runs after
	// each commit of a write split over several (tests: readers, crashes).
	txnOps      int
	afterCommit func() error
	// encodeHook, when set, runs before each batch of a page's rows is
	// encoded ahead (tests).
	encodeHook func()
	// dict is the answer dictionary the device holds (device_dict.go).
	dict deviceDict
}

// OpenDevice opens (or creates) the local store.
func OpenDevice(cfg DeviceConfig) (*Device, error) {
	if cfg.Store == "" {
		return nil, fmt.Errorf("open device: Store: must be set: %w", ErrConfig)
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 5 * time.Minute}
	}
	retry := cfg.Retry
	if retry == (RetryConfig{}) {
		retry = DefaultRetryConfig()
	}
	if err := retry.Validate(); err != nil {
		return nil, fmt.Errorf("open device: %w", err)
	}
	eps, err := newEndpoints(append([]string{cfg.Server}, cfg.Servers...))
	if err != nil {
		return nil, err
	}
	opts := storeOptions(cfg.Store)
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open device store: %w", err)
	}
	d := &Device{cfg: cfg, db: db, eps: eps, retry: retry}
	if err := eps.load(db); err != nil {
		db.Close()
		return nil, err
	}
	if err := d.openApp(); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the local store.
func (d *Device) Close() error { return d.db.Close() }

// SyncSummary says what a sync did.
type SyncSummary struct {
	// Applied counts the queued mutations the server accepted; Rejected
	// are those it refused.
	Applied                          int
	Rejected                         []Rejection
	Pulls, Upserts, Removals, Resets int
	// Pages counts the shared pages of first loads fetched (their rows
	// count in Upserts).
	Pages int
	// WireBytes is what crossed the network, compressed.
	WireBytes int64
	Version   uint64
	// Server is the base URL of the node that answered the last pull.
	Server string
	// Deferred counts the queued mutations not sent because the server
	// could not take writes now (a leader election, say), and PushError
	// says why. They stay queued for the next sync; the pull went ahead,
	// since reads do not need a leader.
	Deferred  int
	PushError error
}

// Sync pushes the queued mutations, then pulls until the server says the
// device is up to date.
func (d *Device) Sync(ctx context.Context) (_ SyncSummary, err error) {
	d.syncMu.Lock()
	defer d.syncMu.Unlock()
	defer func() {
		// What the answers taught about the cluster, and the metadata
		// no answer stored, are kept, whether the sync succeeded or not.
		if serr := d.saveEndpoints(); err == nil {
			err = serr
		}
		if serr := d.saveMetadata(); err == nil {
			err = serr
		}
	}()
	var sum SyncSummary
	var meta metadataAhead // device_ahead.go
	defer meta.wait()
	if err := d.pushQueued(ctx, &sum); err != nil {
		if !pushCanWait(err) {
			return sum, err
		}
		sum.PushError = err
		if sum.Deferred, err = d.Pending(); err != nil {
			return sum, err
		}
	}
	cur, loading, err := d.generations()
	if err != nil {
		return sum, err
	}
	if err := d.dropStale(cur, loading); err != nil {
		return sum, err
	}
	for {
		// A first load whose shared pages are not all in yet (a crash,
		// or an error, in the middle) goes on first (device_pages.go).
		if _, err := d.finishPages(ctx, &sum, nil); err != nil {
			return sum, err
		}
		cursor, err := d.cursor()
		if err != nil {
			return sum, err
		}
		minVersion, err := d.minVersion()
		if err != nil {
			return sum, err
		}
		meta.wait() // the pull names the dictionary
		meta.page = nil
		res, n, served, err := d.pull(ctx, codec.PullRequest{Cursor: cursor, MinVersion: minVersion, Pages: true, Kinds: codec.ColumnKinds}, &meta)
		if err != nil {
			return sum, err
		}
		meta.start(ctx, d, res.MetadataVersion)
		sum.Server = served
		sum.Pulls++
		sum.WireBytes += n
		if res.Reset {
			sum.Resets++
		}
		more, paged := res.More, len(res.Pages) > 0
		var ahead *pageAhead
		var also func(*badger.Txn) error
		if paged {
			// Its shared pages follow: the answer is one page of the load,
			// and records them with its cursor (device_pages.go).
			res.More, also = true, pagesOf(res)
			if ahead = meta.page; ahead == nil || ahead.id != res.Pages[0].ID {
				ahead = d.fetchAhead(ctx, res.Pages[0].ID) // while the answer is written
			}
		}
		// The first page is written with the answer when it comes
		// (device_pages_join.go).
		join := d.joinFirstPage(ctx, res, ahead)
		up, rm, err := d.applyJoined(res, nil, also, join)
		if err != nil {
			return sum, err
		}
		sum.Upserts += up
		sum.Removals += rm
		sum.Version = res.Version
		if d.cfg.Progress != nil {
			d.cfg.Progress(sum.Upserts, res.More)
		}
		if join != nil && join.joined {
			sum.Upserts += join.upserts
			sum.Pages++
			sum.WireBytes += join.n
			if d.cfg.Progress != nil {
				d.cfg.Progress(sum.Upserts, len(join.rest) > 0)
			}
			ahead = join.next
		}
		if paged && (join == nil || !join.joined || len(join.rest) > 0) {
			abandoned, err := d.finishPages(ctx, &sum, ahead)
			if err != nil {
				return sum, err
			}
			more = more || abandoned
		}
		if !more {
			break
		}
	}
	return sum, nil
}

// pushCanWait says whether a failed push may wait for the next sync while
// this one pulls: the server answered that it cannot take writes now (no
// leader, or its disk short of space).
func pushCanWait(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && (apiErr.Status == http.StatusServiceUnavailable || apiErr.Status == http.StatusInsufficientStorage)
}

// pull sends one pull request and decodes the answer; it says which node
// answered. A device without a dictionary (a first load) fetches the
// metadata beside the pull (meta) and asks for the answer coded with
// the current one (codec.DictCurrent): when the metadata did not come,
// or changed in between, it asks again without.
func (d *Device) pull(ctx context.Context, preq codec.PullRequest, meta *metadataAhead) (codec.PullResponse, int64, string, error) {
	dict := d.heldDict()
	if dict != nil {
		preq.Dict = dict.ID
		return d.pullWith(ctx, preq, meta, func() *codec.Dict { return dict })
	}
	preq.Dict = codec.DictCurrent
	meta.fetch(ctx, d)
	res, wire, served, err := d.pullWith(ctx, preq, meta, func() *codec.Dict { meta.waitReady(); return d.heldDict() })
	if errors.Is(err, errDictMissing) {
		preq.Dict = 0
		return d.pullWith(ctx, preq, meta, func() *codec.Dict { return nil })
	}
	return res, wire, served, err
}

// pullWith is pull with dictFor giving the dictionary an answer that
// names one is decoded with.
func (d *Device) pullWith(ctx context.Context, preq codec.PullRequest, ahead *metadataAhead, dictFor func() *codec.Dict) (codec.PullResponse, int64, string, error) {
	body, err := codec.Marshal(preq)
	if err != nil {
		return codec.PullResponse{}, 0, "", err
	}
	build := func(base string) (*http.Request, error) {
		return d.request(ctx, http.MethodPost, base+"/v1/sync/pull", body, "application/msgpack", "zstd, gzip")
	}
	var res codec.PullResponse
	var wire int64
	served, err := d.call(ctx, "send pull", build, func(resp *http.Response) error {
		if id, ok := codec.FirstPageOf(resp.Header.Get(codec.PagesHeader)); ok && preq.Pages && ahead != nil {
			ahead.page = d.fetchAhead(ctx, id) // before the answer is decoded
		}
		var err error
		res, wire, err = readPullDict(resp, dictFor)
		return err
	})
	return res, wire, served, err
}

// readPull reads and decodes a pull answer; it counts the bytes received.
func readPull(resp *http.Response) (codec.PullResponse, int64, error) {
	return readPullDict(resp, func() *codec.Dict { return nil })
}

// readPullDict is readPull for an answer that may be coded with the
// dictionary dictFor gives (asked for only then).
func readPullDict(resp *http.Response, dictFor func() *codec.Dict) (codec.PullResponse, int64, error) {
	enc, err := codec.ParseEncoding(resp.Header.Get("Content-Encoding"))
	if err != nil {
		return codec.PullResponse{}, 0, fmt.Errorf("read pull: %w: %w", ErrResponse, err)
	}
	cr := &countReader{r: resp.Body}
	var raw []byte
	if resp.Header.Get(DictHeader) != "" {
		raw, err = readDictBody(resp, cr, enc, dictFor) // device_dict.go
	} else {
		raw, err = codec.ReadBodySized(cr, enc, resp.ContentLength, DefaultMaxResponseBytes, DefaultMaxResponseBytes)
	}
	if err != nil {
		return codec.PullResponse{}, cr.n, fmt.Errorf("read pull: %w", err)
	}
	res, err := codec.DecodePullResponse(raw)
	if err != nil {
		return codec.PullResponse{}, cr.n, fmt.Errorf("decode pull: %w: %w", ErrResponse, err)
	}
	return res, cr.n, nil
}

type countReader struct {
	r io.Reader
	n int64
}

// Read implements io.Reader.
func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

var (
	keyCursor = []byte("m/cursor")
	// keyMinVersion is the highest version a push of this device was
	// applied at: pulls ask for it (read-your-writes across nodes).
	keyMinVersion = []byte("m/minversion")
)

// minVersion is the version pulls must reach (see keyMinVersion).
func (d *Device) minVersion() (uint64, error) {
	var v uint64
	err := d.db.View(func(txn *badger.Txn) error {
		var err error
		v, err = readMinVersion(txn)
		return err
	})
	return v, err
}

func readMinVersion(txn *badger.Txn) (uint64, error) {
	item, err := txn.Get(keyMinVersion)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var v uint64
	err = item.Value(func(b []byte) error {
		v, err = strconv.ParseUint(string(b), 10, 64)
		return err
	})
	return v, err
}

// raiseMinVersion records v as the version pulls must reach, unless a
// higher one is recorded.
func raiseMinVersion(txn *badger.Txn, v uint64) error {
	old, err := readMinVersion(txn)
	if err != nil || v <= old {
		return err
	}
	return txn.Set(keyMinVersion, []byte(strconv.FormatUint(v, 10)))
}

func (d *Device) cursor() (string, error) {
	var c string
	err := d.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(keyCursor)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error { c = string(v); return nil })
	})
	if err != nil {
		return "", fmt.Errorf("read cursor: %w", err)
	}
	return c, nil
}

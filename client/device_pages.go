package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// Shared pages. A first load's last answer may list shared pages
// (codec.PullResponse.Pages): rows the user shares with others, fetched
// with GET /v1/sync/pages/{id}. The answer is applied as a page of a
// longer load (into a generation readers do not see yet), and each page
// after it; the last page switches readers to the new rows. The cursor
// stored with the answer is its final one, so the pages left are kept
// under m/pages, with that cursor: in the transaction that stores the
// answer's cursor (a record whose cursor is not the stored one is
// dropped), and shortened in the transaction of each page. A page the
// server answers 410 page_gone for (the view changed, or the node no
// longer holds it and the load is no longer the user's) abandons the
// load: the device loads its view again.

var keyPages = []byte("m/pages")

// pagesLeft is what m/pages holds.
type pagesLeft struct {
	Cursor string          `msgpack:"c"`
	Pages  []codec.PageRef `msgpack:"pg"`
}

// pagesOf records the pages of answer res in the transaction that
// applies it (Device.applyWith).
func pagesOf(res codec.PullResponse) func(*badger.Txn) error {
	return recordPagesLeft(&pagesLeft{Cursor: res.Cursor, Pages: res.Pages})
}

// recordPagesLeft writes pl (none left: deletes the record) in a
// transaction.
func recordPagesLeft(pl *pagesLeft) func(*badger.Txn) error {
	return func(txn *badger.Txn) error {
		if len(pl.Pages) == 0 {
			return txn.Delete(keyPages)
		}
		b, err := codec.Marshal(pl)
		if err != nil {
			return err
		}
		return txn.Set(keyPages, b)
	}
}

func (d *Device) putPagesLeft(pl *pagesLeft) error {
	if err := d.db.Update(recordPagesLeft(pl)); err != nil {
		return fmt.Errorf("record shared pages: %w", err)
	}
	return nil
}

// readPagesLeft returns the pages left of an applied first load, or nil.
func (d *Device) readPagesLeft() (*pagesLeft, error) {
	var pl *pagesLeft
	err := d.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(keyPages)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			pl = &pagesLeft{}
			return codec.Unmarshal(v, pl)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read shared pages: %w", err)
	}
	return pl, nil
}

// finishPages fetches and applies the pages left of a first load, each
// fetched while the one before is written (device_ahead.go; ahead, when
// not nil, is the first already under way). It reports whether the load
// was abandoned (a page is gone): the next pull then loads the view
// again.
func (d *Device) finishPages(ctx context.Context, sum *SyncSummary, ahead *pageAhead) (abandoned bool, err error) {
	pl, err := d.readPagesLeft()
	if err != nil || pl == nil {
		return false, err
	}
	cursor, err := d.cursor()
	if err != nil {
		return false, err
	}
	if cursor != pl.Cursor {
		// The answer that listed them was never applied.
		return false, d.putPagesLeft(&pagesLeft{})
	}
	for len(pl.Pages) > 0 {
		page, pre, n, err := d.take(ctx, ahead, pl.Pages[0].ID)
		sum.WireBytes += n
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusGone {
			return true, d.abandonLoad()
		}
		if err != nil {
			return false, err
		}
		page.Cursor, page.More = pl.Cursor, len(pl.Pages) > 1
		if ahead = nil; len(pl.Pages) > 1 {
			ahead = d.fetchAhead(ctx, pl.Pages[1].ID)
		}
		left := &pagesLeft{Cursor: pl.Cursor, Pages: pl.Pages[1:]}
		up, _, err := d.applyEncoded(page, pre, recordPagesLeft(left)) // with the page, the pages left
		if err != nil {
			return false, err
		}
		sum.Upserts += up
		sum.Pages++
		pl = left
		if d.cfg.Progress != nil {
			d.cfg.Progress(sum.Upserts, len(pl.Pages) > 0)
		}
	}
	return false, nil
}

// abandonLoad drops a first load whose pages are gone: its generation,
// its cursor and its pages. The rows readers see stay until the next
// load replaces them.
func (d *Device) abandonLoad() error {
	err := d.db.Update(func(txn *badger.Txn) error {
		for _, k := range [][]byte{keyPages, keyCursor, keyLoading} {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("abandon load: %w", err)
	}
	cur, loading, err := d.generations()
	if err != nil {
		return err
	}
	return d.dropStale(cur, loading)
}

// fetchPage fetches one shared page.
func (d *Device) fetchPage(ctx context.Context, id string) (codec.PullResponse, int64, error) {
	build := func(base string) (*http.Request, error) {
		return d.request(ctx, http.MethodGet, base+"/v1/sync/pages/"+id, nil, "application/msgpack", "zstd, gzip")
	}
	var page codec.PullResponse
	var wire int64
	_, err := d.call(ctx, "fetch shared page", build, func(resp *http.Response) error {
		var err error
		page, wire, err = readPull(resp)
		return err
	})
	return page, wire, err
}

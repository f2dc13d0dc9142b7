package client

import (
	"context"
	"fmt"

	"github.com/offsync/offsync/codec"
)

// A first load's answer and its first shared page are written in one
// local transaction when the page, fetched ahead (device_ahead.go),
// comes: the answer's rows are written first, while the page is still
// on its way, then the page's, and one commit records both with the
// pages left (or, when it was the only one, switches readers to the new
// rows). A first load is then one commit (a hand-off to Badger's
// writer and back) and one apply's reads shorter, and the answer's rows
// still go in while the page is on its way (BenchmarkDeviceDecode,
// docs/benchmarks.md).
//
// What a crash leaves is as before, one answer earlier: until the
// commit, nothing of the load is stored, and the next sync pulls it
// again. A page that fails (gone, or an error) is not joined: the answer
// is written alone, listing all its pages, and finishPages meets the
// same failure as it did.

// joinedPage is the first shared page of an answer, joined to the
// answer's transaction (applyEncoded).
type joinedPage struct {
	d     *Device
	ctx   context.Context
	ahead *pageAhead
	// cursor is the answer's; rest the pages after this one.
	cursor string
	rest   []codec.PageRef
	// Set by write: whether the page was written (joined), its upserts
	// and wire bytes, and the fetch of the next page it started.
	joined  bool
	upserts int
	n       int64
	next    *pageAhead
}

// joinFirstPage returns the first page of the paged answer res, fetched
// by ahead, to be written with it; nil when ahead is not that page.
func (d *Device) joinFirstPage(ctx context.Context, res codec.PullResponse, ahead *pageAhead) *joinedPage {
	if ahead == nil || len(res.Pages) == 0 || ahead.id != res.Pages[0].ID {
		return nil
	}
	return &joinedPage{d: d, ctx: ctx, ahead: ahead, cursor: res.Cursor, rest: res.Pages[1:]}
}

// write waits for the page and writes its rows through rw, after the
// answer's; it reports false, writing nothing, when the page failed.
// It may be called again for another attempt at the transaction
// (applyEncoded's write is).
func (j *joinedPage) write(rw *rowWriter) (bool, error) {
	page, pre, n, err := j.d.take(j.ctx, j.ahead, j.ahead.id)
	if err != nil {
		return false, nil // left to finishPages, as an unjoined page
	}
	refs := pre.refsOf()
	if refs == nil {
		if refs, err = guidRefs(page.Refs); err != nil {
			return false, err
		}
	}
	up, _, err := rw.writePull(page, refs, pre)
	if err != nil {
		return false, err
	}
	if j.next == nil && len(j.rest) > 0 {
		j.next = j.d.fetchAhead(j.ctx, j.rest[0].ID) // while this one is written
	}
	j.joined, j.upserts, j.n = true, up, n
	return true, nil
}

// left is what m/pages records once the page is written with the answer.
func (j *joinedPage) left() *pagesLeft {
	return &pagesLeft{Cursor: j.cursor, Pages: j.rest}
}

// guidRefs turns an answer's refs into GUID strings.
func guidRefs(b [][]byte) ([]string, error) {
	refs := make([]string, len(b))
	for i, r := range b {
		var err error
		if refs[i], err = codec.GUIDString(r); err != nil {
			return nil, fmt.Errorf("decode refs: %w: %w", ErrResponse, err)
		}
	}
	return refs, nil
}

package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
)

// staticPageFixture is a first load of one answer that lists one shared
// page, both as a server would send them (msgpack, zstd).
type staticPageFixture struct {
	id                   string
	answerWire, pageWire []byte
	owner                string
}

func newStaticPageFixture(t *testing.T) staticPageFixture {
	t.Helper()
	f := staticPageFixture{id: "0123456789abcdef0123456789abcdef", owner: "4b216a3d-8115-4b69-9073-4ef515105bc4"}
	id, _ := codec.GUIDBytes("6f9619ff-8b86-4011-b42d-00c04fc964ff")
	owner, _ := codec.GUIDBytes(f.owner)
	page := codec.PullResponse{Refs: [][]byte{owner}, Entities: []codec.EntityChanges{{
		Entity: "task", Columns: []string{"subject"},
		Rows: [][]any{{id, int8(0), int8(-1), int64(5), uint16(6), uint8(7), "Call"}},
	}}}
	answer := codec.PullResponse{Cursor: "c1", Entities: []codec.EntityChanges{}, Pages: []codec.PageRef{{ID: f.id, Rows: 1}}}
	for _, x := range []struct {
		v   any
		out *[]byte
	}{{page, &f.pageWire}, {answer, &f.answerWire}} {
		raw, err := codec.Marshal(x.v)
		if err != nil {
			t.Fatal(err)
		}
		if *x.out, err = codec.Compress(codec.Zstd, nil, raw); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// start serves f from a static server (closed at the end of the test)
// and returns a puller for it that asks for pages and records them.
func (f staticPageFixture) start(t *testing.T) *puller {
	t.Helper()
	rec := newPageRecord()
	rec.put(f.id, pageBody{wire: f.pageWire, encoding: "zstd"})
	s, err := startStatic([]pullAnswer{{wire: f.answerWire, encoding: "zstd"}}, rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	return &puller{hc: newHTTPClient(4), url: s.url + "/v1/sync/pull", pages: true, record: newPageRecord()}
}

// TestStaticBaselineServesRecordedPages: the static baseline answers a
// page GET at the page's URL with the recorded body, byte for byte; the
// harness's device fetches, decodes and records it; a page it has no
// record of is 410, as offsync answers a page that is not the caller's.
func TestStaticBaselineServesRecordedPages(t *testing.T) {
	f := newStaticPageFixture(t)
	p := f.start(t)
	ctx := context.Background()
	a, err := p.pull(ctx, "tok", "")
	if err != nil || len(a.resp.Pages) != 1 || a.resp.Pages[0].ID != f.id {
		t.Fatalf("pull = %+v, %v", a.resp, err)
	}
	var got []pullAnswer
	err = p.fetchPages(ctx, "tok", &a, func(id string, pg *pullAnswer) {
		if id != f.id {
			t.Errorf("page id %q", id)
		}
		got = append(got, *pg)
	})
	if err != nil || len(got) != 1 {
		t.Fatalf("fetch pages: %d, %v", len(got), err)
	}
	pg := got[0]
	if !pg.page || !bytes.Equal(pg.wire, f.pageWire) || pg.encoding != "zstd" || a.pageBytes != int64(len(f.pageWire)) {
		t.Fatalf("page: page %v, %d B (%q), answer's page bytes %d, want %d B", pg.page, len(pg.wire), pg.encoding, a.pageBytes, len(f.pageWire))
	}
	if len(pg.resp.Entities) != 1 || len(pg.resp.Entities[0].Rows) != 1 || pg.resp.Entities[0].Rows[0][6] != "Call" {
		t.Fatalf("page decoded as %+v", pg.resp)
	}
	if b, ok := p.record.get(f.id); !ok || !bytes.Equal(b.wire, f.pageWire) {
		t.Fatalf("page not recorded: %v", ok)
	}
	if _, err := p.fetchPage(ctx, "tok", strings.Repeat("0", 32)); err == nil || !strings.Contains(err.Error(), "410") {
		t.Fatalf("unknown page: %v, want 410", err)
	}
}

// TestFirstLoadsFetchSharedPages: every first load fetches the page its
// answer lists; the page's bytes and rows count in the first load, and
// three loads of the same page are three fetches of one distinct page.
func TestFirstLoadsFetchSharedPages(t *testing.T) {
	f := newStaticPageFixture(t)
	p := f.start(t)
	c := DefaultHarnessConfig(ScenarioServe, "", t.TempDir())
	c.Progress = func(string, int, int) {}
	var devs []*benchDevice
	for i := range 3 {
		devs = append(devs, &benchDevice{index: i, user: f.owner, token: "tok"})
	}
	d, err := firstLoads(context.Background(), c, p, devs)
	if err != nil {
		t.Fatal(err)
	}
	pw, aw := int64(len(f.pageWire)), int64(len(f.answerWire))
	if d.PageFetches != 3 || d.DistinctPages != 1 || d.SharingRatio != 3 || d.PageBytes != 3*pw || d.PageRows != 3 {
		t.Errorf("pages: %d fetches of %d distinct (%v), %d B (want %d), %d rows", d.PageFetches, d.DistinctPages, d.SharingRatio, d.PageBytes, 3*pw, d.PageRows)
	}
	if d.Latency.Count != 3 || d.Latency.Bytes != 3*(pw+aw) || d.MeanRows != 1 || d.Pulls != 3 || d.PageByteShare != float64(pw)/float64(pw+aw) {
		t.Errorf("first loads: %d, %d B (want %d), %v rows, %d pulls, page share %v", d.Latency.Count, d.Latency.Bytes, 3*(pw+aw), d.MeanRows, d.Pulls, d.PageByteShare)
	}
	// The byte baseline covers the pages' rows and bytes, one answer
	// per load.
	if b := d.Bytes; b.Answers != 3 || b.Rows != 3 || b.WireBytes != 3*(pw+aw) {
		t.Errorf("bytes baseline = %+v", b)
	}
	// The row is the user's: the device may push changes to it.
	if len(devs[0].owned) != 1 || devs[0].owned[0].entity != "task" {
		t.Errorf("owned rows = %+v", devs[0].owned)
	}
}

// TestPullLoopFetchesListedPages: in the pull loop, an answer that lists
// pages has them fetched, and the pull counts their bytes.
func TestPullLoopFetchesListedPages(t *testing.T) {
	f := newStaticPageFixture(t)
	p := f.start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	tally := runPulls(ctx, p, []*benchDevice{{user: f.owner, token: "tok"}}, nil)
	n := int64(len(tally.delta.lat))
	if tally.errors != 0 || n == 0 || len(tally.noChange.lat) != 0 || tally.delta.bytes != n*int64(len(f.answerWire)+len(f.pageWire)) {
		t.Fatalf("%d delta pulls of %d B (want %d each), %d no-change, %d errors (%s)", n, tally.delta.bytes, len(f.answerWire)+len(f.pageWire), len(tally.noChange.lat), tally.errors, tally.firstErr)
	}
}

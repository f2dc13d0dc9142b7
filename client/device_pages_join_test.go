package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"

	"github.com/offsync/offsync/codec"
)

// TestFirstPageJoinsTheAnswer: the first shared page is written in the
// answer's transaction, so a first load of an answer and two pages
// reports progress after each of the three, and the commit that holds
// the answer already holds the first page's rows, with only the second
// page left (checked between the two commits).
func TestFirstPageJoinsTheAnswer(t *testing.T) {
	p := &pagedServer{t: t, script: map[string][]int{}}
	ts := httptest.NewServer(p)
	t.Cleanup(ts.Close)
	var progress []int
	var afterFirst *pagesLeft
	var d *Device
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: "t",
		Progress: func(n int, _ bool) {
			if progress = append(progress, n); len(progress) == 1 {
				var err error
				if afterFirst, err = d.readPagesLeft(); err != nil {
					t.Error(err)
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	sum, err := d.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(progress, []int{1, 2, 4}) || sum.Pages != 2 || sum.Upserts != 4 {
		t.Fatalf("progress %v, pages %d, upserts %d; want [1 2 4], 2, 4", progress, sum.Pages, sum.Upserts)
	}
	if afterFirst == nil || afterFirst.Cursor != "c5" || len(afterFirst.Pages) != 1 || afterFirst.Pages[0].ID != "p2" {
		t.Fatalf("pages left once the answer was written: %+v, want p2 alone", afterFirst)
	}
	if held := heldAccounts(t, d); !slices.Equal(held, []int{1, 2, 3, 5}) {
		t.Fatalf("holds %v", held)
	}
}

// TestFirstPageFailingLeavesTheAnswer: when the first page fails, the
// answer is written alone, listing both pages (readers see none of it),
// and the next sync fetches both before it pulls again.
func TestFirstPageFailingLeavesTheAnswer(t *testing.T) {
	p := &pagedServer{t: t, script: map[string][]int{"p1": {http.StatusBadRequest}}}
	ts := httptest.NewServer(p)
	t.Cleanup(ts.Close)
	d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "dev"), Server: ts.URL, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Sync(context.Background()); err == nil {
		t.Fatal("the first page answered 400 and the sync succeeded")
	}
	left, err := d.readPagesLeft()
	if err != nil {
		t.Fatal(err)
	}
	want := []codec.PageRef{{ID: "p1", Rows: 1}, {ID: "p2", Rows: 2}}
	if left == nil || left.Cursor != "c5" || !slices.Equal(left.Pages, want) {
		t.Fatalf("pages left after the failed page: %+v, want the answer's two", left)
	}
	if held := heldAccounts(t, d); len(held) != 0 {
		t.Fatalf("readers see %v of a load whose pages are not all in", held)
	}
	p.took()
	if _, err := d.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := p.took(); !slices.Equal(got, []string{"page p1", "page p2", "pull c5"}) {
		t.Fatalf("requests on resuming %v", got)
	}
	if held := heldAccounts(t, d); !slices.Equal(held, []int{1, 2, 3, 5}) {
		t.Fatalf("holds %v", held)
	}
}

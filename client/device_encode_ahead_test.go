package client

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
	"pgregory.net/rapid"
)

// TestPageFetchedAheadIsEncodedAhead: a shared page fetched ahead comes
// with each of its upserts already in the store's row encoding.
func TestPageFetchedAheadIsEncodedAhead(t *testing.T) {
	_, d := pagedDevice(t, 200)
	ctx := context.Background()
	page, pre, _, err := d.take(ctx, d.fetchAhead(ctx, "p2"), "p2")
	if err != nil {
		t.Fatal(err)
	}
	rows := page.Entities[0].Rows
	if _, ok := pre.row(0, len(rows)); ok {
		t.Fatalf("page p2 has %d rows, and one more was encoded ahead", len(rows))
	}
	cols := newWireCols(page.Entities[0].Columns)
	for i, w := range rows {
		enc, ok := pre.row(0, i)
		if !ok {
			t.Fatalf("row %d of page p2 (%d rows) was not encoded ahead: %+v", i, len(rows), pre)
		}
		h, err := decodeWireHead(w, len(cols.names), nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := appendWireRow(nil, &h, w, &cols)
		if err != nil {
			t.Fatal(err)
		}
		if enc.id != h.id || enc.mod != h.modifiedOn || !bytes.Equal(enc.v, want) {
			t.Fatalf("row %d encoded ahead as %+v, want id %x mod %d value %x", i, enc, h.id, h.modifiedOn, want)
		}
	}
}

// encodeAhead returns res's upserts encoded ahead, all of them (nil as
// newEncodedRows), as a page fetched ahead has them once it is encoded.
func encodeAhead(res codec.PullResponse) *encodedRows {
	e := newEncodedRows(res)
	if e != nil {
		e.encode(res)
	}
	return e
}

// TestEncodedAheadAppliesAsEncodedWhenWritten: applying an answer with
// its upserts encoded ahead (before, or while it is written) leaves the
// store exactly as applying it without (every key and value), and fails
// with the same error on rows the encoding refuses, whatever the
// answer's entities, columns (repeated names included), refs, values and
// cutoffs.
func TestEncodedAheadAppliesAsEncodedWhenWritten(t *testing.T) {
	open := func() *Device {
		d, err := OpenDevice(DeviceConfig{Store: filepath.Join(t.TempDir(), "s")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	plain, ahead := open(), open()
	round := 0
	rapid.Check(t, func(rt *rapid.T) {
		round++
		bad := rapid.Float64Range(0, 1).Draw(rt, "bad") < 0.2
		res := codec.PullResponse{Reset: true, Cursor: fmt.Sprintf("c%d", round)}
		nrefs := rapid.IntRange(0, 3).Draw(rt, "refs")
		for i := range nrefs {
			res.Refs = append(res.Refs, modelID(1000+i))
		}
		for e := range rapid.IntRange(1, 3).Draw(rt, "entities") {
			cols := rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b", "name", "x_y"}), 0, 4).Draw(rt, "cols")
			ec := codec.EntityChanges{Entity: fmt.Sprintf("e%d", e), Columns: cols}
			if rapid.Bool().Draw(rt, "cut") {
				ec.Cutoff = rapid.Int64Range(-1<<40, 1<<40).Draw(rt, "cutoff")
			}
			for r := range rapid.IntRange(0, 8).Draw(rt, "rows") {
				w := []any{modelID(r + 1), int64(rapid.IntRange(-1, nrefs-1).Draw(rt, "o")), int64(-1),
					rapid.Int64().Draw(rt, "c"), rapid.Int64Range(-1<<41, 1<<41).Draw(rt, "m"), rapid.Int64Range(0, 1<<40).Draw(rt, "v")}
				for range cols {
					w = append(w, wireValueGen(bad).Draw(rt, "value"))
				}
				ec.Rows = append(ec.Rows, w)
			}
			res.Entities = append(res.Entities, ec)
		}
		_, _, errPlain := plain.applyEncoded(res, nil, nil)
		pre := encodeAhead(res)
		if rapid.Bool().Draw(rt, "while written") {
			// Encoded as it is written, as a page fetched ahead is.
			if pre = newEncodedRows(res); pre != nil {
				go pre.encode(res)
			}
		}
		_, _, errAhead := ahead.applyEncoded(res, pre, nil)
		if fmt.Sprint(errPlain) != fmt.Sprint(errAhead) {
			rt.Fatalf("applied plainly: %v; encoded ahead: %v", errPlain, errAhead)
		}
		if a, b := storeDump(rt, plain), storeDump(rt, ahead); a != b {
			rt.Fatalf("stores differ:\nplain %s\nahead %s", a, b)
		}
	})
}

// TestPageHandedOverBeforeItIsEncoded: a page fetched ahead is taken as
// soon as it is decoded, while its rows are still being encoded (the
// encoding here waits until the page was taken), and applying it then
// writes every row.
func TestPageHandedOverBeforeItIsEncoded(t *testing.T) {
	_, d := pagedDevice(t, 200)
	ctx := context.Background()
	taken := make(chan struct{})
	stuck := false
	d.encodeHook = func() {
		select {
		case <-taken:
		case <-time.After(stuckAfter):
			stuck = true
		}
	}
	page, pre, _, err := d.take(ctx, d.fetchAhead(ctx, "p2"), "p2")
	close(taken)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.applyEncoded(codec.PullResponse{Reset: true, Cursor: "c", Entities: page.Entities, Refs: page.Refs}, pre, nil); err != nil {
		t.Fatal(err)
	}
	if stuck {
		t.Error("the page was taken only once its rows were encoded")
	}
	if held := heldAccounts(t, d); !slices.Equal(held, []int{3, 5}) {
		t.Fatalf("holds %v, want the page's rows", held)
	}
}

// storeDump returns every key and value of d's store.
func storeDump(t interface{ Fatal(...any) }, d *Device) string {
	var b bytes.Buffer
	err := d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%q=%x\n", it.Item().Key(), v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

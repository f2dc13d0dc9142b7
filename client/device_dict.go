package client

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// The answer dictionary (docs/protocol.md, "The answer dictionary"). The
// device builds it from its metadata (GET /v1/sync/metadata) and says in
// each pull which metadata version it holds; small answers then come
// coded with it, about a fifth smaller. The device refetches metadata
// whenever an answer's mv differs from its dictionary's, and keeps the
// metadata answer in its store so that the next process starts with the
// dictionary.

// DictHeader names, on a pull answer, the dictionary it is coded with.
const DictHeader = "Offsync-Dictionary"

// keyMetadata holds the msgpack metadata answer the device's dictionary
// was built from.
var keyMetadata = []byte("m/metadata")

// maxMetadataBytes caps a metadata answer after decompression.
const maxMetadataBytes = 16 << 20

// deviceDict is the dictionary a device holds. The zero value holds
// none and has not looked in the store yet.
type deviceDict struct {
	mu     sync.Mutex
	loaded bool
	d      *codec.Dict
	// unsaved is the metadata answer d was built from, while it is not
	// in the store yet (nil: none).
	unsaved []byte
}

// heldDict returns the device's dictionary, nil for none; the first call
// reads it from the store.
func (d *Device) heldDict() *codec.Dict {
	d.dict.mu.Lock()
	defer d.dict.mu.Unlock()
	if !d.dict.loaded {
		d.dict.loaded = true
		_ = d.db.View(func(txn *badger.Txn) error {
			item, err := txn.Get(keyMetadata)
			if err != nil {
				return err
			}
			return item.Value(func(v []byte) error {
				d.dict.d, err = codec.DictFromMetadata(v)
				return err
			})
		})
	}
	return d.dict.d
}

// fetchMetadata fetches the metadata, builds the device's dictionary
// from it and calls ready (also when there is none). It never fails a
// sync: without a dictionary, answers come as for any device. The
// metadata is kept in the store by the next answer the sync applies, in
// its transaction (a first load's answer, which waited for it), else
// when the sync ends (saveMetadata): not in a commit of its own beside
// the first load's answer and page.
func (d *Device) fetchMetadata(ctx context.Context, ready func()) {
	defer ready()
	build := func(base string) (*http.Request, error) {
		return d.request(ctx, http.MethodGet, base+"/v1/sync/metadata", nil, "application/msgpack", "zstd, gzip")
	}
	var raw []byte
	var dict *codec.Dict
	_, err := d.call(ctx, "fetch metadata", build, func(resp *http.Response) error {
		enc, err := codec.ParseEncoding(resp.Header.Get("Content-Encoding"))
		if err != nil {
			return fmt.Errorf("read metadata: %w: %w", ErrResponse, err)
		}
		if raw, err = codec.ReadBody(resp.Body, enc, maxMetadataBytes, maxMetadataBytes); err != nil {
			return fmt.Errorf("read metadata: %w", err)
		}
		if dict, err = codec.DictFromMetadata(raw); err != nil {
			return fmt.Errorf("read metadata: %w: %w", ErrResponse, err)
		}
		return nil
	})
	if err != nil {
		return
	}
	// A process that starts before it is stored fetches it again.
	d.dict.mu.Lock()
	d.dict.d, d.dict.loaded, d.dict.unsaved = dict, true, raw
	d.dict.mu.Unlock()
}

// takeUnsavedMetadata returns the metadata answer not yet stored (nil:
// none) for the caller to store; putBackMetadata undoes it when that
// failed, unless newer metadata came in between.
func (d *Device) takeUnsavedMetadata() []byte {
	d.dict.mu.Lock()
	defer d.dict.mu.Unlock()
	raw := d.dict.unsaved
	d.dict.unsaved = nil
	return raw
}

func (d *Device) putBackMetadata(raw []byte) {
	d.dict.mu.Lock()
	defer d.dict.mu.Unlock()
	if d.dict.unsaved == nil {
		d.dict.unsaved = raw
	}
}

// saveMetadata stores the metadata answer no applied answer stored.
func (d *Device) saveMetadata() error {
	raw := d.takeUnsavedMetadata()
	if raw == nil {
		return nil
	}
	if err := d.db.Update(func(txn *badger.Txn) error { return txn.Set(keyMetadata, raw) }); err != nil {
		d.putBackMetadata(raw)
		return fmt.Errorf("store metadata: %w", err)
	}
	return nil
}

// errDictMissing is ErrResponse for an answer coded with a dictionary
// the device does not hold.
var errDictMissing = fmt.Errorf("%w: coded with a dictionary not held", ErrResponse)

// readDictBody reads a pull answer that names a dictionary in
// DictHeader: the dictionary dictFor gives must be that one
// (codec.Dict.Name). The body is read off its connection before dictFor
// is asked (which, on a first load, waits for the metadata fetched beside
// the pull): the connection then serves the shared page the answer's
// header names while the metadata is still on its way.
func readDictBody(resp *http.Response, cr *countReader, enc codec.Encoding, dictFor func() *codec.Dict) ([]byte, error) {
	h := resp.Header.Get(DictHeader)
	if enc != codec.Zstd {
		return nil, fmt.Errorf("read pull: coded with dictionary %q as %v, not zstd: %w", h, enc, errDictMissing)
	}
	wire, err := codec.ReadBodySized(cr, codec.Identity, resp.ContentLength, DefaultMaxResponseBytes, DefaultMaxResponseBytes)
	if err != nil {
		return nil, fmt.Errorf("read pull: %w", err)
	}
	dict := dictFor()
	if dict == nil || h != dict.Name() {
		return nil, fmt.Errorf("read pull: coded with dictionary %q, not one this device holds: %w", h, errDictMissing)
	}
	raw, err := codec.DecompressDict(dict, wire, DefaultMaxResponseBytes)
	if err != nil {
		return nil, fmt.Errorf("read pull: %w", err)
	}
	return raw, nil
}

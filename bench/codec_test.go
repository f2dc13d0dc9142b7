package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/dataset"
)

// codecFixture holds realistic wire messages of CRM-small: a Field Sales
// user's first-load page as the server sends it (columnar blocks,
// docs/protocol.md), stored rows, and an ingest batch.
type codecFixture struct {
	pull     []byte // msgpack, uncompressed
	pullZstd []byte
	pullResp codec.PullResponse
	pullRows int
	rows     []codec.Row
	rowBytes [][]byte
	rowSize  int64 // mean encoded row
	batch    codec.Batch
	batchMP  []byte
	batchJS  []byte
}

// codecBatchRows is the records of the fixture's ingest batch (and its
// rows).
const codecBatchRows = 1000

// newCodecFixture loads CRM-small (about a second) and captures the
// messages.
func newCodecFixture(b *testing.B) *codecFixture {
	b.Helper()
	ctx := context.Background()
	ds, err := LoadDataset(ctx, DefaultLoadConfig(b.TempDir(), dataset.SizeSmall))
	if err != nil {
		b.Fatal(err)
	}
	defer ds.Close()
	srv, err := ds.Serve()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	user, _, err := ds.FieldSalesPair()
	if err != nil {
		b.Fatal(err)
	}
	tok, err := srv.Token(ctx, user.ID)
	if err != nil {
		b.Fatal(err)
	}
	f := &codecFixture{}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/sync/pull", bytes.NewReader([]byte{0x80}))
	req.Header = http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/msgpack"}, "Accept-Encoding": {"identity"}}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	f.pull, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("first load: %s %v %s", resp.Status, err, f.pull)
	}
	if f.pullResp, err = codec.DecodePullResponse(f.pull); err != nil {
		b.Fatal(err)
	}
	for _, e := range f.pullResp.Entities {
		f.pullRows += len(e.Rows)
	}
	if f.pullZstd, err = codec.Compress(codec.Zstd, nil, f.pull); err != nil {
		b.Fatal(err)
	}
	err = dataset.Generate(ds.Config, codecBatchRows, func(recs []codec.Record) error {
		f.batch.Records = recs
		return dataset.ErrStop
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range f.batch.Records {
		row := codec.Row{ID: r.ID, OwnerID: r.OwnerID, OwningBusinessUnit: user.BusinessUnit, CreatedOn: ds.Now(), ModifiedOn: ds.Now(), Version: 12345, Attrs: r.Attrs}
		enc, err := codec.Marshal(&row)
		if err != nil {
			b.Fatal(err)
		}
		f.rows, f.rowBytes, f.rowSize = append(f.rows, row), append(f.rowBytes, enc), f.rowSize+int64(len(enc))
	}
	f.rowSize /= int64(len(f.rows))
	if f.batchMP, err = codec.EncodeBatch(f.batch, codec.FormatMsgpack); err != nil {
		b.Fatal(err)
	}
	if f.batchJS, err = codec.EncodeBatch(f.batch, codec.FormatJSON); err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkCodecEncode encodes the messages of the hot paths: a
// first-load page (msgpack as the server writes it, then zstd), a stored
// row, and a 1,000-record ingest batch (msgpack and JSON). MB/s counts
// the encoded (uncompressed) bytes.
func BenchmarkCodecEncode(b *testing.B) {
	f := newCodecFixture(b)
	b.Run("PullResponse", func(b *testing.B) {
		b.SetBytes(int64(len(f.pull)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.MarshalCompact(&f.pullResp); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(f.pullRows), "rows/op")
	})
	b.Run("PullResponseZstd", func(b *testing.B) {
		// As the server sends it: zstd blocks cut where the bytes change
		// kind (codec.MarshalAnswer, codec.CompressCuts).
		a, err := codec.MarshalAnswer(&f.pullResp)
		if err != nil {
			b.Fatal(err)
		}
		dst := make([]byte, 0, len(f.pull))
		b.SetBytes(int64(len(f.pull)))
		b.ReportAllocs()
		for b.Loop() {
			if dst, err = codec.CompressCuts(codec.Zstd, dst[:0], a.Body, a.Cuts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(dst))/float64(len(f.pull)), "compressed/raw")
	})
	b.Run("Row", func(b *testing.B) {
		b.SetBytes(f.rowSize)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := codec.Marshal(&f.rows[i%len(f.rows)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	for _, fm := range []struct {
		name string
		f    codec.Format
		size int
	}{{"BatchMsgpack", codec.FormatMsgpack, len(f.batchMP)}, {"BatchJSON", codec.FormatJSON, len(f.batchJS)}} {
		b.Run(fm.name, func(b *testing.B) {
			b.SetBytes(int64(fm.size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := codec.EncodeBatch(f.batch, fm.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCodecDecode decodes the same messages: the first-load page
// (zstd, then msgpack as a device reads it), a stored row, and the
// ingest batch (msgpack and JSON, as the server reads it).
func BenchmarkCodecDecode(b *testing.B) {
	f := newCodecFixture(b)
	b.Run("PullResponse", func(b *testing.B) {
		b.SetBytes(int64(len(f.pull)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.DecodePullResponse(f.pull); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(f.pullRows), "rows/op")
	})
	b.Run("PullResponseZstd", func(b *testing.B) {
		b.SetBytes(int64(len(f.pull)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.Decompress(codec.Zstd, f.pullZstd, int64(len(f.pull))); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Row", func(b *testing.B) {
		b.SetBytes(f.rowSize)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			var r codec.Row
			if err := codec.Unmarshal(f.rowBytes[i%len(f.rowBytes)], &r); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	for _, fm := range []struct {
		name string
		f    codec.Format
		data []byte
	}{{"BatchMsgpack", codec.FormatMsgpack, f.batchMP}, {"BatchJSON", codec.FormatJSON, f.batchJS}} {
		b.Run(fm.name, func(b *testing.B) {
			b.SetBytes(int64(len(fm.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := codec.DecodeBatch(fm.data, fm.f, 5000); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

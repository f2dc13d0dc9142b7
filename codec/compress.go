package codec

import (
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

const (
	// gzipLevel is the gzip compression level of Compress and NewWriter.
	gzipLevel = 6
	// zstdWindow is the window of our zstd encoders. It bounds encoder
	// memory (about twice the window each) at a small cost in ratio.
	zstdWindow = 1 << 20
)

// zstdEncoder is the shared encoder for Compress. EncodeAll is safe for
// concurrent use but holds one block encoder per call, so the encoder gets
// a few of them (each about 1.3 MB) rather than one that serializes calls.
var zstdEncoder = sync.OnceValues(func() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil,
		zstd.WithEncoderConcurrency(min(runtime.GOMAXPROCS(0), 4)),
		zstd.WithWindowSize(zstdWindow))
})

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzipLevel) // error only for a bad level
	return zw
}}

// Compress appends the encoding of src in coding e to dst and returns the
// extended slice. It is safe for concurrent use.
func Compress(e Encoding, dst, src []byte) ([]byte, error) {
	switch e {
	case Identity:
		return append(dst, src...), nil
	case Zstd:
		enc, err := zstdEncoder()
		if err != nil {
			return dst, fmt.Errorf("compress zstd: %w", err)
		}
		return enc.EncodeAll(src, dst), nil
	case Gzip:
		zw := gzipWriters.Get().(*gzip.Writer)
		out := &appendWriter{b: dst}
		zw.Reset(out)
		_, err := zw.Write(src)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		zw.Reset(io.Discard)
		gzipWriters.Put(zw)
		if err != nil {
			return dst, fmt.Errorf("compress gzip: %w", err)
		}
		return out.b, nil
	}
	return dst, fmt.Errorf("compress: %v: %w", e, ErrUnsupportedEncoding)
}

// appendWriter is an io.Writer that appends to a slice.
type appendWriter struct{ b []byte }

// Write implements io.Writer.
func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

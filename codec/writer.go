package codec

import (
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// coder is what a streaming compressor offers: gzip.Writer and
// zstd.Encoder both have these methods.
type coder interface {
	io.Writer
	Flush() error
	Close() error
}

// zstdStreams keeps streaming zstd encoders (encoderslot.go).
// Concurrency 1 keeps each one synchronous, with no goroutines of its
// own.
var zstdStreams = encoderSlot{spill: true}

// NewWriter returns a streaming compressor that writes the encoding of
// everything written to it to w, for response bodies. Close writes the end
// of the stream and returns the pooled coder; it does not close w, and the
// writer must not be used after it. Until Close, w may hold an incomplete
// stream. The returned writer also has a Flush() error method, which
// pushes buffered data through to w (a no-op for Identity); find it with
// a type assertion.
func NewWriter(w io.Writer, e Encoding) (io.WriteCloser, error) {
	switch e {
	case Identity:
		return &streamWriter{c: identityCoder{w}}, nil
	case Gzip:
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(w)
		return &streamWriter{c: zw, put: func() { zw.Reset(io.Discard); gzipWriters.Put(zw) }}, nil
	case Zstd:
		enc, _ := zstdStreams.Get().(*zstd.Encoder)
		if enc == nil {
			var err error
			enc, err = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(zstdWindow))
			if err != nil {
				return nil, fmt.Errorf("new writer: %w", err)
			}
		}
		enc.Reset(w)
		return &streamWriter{c: enc, put: func() { enc.Reset(nil); zstdStreams.Put(enc) }}, nil
	}
	return nil, fmt.Errorf("new writer: %v: %w", e, ErrUnsupportedEncoding)
}

// streamWriter wraps a pooled coder, giving it back on Close.
type streamWriter struct {
	c   coder
	put func() // returns c to its pool; nil for Identity
}

// Write compresses p into the underlying writer.
func (s *streamWriter) Write(p []byte) (int, error) {
	if s.c == nil {
		return 0, errWriterClosed
	}
	return s.c.Write(p)
}

// Flush writes any buffered compressed data to the underlying writer.
func (s *streamWriter) Flush() error {
	if s.c == nil {
		return errWriterClosed
	}
	return s.c.Flush()
}

// Close ends the stream and releases the coder. Closing twice is a no-op.
func (s *streamWriter) Close() error {
	if s.c == nil {
		return nil
	}
	err := s.c.Close()
	if s.put != nil {
		s.put()
	}
	s.c = nil
	return err
}

// identityCoder passes writes straight through.
type identityCoder struct{ w io.Writer }

// Write implements io.Writer.
func (c identityCoder) Write(p []byte) (int, error) { return c.w.Write(p) }

// Flush writes out what is buffered.
func (c identityCoder) Flush() error { return nil }

// Close implements io.Closer.
func (c identityCoder) Close() error { return nil }

package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

const (
	// maxZstdWindow is the largest window a zstd frame may ask a decoder
	// for; each pooled decoder may hold a buffer this big. It covers what
	// zstd levels 1 to 19 produce; larger windows fail with ErrTooLarge.
	maxZstdWindow = 8 << 20
	// maxSizeHint caps how much a size claimed inside compressed data may
	// make us allocate before the data proves it.
	maxSizeHint = 1 << 20
	// zstdOverAlloc is the room past a frame's content size that the
	// zstd package's block decoder wants in its output buffer.
	zstdOverAlloc = 32
)

// zstdDecoder and gzipReader are pooled decoders with their own input
// reader, reset to nil after use so the pool does not pin the input.
type zstdDecoder struct {
	src bytes.Reader
	dec *zstd.Decoder
}

type gzipReader struct {
	src bytes.Reader
	zr  gzip.Reader
}

var zstdDecoders, gzipReaders sync.Pool

// Decompress decodes src in coding e into a new slice of at most limit
// bytes (a negative limit counts as 0). It stops and fails with
// [ErrTooLarge] as soon as the output would pass limit, so a compression
// bomb costs at most about limit bytes of memory and the time to produce
// them. Corrupt or truncated input fails with [ErrMalformed]. Empty src
// decodes to empty output in every coding. For Identity the result is src
// itself. It is safe for concurrent use.
func Decompress(e Encoding, src []byte, limit int64) ([]byte, error) {
	limit = max(limit, 0)
	switch {
	case e == Identity:
		if int64(len(src)) > limit {
			return nil, tooLarge("decompress identity", limit)
		}
		return src, nil
	case e != Gzip && e != Zstd:
		return nil, fmt.Errorf("decompress: %v: %w", e, ErrUnsupportedEncoding)
	case len(src) == 0:
		return []byte{}, nil
	case e == Zstd:
		return decompressZstd(src, limit)
	}
	return decompressGzip(src, limit)
}

func decompressZstd(src []byte, limit int64) ([]byte, error) {
	return decompressZstdWith(&zstdDecoders, nil, src, limit)
}

// decompressZstdWith is decompressZstd with a decoder from pool, made
// with the extra options opts when the pool has none.
func decompressZstdWith(pool *sync.Pool, opts []zstd.DOption, src []byte, limit int64) ([]byte, error) {
	hint := 4 * int64(len(src))
	var h zstd.Header
	if h.Decode(src) == nil && h.HasFCS {
		if h.FrameContentSize > uint64(limit) {
			return nil, tooLarge("decompress zstd", limit)
		}
		// One byte more than the frame holds: room to read its end
		// without growing the output (which would copy it whole).
		hint = int64(h.FrameContentSize) + 1
	}
	d, _ := pool.Get().(*zstdDecoder)
	if d == nil {
		dec, err := zstd.NewReader(nil, append([]zstd.DOption{
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(maxZstdWindow),
			zstd.WithDecoderMaxMemory(maxZstdWindow),
			zstd.WithDecodeAllCapLimit(true)}, opts...)...)
		if err != nil {
			return nil, fmt.Errorf("decompress zstd: %w", err)
		}
		d = &zstdDecoder{dec: dec}
	}
	defer func() {
		d.src.Reset(nil)
		_ = d.dec.Reset(nil)
		pool.Put(d)
	}()
	if h.HasFCS && h.FrameContentSize <= maxSizeHint {
		// A frame that says how long it is (every frame our encoders
		// write) is decoded in one call into a buffer of that length:
		// about three times as fast as the stream on a 38 KB page
		// (docs/benchmarks.md), and never past the buffer
		// (WithDecodeAllCapLimit). Anything else, another frame after it
		// or a corrupt one, goes through the stream below, which gives
		// the error. Only up to maxSizeHint: a frame of tens of MB (a
		// body bomb that says its size) decoded in one call made the
		// decoder allocate its history beside the output, past what
		// TestJSONBodyBombs allows.
		if out, err := d.dec.DecodeAll(src, make([]byte, 0, h.FrameContentSize+zstdOverAlloc)); err == nil {
			return out, nil
		}
	}
	d.src.Reset(src)
	var out []byte
	var over bool
	err := d.dec.Reset(&d.src)
	if err == nil {
		out, over, err = readLimited(d.dec, hint, limit)
	}
	switch {
	case over, errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return nil, tooLarge("decompress zstd", limit)
	case err != nil:
		return nil, malformed("decompress zstd", err)
	}
	return out, nil
}

func decompressGzip(src []byte, limit int64) ([]byte, error) {
	hint := 4 * int64(len(src))
	if len(src) >= 4 { // ISIZE: the size of the last member, mod 2^32
		hint = int64(binary.LittleEndian.Uint32(src[len(src)-4:]))
	}
	g, _ := gzipReaders.Get().(*gzipReader)
	if g == nil {
		g = new(gzipReader)
	}
	defer func() {
		g.src.Reset(nil)
		gzipReaders.Put(g)
	}()
	g.src.Reset(src)
	if err := g.zr.Reset(&g.src); err != nil {
		return nil, malformed("decompress gzip", err)
	}
	out, over, err := readLimited(&g.zr, hint, limit)
	switch {
	case over:
		return nil, tooLarge("decompress gzip", limit)
	case err != nil:
		return nil, malformed("decompress gzip", err)
	}
	return out, nil
}

// ReadBody reads a body in coding e from r and returns it decoded. It reads
// at most maxWire bytes from r, failing with [ErrTooLarge] if r holds more,
// then decodes as [Decompress] does with limit maxDecoded. Errors from r
// are returned wrapped. For Identity the decoded cap is the smaller of the
// two caps. When r has a Len method (bytes.Reader, bytes.Buffer), its
// length sizes the buffer the body is read into.
func ReadBody(r io.Reader, e Encoding, maxWire, maxDecoded int64) ([]byte, error) {
	size := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok {
		size = int64(l.Len())
	}
	return ReadBodySized(r, e, size, maxWire, maxDecoded)
}

// ReadBodySized is ReadBody for a body announced as size bytes on the
// wire (an HTTP Content-Length; -1 when unknown): read into one buffer of
// that size (at most maxWire and 1 MiB: the announcement is not trusted
// further) instead of one grown from 512 bytes, which copied a 20 KB
// page five times over.
func ReadBodySized(r io.Reader, e Encoding, size, maxWire, maxDecoded int64) ([]byte, error) {
	if e != Identity && e != Gzip && e != Zstd {
		return nil, fmt.Errorf("read body: %v: %w", e, ErrUnsupportedEncoding)
	}
	maxWire = max(maxWire, 0)
	if e == Identity {
		maxWire = min(maxWire, max(maxDecoded, 0)) // stop reading early
	}
	n := maxWire
	if n < math.MaxInt64 {
		n++ // one byte more, to see that the body is too long
	}
	hint := int64(512)
	if size >= 0 && size < maxWire {
		hint = size + 1 // room to read the end without growing
	}
	wire, over, err := readLimited(io.LimitReader(r, n), hint, maxWire)
	switch {
	case over:
		return nil, tooLarge("read body", maxWire)
	case err != nil:
		return nil, fmt.Errorf("read body: %w", err)
	}
	out, err := Decompress(e, wire, maxDecoded)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return out, nil
}

// readLimited reads r to EOF into a new slice. The first allocation is
// hint bytes, but at least 512 and at most limit+1 and maxSizeHint; the
// slice then doubles but never past limit+1, so no more than that is ever
// held. It reports over as soon as more than limit bytes arrive.
func readLimited(r io.Reader, hint, limit int64) (buf []byte, over bool, err error) {
	limit = min(limit, math.MaxInt64-1) // so limit+1 cannot overflow
	buf = make([]byte, 0, min(max(hint, 512), limit+1, maxSizeHint))
	for {
		if len(buf) == cap(buf) {
			room := limit + 1 - int64(len(buf)) // at least 1 while len <= limit
			buf = slices.Grow(buf, int(min(int64(max(len(buf), 512)), room)))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, true, nil
		}
		if err == io.EOF {
			return buf, false, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
}

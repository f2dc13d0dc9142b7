package codec

import (
	"errors"
	"fmt"
)

// ErrMalformed reports input that does not follow the wire format: bytes
// that cannot be decoded (truncated, corrupt, trailing data), or a decoded
// value outside the normalization rules described in the package doc.
var ErrMalformed = errors.New("malformed input")

// ErrTooLarge reports that a size cap was exceeded: a body longer than its
// wire cap, or a body that decodes or decompresses past its decoded cap.
var ErrTooLarge = errors.New("too large")

// ErrUnsupportedEncoding reports a content type, content coding or
// [Encoding] value that this package does not speak.
var ErrUnsupportedEncoding = errors.New("unsupported encoding")

// errWriterClosed is returned by a writer from [NewWriter] used after Close.
var errWriterClosed = errors.New("writer closed")

// malformed wraps err as "op: err: malformed input", unless err already
// carries ErrMalformed, in which case it only adds op.
func malformed(op string, err error) error {
	if errors.Is(err, ErrMalformed) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s: %w: %w", op, err, ErrMalformed)
}

// tooLarge reports that op passed a cap of limit bytes.
func tooLarge(op string, limit int64) error {
	return fmt.Errorf("%s: more than %d bytes: %w", op, limit, ErrTooLarge)
}

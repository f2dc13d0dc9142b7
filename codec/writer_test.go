package codec

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// streamRoundTrip writes src through NewWriter in pieces, with a flush in
// the middle, and checks that Decompress gives it back.
func streamRoundTrip(e Encoding, src []byte) error {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, e)
	if err != nil {
		return err
	}
	half := len(src) / 2
	if _, err := w.Write(src[:half]); err != nil {
		return err
	}
	if err := w.(interface{ Flush() error }).Flush(); err != nil {
		return err
	}
	if _, err := w.Write(src[half:]); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	got, err := Decompress(e, buf.Bytes(), int64(len(src)))
	if err != nil {
		return err
	}
	if !bytes.Equal(got, src) {
		return errors.New("stream round trip differs")
	}
	return nil
}

func TestNewWriterRoundTrip(t *testing.T) {
	for _, e := range encodings {
		for name, src := range testPayloads() {
			if err := streamRoundTrip(e, src); err != nil {
				t.Errorf("%v %s: %v", e, name, err)
			}
		}
	}
}

// closeRecorder notes whether Close was called on it.
type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestNewWriterClose(t *testing.T) {
	for _, e := range encodings {
		var dst closeRecorder
		w, err := NewWriter(&dst, e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if dst.closed {
			t.Errorf("%v: Close closed the underlying writer", e)
		}
		if err := w.Close(); err != nil {
			t.Errorf("%v: second Close: %v", e, err)
		}
		if _, err := w.Write([]byte("x")); err == nil {
			t.Errorf("%v: Write after Close succeeded", e)
		}
		got, err := Decompress(e, dst.Bytes(), 100)
		if err != nil || string(got) != "hello" {
			t.Errorf("%v: %q, %v", e, got, err)
		}
	}
}

func TestNewWriterWriteError(t *testing.T) {
	boom := errors.New("broken pipe")
	for _, e := range encodings {
		w, err := NewWriter(failWriter{boom}, e)
		if err != nil {
			t.Fatal(err)
		}
		_, werr := w.Write(bytes.Repeat([]byte("x"), 1<<20))
		cerr := w.Close()
		if !errors.Is(werr, boom) && !errors.Is(cerr, boom) {
			t.Errorf("%v: write %v, close %v; want %v", e, werr, cerr, boom)
		}
		// The pooled coder must still work for the next stream.
		if err := streamRoundTrip(e, []byte("after failure")); err != nil {
			t.Errorf("%v: %v", e, err)
		}
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

var _ io.Writer = failWriter{}

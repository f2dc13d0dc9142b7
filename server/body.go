package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/offsync/offsync/codec"
)

// readBody reads a request body within the caps of its route (see
// BodyCaps), undoing its Content-Encoding. A body that does not arrive
// whole (shorter than its Content-Length, past its read deadline, or cut
// off) is ErrBadRequest, never an internal error: it is the client's.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	enc, err := codec.ParseEncoding(r.Header.Get("Content-Encoding"))
	if err != nil {
		return nil, err
	}
	decoded := s.decodedCap(r)
	wire := min(s.cfg.MaxBodyBytes, decoded)
	if r.ContentLength > wire {
		return nil, fmt.Errorf("read body: %d bytes is more than %d: %w", r.ContentLength, wire, codec.ErrTooLarge)
	}
	// The body as sent, then, if compressed, decompressed in one of the
	// few decode slots (decodeGate).
	b, err := codec.ReadBody(r.Body, codec.Identity, wire, wire)
	if err == nil && enc != codec.Identity {
		if err := s.decodes.enter(r.Context(), s.cfg.MaxConcurrentDecodes); err != nil {
			return nil, fmt.Errorf("read body: waiting to decompress: %v: %w", err, ErrBadRequest)
		}
		b, err = codec.Decompress(enc, b, decoded)
		s.decodes.leave()
	}
	switch {
	case err == nil:
		return b, nil
	case errors.Is(err, codec.ErrTooLarge), errors.Is(err, codec.ErrMalformed), errors.Is(err, codec.ErrUnsupportedEncoding):
		return nil, fmt.Errorf("read body: %w", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("read body: the body is shorter than its Content-Length: %w", ErrBadRequest)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, fmt.Errorf("read body: the body did not arrive in time: %w", ErrBadRequest)
	}
	return nil, fmt.Errorf("read body: the body could not be read: %w", ErrBadRequest)
}

// readFormatted reads a body whose Content-Type is JSON or msgpack.
func (s *Server) readFormatted(r *http.Request) ([]byte, codec.Format, error) {
	format, err := codec.ParseFormat(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, 0, err
	}
	body, err := s.readBody(r)
	return body, format, err
}

// decodeJSON reads a JSON body into v, refusing unknown fields.
func (s *Server) decodeJSON(r *http.Request, v any) error {
	b, err := s.readBody(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode body: %v: %w", err, ErrBadRequest)
	}
	if dec.More() {
		return fmt.Errorf("decode body: trailing data after the JSON value: %w", ErrBadRequest)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/offsync/offsync/codec"
)

// readBody reads a request body within the configured caps, undoing its
// Content-Encoding.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	enc, err := codec.ParseEncoding(r.Header.Get("Content-Encoding"))
	if err != nil {
		return nil, err
	}
	if r.ContentLength > s.cfg.MaxBodyBytes {
		return nil, fmt.Errorf("read body: %d bytes is more than %d: %w", r.ContentLength, s.cfg.MaxBodyBytes, codec.ErrTooLarge)
	}
	b, err := codec.ReadBody(r.Body, enc, s.cfg.MaxBodyBytes, s.cfg.MaxDecodedBytes)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return b, nil
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

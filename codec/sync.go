package codec

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The device pull protocol (docs/protocol.md has the full description).

// PullRequest is the body of POST /v1/sync/pull.
type PullRequest struct {
	// Cursor is the opaque cursor of the last answer; empty on the first
	// sync.
	Cursor string `msgpack:"cursor" json:"cursor"`
	// MinVersion asks the node to answer at this version or later
	// (read-your-writes after a push through another node).
	MinVersion uint64 `msgpack:"minVersion,omitempty" json:"minVersion,omitempty"`
	// Pages says the device fetches shared pages: a first load may then
	// list pages (PullResponse.Pages) instead of carrying all its rows.
	Pages bool `msgpack:"pages,omitempty" json:"pages,omitempty"`
	// Dict is the metadata version whose answer dictionary (NewDict)
	// the device holds; 0 for none. When it is the user's current one,
	// the server may code the answer with it (docs/protocol.md, "The
	// answer dictionary"). JSON answers never are.
	// DictCurrent asks for the answer coded with the dictionary of the
	// current metadata, whatever its version: a device that fetches the
	// metadata at the same time (a first load) gets it coded too.
	Dict uint32 `msgpack:"dict,omitempty" json:"dict,omitempty"`
	// Kinds is the highest column kind the device reads (ColumnKinds);
	// absent, 15. Shared pages may hold every kind, so only a device that
	// reads them all gets a load in pages (Pages).
	Kinds int `msgpack:"kinds,omitempty" json:"kinds,omitempty"`
}

// DictCurrent is PullRequest.Dict for "the dictionary of the current
// metadata": metadata versions are 31-bit, so it names none of them.
const DictCurrent = 1<<32 - 1

// DecodePullRequest decodes a pull request body; an empty body is an
// empty request.
func DecodePullRequest(data []byte, f Format) (PullRequest, error) {
	var r PullRequest
	if len(data) == 0 {
		return r, nil
	}
	var err error
	if f == FormatJSON {
		err = decodeStrictJSON(data, &r)
	} else {
		err = unmarshal(data, &r, true)
	}
	if err != nil {
		return PullRequest{}, malformed("decode pull request", err)
	}
	return r, nil
}

// PullResponse is the msgpack answer to a pull. Ids, owners and business
// units travel as 16-byte binary GUIDs; owners and business units are
// interned in Refs and rows point into it.
type PullResponse struct {
	Version         uint64 `msgpack:"v"`
	MetadataVersion uint64 `msgpack:"mv"`
	Cursor          string `msgpack:"c,omitempty"`
	// CursorBytes is the cursor as bytes, in answers to a request with
	// Dict set, in place of c: DecodePullResponse turns it into Cursor
	// (its base64url, unpadded), what the next request sends.
	CursorBytes []byte          `msgpack:"cb,omitempty"`
	More        bool            `msgpack:"more,omitempty"`
	Reset       bool            `msgpack:"reset,omitempty"`
	Refs        [][]byte        `msgpack:"refs,omitempty"`
	Entities    []EntityChanges `msgpack:"e"`
	// Pages, on the last answer of a first load asked for with
	// PullRequest.Pages, are shared pages that also belong to the load:
	// the device fetches each (GET /v1/sync/pages/{id}) and applies its
	// rows before it keeps this answer's cursor.
	Pages []PageRef `msgpack:"pg,omitempty"`
}

// PagesHeader lists, on an answer that lists shared pages (Pages), their
// ids, comma-separated: a device may start fetching them before it has
// decoded the answer.
const PagesHeader = "Offsync-Pages"

// PagesHeaderValue is the PagesHeader value of pages ("" for none).
func PagesHeaderValue(pages []PageRef) string {
	var b []byte
	for i, p := range pages {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p.ID...)
	}
	return string(b)
}

// FirstPageOf returns the first page id of a PagesHeader value, when it
// is one (32 lowercase hex digits).
func FirstPageOf(header string) (string, bool) {
	id, _, _ := strings.Cut(header, ",")
	if len(id) != 32 {
		return "", false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", false
		}
	}
	return id, true
}

// PageRef names a shared page of a first load.
type PageRef struct {
	// ID is the page's id: the hex of the first 16 bytes of the SHA-256
	// of its uncompressed body.
	ID string `msgpack:"id"`
	// Rows is how many rows the page holds.
	Rows int `msgpack:"n"`
}

// EntityChanges is one entity's part of a pull. On the msgpack wire
// (columnar_entity.go) its rows travel column by column: Rows as the
// columnar block `u`, Patches as `p` (columnar.go, docs/protocol.md); in
// Go they are rows of values.
type EntityChanges struct {
	Entity string `msgpack:"n"`
	// Columns names the attribute values that follow the system fields
	// in each row.
	Columns []string `msgpack:"cols,omitempty"`
	// Rows are upserts: [id, owner ref, business unit ref, createdon,
	// modifiedon, version, value per column...]. A ref is an index into
	// PullResponse.Refs, or -1. A missing value is nil; guid and lookup
	// values are 16-byte []byte, decimals strings; decoded integers are
	// int64 and floats float64.
	Rows [][]any `msgpack:"u,omitempty"`
	// PatchColumns names the values of Patches.
	PatchColumns []string `msgpack:"pcols,omitempty"`
	// Patches update rows the device holds: the same layout as Rows, with
	// the values of PatchColumns; other attributes stay as they are.
	Patches [][]any `msgpack:"p,omitempty"`
	// Removals are the ids to delete.
	Removals [][]byte `msgpack:"r,omitempty"`
	// Cutoff: drop rows whose modifiedon (unix ms) is older; 0 for none.
	Cutoff int64 `msgpack:"cut,omitempty"`
	// NextDue is when this entity should next be synced (unix ms).
	NextDue int64 `msgpack:"due"`
}

// DecodePullResponse decodes a msgpack pull answer. Row values are nil,
// bool, int64, float64, string or []byte (see [DecodeColumns]); AsInt64
// reads any integer.
func DecodePullResponse(data []byte) (PullResponse, error) {
	var r PullResponse
	if err := unmarshalWith(data, &r, false, false); err != nil {
		return PullResponse{}, malformed("decode pull response", err)
	}
	if r.CursorBytes != nil {
		if r.Cursor != "" {
			return PullResponse{}, fmt.Errorf("decode pull response: both c and cb: %w", ErrMalformed)
		}
		r.Cursor, r.CursorBytes = base64.RawURLEncoding.EncodeToString(r.CursorBytes), nil
	}
	return r, nil
}

// GUIDBytes converts a canonical GUID string to 16 bytes.
func GUIDBytes(s string) ([]byte, error) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, fmt.Errorf("guid %q: %w", s, ErrMalformed)
	}
	b := make([]byte, 16)
	if _, err := hex.Decode(b, []byte(s[0:8]+s[9:13]+s[14:18]+s[19:23]+s[24:])); err != nil {
		return nil, fmt.Errorf("guid %q: %w", s, ErrMalformed)
	}
	return b, nil
}

// GUIDString converts 16 bytes to a canonical lowercase GUID string (one
// allocation: the device calls it for every id and lookup it applies).
func GUIDString(b []byte) (string, error) {
	if len(b) != 16 {
		return "", fmt.Errorf("guid of %d bytes: %w", len(b), ErrMalformed)
	}
	const digits = "0123456789abcdef"
	var out [36]byte
	j := 0
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = digits[x>>4], digits[x&0x0f]
		j += 2
	}
	return string(out[:]), nil
}

// decodeStrictJSON decodes exactly one JSON object into v, refusing
// unknown fields and trailing data.
func decodeStrictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errTrailing
	}
	return nil
}

// AsInt64 converts any msgpack-decoded integer to int64.
func AsInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x <= 1<<63-1 {
			return int64(x), true
		}
	}
	return 0, false
}

package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
)

// The harness's devices hold the answer dictionary as the Go device does
// (client/device_dict.go): each fetches its metadata once an answer names
// a metadata version it has no dictionary of, and says in its pulls that
// it holds it; answers coded with a dictionary (header
// client.DictHeader) are decoded with the one they name.

// dictSet holds the devices' dictionaries: per token the one a device
// holds, by name every one known (to decode answers, also those the static
// baseline serves again).
type dictSet struct {
	// metadataURL is the metadata endpoint; "" fetches none (the static
	// baseline: it knows the dictionaries of the answers it serves).
	metadataURL string

	mu      sync.Mutex
	byToken map[string]*codec.Dict
	byName  map[string]*codec.Dict // by codec.Dict.Name
}

// newDictSet returns a set whose devices fetch metadata from the server
// at base.
func newDictSet(base string) *dictSet {
	return &dictSet{metadataURL: base + "/v1/sync/metadata", byToken: map[string]*codec.Dict{}, byName: map[string]*codec.Dict{}}
}

// dictsOf returns a set that fetches nothing and knows the dictionaries
// answers were coded with.
func dictsOf(answers []pullAnswer) *dictSet {
	s := &dictSet{byToken: map[string]*codec.Dict{}, byName: map[string]*codec.Dict{}}
	for _, a := range answers {
		if a.dict != nil {
			s.byName[a.dict.Name()] = a.dict
		}
	}
	return s
}

// held returns the dictionary token's device holds, or nil (also on a
// nil set).
func (s *dictSet) held(token string) *codec.Dict {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byToken[token]
}

// named returns the dictionary an answer's client.DictHeader names.
func (s *dictSet) named(h string) (*codec.Dict, error) {
	if s == nil {
		return nil, fmt.Errorf("answer coded with dictionary %q: none held", h)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.byName[h]; d != nil {
		return d, nil
	}
	return nil, fmt.Errorf("answer coded with dictionary %q: none held", h)
}

// note fetches token's metadata when mv is not the version of the
// dictionary its device holds.
func (s *dictSet) note(ctx context.Context, hc *http.Client, token string, mv uint64) error {
	if s == nil || s.metadataURL == "" || mv == 0 {
		return nil
	}
	if d := s.held(token); d != nil && uint64(d.ID) == mv {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.metadataURL, nil)
	if err != nil {
		return err
	}
	req.Header = http.Header{"Authorization": {"Bearer " + token}, "Accept": {"application/msgpack"}, "Accept-Encoding": {"zstd, gzip"}}
	raw, _, _, err := deviceDo(hc, req)
	if err != nil {
		return fmt.Errorf("fetch metadata: %w", err)
	}
	d, err := codec.DictFromMetadata(raw)
	if err != nil {
		return fmt.Errorf("fetch metadata: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.byName[d.Name()]; old != nil {
		d = old // one copy (and pool of coders) per dictionary
	}
	s.byToken[token], s.byName[d.Name()] = d, d
	return nil
}

// dictCall is deviceCall for a pull: an answer coded with a dictionary
// is decoded with the one it names, which it also returns.
func (s *dictSet) dictCall(ctx context.Context, hc *http.Client, url string, hdr http.Header, body []byte) (raw, wire []byte, enc string, dict *codec.Dict, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, "", nil, err
	}
	req.Header = hdr
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, "", nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, nil, "", nil, fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, "", nil, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(buf.Bytes()))
	}
	wire, enc = buf.Bytes(), resp.Header.Get("Content-Encoding")
	h := resp.Header.Get(client.DictHeader)
	if h == "" {
		e, err := codec.ParseEncoding(enc)
		if err != nil {
			return nil, nil, "", nil, err
		}
		raw, err = codec.ReadBody(bytes.NewReader(wire), e, client.DefaultMaxResponseBytes, client.DefaultMaxResponseBytes)
		return raw, wire, enc, nil, err
	}
	if dict, err = s.named(h); err != nil {
		return nil, nil, "", nil, err
	}
	raw, err = codec.DecompressDict(dict, wire, client.DefaultMaxResponseBytes)
	return raw, wire, enc, dict, err
}

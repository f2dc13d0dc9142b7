package server

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// TestDecompressionWaitsForADecodeSlot: a compressed body is decompressed
// only in one of MaxConcurrentDecodes slots. While every slot is taken, a
// compressed body waits (here, until its request ends: 400, nothing
// decoded), while a body sent uncompressed, which costs no more than its
// bytes, does not wait; once a slot is free, the compressed body decodes.
// Without the slots, a burst of a few hundred push bombs held over 1 GiB
// (TestAbuseServeDemoRSS in cmd/offsync).
func TestDecompressionWaitsForADecodeSlot(t *testing.T) {
	cfg := DefaultConfig(testToken)
	cfg.MaxConcurrentDecodes = 2
	s := &Server{cfg: cfg}
	body := []byte(`{"mutations":[]}`)
	enc, _ := zstd.NewWriter(nil)
	packed := enc.EncodeAll(body, nil)
	read := func(ctx context.Context, encoding string, b []byte) ([]byte, error) {
		r := httptest.NewRequestWithContext(ctx, "POST", "/v1/sync/push", bytes.NewReader(b))
		r.Pattern = "POST /v1/sync/push"
		if encoding != "" {
			r.Header.Set("Content-Encoding", encoding)
		}
		return s.readBody(r)
	}
	if got, err := read(context.Background(), "zstd", packed); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("with free slots: %q %v", got, err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	for range cfg.MaxConcurrentDecodes {
		if err := s.decodes.enter(context.Background(), cfg.MaxConcurrentDecodes); err != nil {
			t.Fatal(err)
		}
	}
	for _, encoding := range []string{"zstd", "gzip"} {
		got, err := read(ended, encoding, packed)
		if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "waiting to decompress") || got != nil {
			t.Fatalf("%s with every slot taken: %q %v, want a wait that ends with the request", encoding, got, err)
		}
	}
	if got, err := read(ended, "", body); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("uncompressed with every slot taken: %q %v", got, err)
	}
	s.decodes.leave()
	if got, err := read(context.Background(), "zstd", packed); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("with a slot freed: %q %v", got, err)
	}
	s.decodes.leave()
}

// TestMaxConcurrentDecodesIsValidated: the config names the bad field.
func TestMaxConcurrentDecodesIsValidated(t *testing.T) {
	cfg := DefaultConfig(testToken)
	cfg.MaxConcurrentDecodes = 0
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "MaxConcurrentDecodes") {
		t.Fatalf("MaxConcurrentDecodes 0: %v", err)
	}
}

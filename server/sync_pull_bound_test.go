package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
)

// TestPullsWaitForASlot: with every pull slot taken, a pull waits; one
// whose client gives up first gets 503, and a pull gets through once a
// slot is free.
func TestPullsWaitForASlot(t *testing.T) {
	ts, e := newDemoServer(t)
	token, _ := fieldSalesToken(t, ts)
	cfg := DefaultConfig(testToken)
	cfg.MaxConcurrentPulls = 1
	s, err := New(cfg, directWriter{e}, e, alwaysReady(true))
	if err != nil {
		t.Fatal(err)
	}
	pull := func(ctx context.Context) *httptest.ResponseRecorder {
		body, _ := codec.Marshal(codec.PullRequest{})
		req := httptest.NewRequest("POST", "/v1/sync/pull", bytes.NewReader(body)).WithContext(ctx)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/msgpack")
		rr := httptest.NewRecorder()
		s.Handler().ServeHTTP(rr, req)
		return rr
	}
	s.pullSlots <- struct{}{} // the only slot is taken
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	rr := pull(ctx)
	var eb ErrorBody
	_ = json.Unmarshal(rr.Body.Bytes(), &eb)
	if rr.Code != http.StatusServiceUnavailable || eb.Code != CodeUnavailable {
		t.Fatalf("pull without a slot: %d %s", rr.Code, rr.Body)
	}
	done := make(chan int)
	go func() { done <- pull(context.Background()).Code }()
	select {
	case code := <-done:
		t.Fatalf("a pull ran without a slot: %d", code)
	case <-time.After(50 * time.Millisecond):
	}
	<-s.pullSlots // free the slot
	if code := <-done; code != http.StatusOK {
		t.Fatalf("pull after the slot was freed: %d", code)
	}
}

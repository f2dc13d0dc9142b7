package server

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// flakyWriter fails its first fails proposals of contexts (as a cluster
// without a leader would), then applies them.
type flakyWriter struct {
	e              *engine.Engine
	fails, tries   atomic.Int32
	contextBatches atomic.Int32
}

func (f *flakyWriter) Propose(ctx context.Context, cmd *engine.Command) (*engine.Result, error) {
	if cmd.Kind == engine.KindRecordContexts {
		f.tries.Add(1)
		if f.fails.Add(-1) >= 0 {
			return nil, replication.ErrTimeout
		}
		f.contextBatches.Add(1)
	}
	return directWriter{f.e}.Propose(ctx, cmd)
}

// TestContextQueueRetriesUntilTheLogTakesIt: a pull hands out its cursor
// at once; the registration of its context, refused by the log a few
// times, is retried in the background until it lands, once.
func TestContextQueueRetriesUntilTheLogTakesIt(t *testing.T) {
	ts, e := newDemoServer(t)
	syncAll(t, ts.URL, mustToken(t, ts, "Field%20Sales"), "") // makes the cursor key
	w := &flakyWriter{e: e}
	w.fails.Store(3)
	s, err := New(DefaultConfig(testToken), w, e, alwaysReady(true))
	if err != nil {
		t.Fatal(err)
	}
	ts2 := httptest.NewServer(s.Handler())
	t.Cleanup(ts2.Close)
	token, user := profileToken(t, ts, "Managers")
	cursor := syncAll(t, ts2.URL, token, "")
	awaitCursorContext(t, e, user, cursor)
	if w.tries.Load() != 4 || w.contextBatches.Load() != 1 {
		t.Fatalf("%d proposals of contexts, %d applied: want 4 and 1", w.tries.Load(), w.contextBatches.Load())
	}
	// Known now: the next pulls propose nothing.
	syncAll(t, ts2.URL, token, "")
	syncAll(t, ts2.URL, token, cursor)
	if w.tries.Load() != 4 {
		t.Fatalf("%d proposals after the context was registered", w.tries.Load())
	}
}

func mustToken(t *testing.T, ts *httptest.Server, profile string) string {
	t.Helper()
	token, _ := profileToken(t, ts, profile)
	return token
}

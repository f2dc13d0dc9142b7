package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"sync"
	"time"

	"github.com/offsync/offsync/codec"
)

// The load of the crash tests: ingest writers send multi-record batches
// (one engine command each), a pusher sends multi-mutation pushes as a
// device user, and a puller follows one cursor chain, all through the
// live nodes, while the test kills a process. The ledger records every
// batch sent: acknowledged ones with the version they were applied at,
// the others (cut off by the kill) as unknown until a check settles them
// as applied whole or not at all.

// crashBatch is one write command: an ingest batch or a push.
type crashBatch struct {
	push   bool     // a push of task creates, else an ingest of accounts
	entity string   // "task" or "account"
	ids    []string // the rows it creates
	label  string   // the name or subject of its rows, plus " #k"
	epoch  int      // the round it was sent in
	// acked: the server answered 200 at version (a push's per-mutation
	// versions are in versions; rejected mutations have 0).
	acked    bool
	version  uint64
	versions []uint64
	// settled: an unacknowledged batch found applied (at version) or not
	// (applied false) once the node or cluster came back.
	settled, applied bool
}

// crashLoad sends the load and keeps the ledger. Its methods are safe for
// concurrent use.
type crashLoad struct {
	admin, device string          // admin token, the device user's token
	owner         string          // the device user; owns the rows written
	nodes         func() []string // base URLs of the nodes to use now
	http          *http.Client

	mu      sync.Mutex
	batches []*crashBatch
	epoch   int
	floor   map[int]uint64 // epoch -> highest version acknowledged before it began
	maxAck  uint64
	chain   crashChain
	// devVersion is the highest version a device sync ended at.
	devVersion uint64
	ops        crashOps
	errs       []string // invariant violations seen while loading
}

// crashOps counts what a crash run did.
type crashOps struct {
	Ingests, Pushes, Pulls, Unknown, UnknownApplied, Rounds int
	// LateApplied counts unacknowledged batches first seen missing and
	// found applied (whole) by a later check.
	LateApplied int
}

// crashChain is the puller's cursor chain: the cursor of the last
// complete answer and the highest version answered along it.
type crashChain struct {
	cursor  string
	version uint64
}

func newCrashLoad(admin, device, owner string, nodes func() []string) *crashLoad {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &crashLoad{admin: admin, device: device, owner: owner, nodes: nodes,
		http: &http.Client{Timeout: 10 * time.Second, Transport: tr}, floor: map[int]uint64{}}
}

// violation records a broken invariant seen during the load.
func (l *crashLoad) violation(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) < 20 {
		l.errs = append(l.errs, fmt.Sprintf(format, args...))
	}
}

// violations returns the broken invariants seen during the load.
func (l *crashLoad) violations() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.errs...)
}

// maxAcked is the highest version acknowledged so far.
func (l *crashLoad) maxAcked() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.maxAck
}

// nextEpoch starts a new round: writes sent from now on must be applied
// above every version acknowledged so far.
func (l *crashLoad) nextEpoch() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.epoch++
	l.floor[l.epoch] = l.maxAck
	l.ops.Rounds++
}

// run sends the load until ctx ends: two ingest writers, a pusher and a
// puller, each pausing a little between requests.
func (l *crashLoad) run(ctx context.Context, seed int64) {
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed*31 + int64(w)))
			for seq := 0; ctx.Err() == nil; seq++ {
				switch w {
				case 0, 1:
					l.ingest(ctx, rng, fmt.Sprintf("crash w%d s%d #%d", w, seed, seq))
				case 2:
					l.push(ctx, rng, fmt.Sprintf("crash push s%d #%d", seed, seq))
				default:
					_ = l.pullChain(ctx, false)
				}
				sleepCtx(ctx, time.Duration(rng.Intn(30))*time.Millisecond)
			}
		}()
	}
	wg.Wait()
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// pick returns a live node's base URL.
func (l *crashLoad) pick(rng *rand.Rand) string {
	n := l.nodes()
	return n[rng.Intn(len(n))]
}

// newBatch records a batch of n new rows before it is sent.
func (l *crashLoad) newBatch(rng *rand.Rand, push bool, label string) *crashBatch {
	b := &crashBatch{push: push, entity: "account", label: label}
	if push {
		b.entity = "task"
	}
	for k := 0; k < 2+rng.Intn(5); k++ {
		b.ids = append(b.ids, crashGUID(rng))
	}
	l.mu.Lock()
	b.epoch = l.epoch
	l.batches = append(l.batches, b)
	l.mu.Unlock()
	return b
}

func crashGUID(rng *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", rng.Uint32(), rng.Intn(1<<16), rng.Intn(1<<12), 0x8000|rng.Intn(1<<14), rng.Int63n(1<<48))
}

// ack records b as acknowledged at version and checks that the version
// is above every one acknowledged before b's round began.
func (l *crashLoad) ack(b *crashBatch, version uint64, versions []uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b.acked, b.version, b.versions = true, version, versions
	if f := l.floor[b.epoch]; version <= f {
		l.errs = append(l.errs, fmt.Sprintf("batch %q acknowledged at version %d, not above %d acknowledged before the restart", b.label, version, f))
	}
	l.maxAck = max(l.maxAck, version)
	if b.push {
		l.ops.Pushes++
	} else {
		l.ops.Ingests++
	}
}

// ingest sends one batch of new accounts.
func (l *crashLoad) ingest(ctx context.Context, rng *rand.Rand, label string) {
	b := l.newBatch(rng, false, label)
	var recs []map[string]any
	for k, id := range b.ids {
		recs = append(recs, map[string]any{"entity": "account", "id": id, "ownerid": l.owner,
			"attributes": map[string]any{"name": fmt.Sprintf("%s #%d", label, k)}})
	}
	body, _ := json.Marshal(map[string]any{"records": recs})
	var res struct{ Version uint64 }
	code, err := l.do(ctx, l.pick(rng)+"/v1/records", l.admin, "application/json", body, &res)
	if err == nil && code == http.StatusOK {
		l.ack(b, res.Version, nil)
	} else if err == nil && code != http.StatusServiceUnavailable {
		l.violation("ingest %q: status %d", label, code)
	}
}

// push sends one push of new tasks as the device user.
func (l *crashLoad) push(ctx context.Context, rng *rand.Rand, label string) {
	b := l.newBatch(rng, true, label)
	var req codec.PushRequest
	for k, id := range b.ids {
		req.Mutations = append(req.Mutations, codec.Mutation{ID: id, Entity: "task", RowID: id, Op: "create",
			Attrs: map[string]any{"subject": fmt.Sprintf("%s #%d", label, k)}})
	}
	body, err := codec.Marshal(req)
	if err != nil {
		panic(err)
	}
	var res codec.PushResponse
	code, err := l.do(ctx, l.pick(rng)+"/v1/sync/push", l.device, "application/msgpack", body, &res)
	switch {
	case err != nil:
	case code == http.StatusOK && len(res.Results) == len(b.ids):
		vs := make([]uint64, len(res.Results))
		for i, r := range res.Results {
			if r.Applied {
				vs[i] = r.Version
			} else {
				l.violation("push %q: mutation %d rejected: %s %s", label, i, r.Code, r.Message)
			}
		}
		l.ack(b, res.Version, vs)
	case code != http.StatusServiceUnavailable:
		l.violation("push %q: status %d, %d results", label, code, len(res.Results))
	}
}

// do sends a POST and decodes a 200 answer (JSON or msgpack, as asked)
// into out. A transport error is returned; a status is not.
func (l *crashLoad) do(ctx context.Context, url, token, ctype string, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", ctype)
	resp, err := l.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	enc, err := codec.ParseEncoding(resp.Header.Get("Content-Encoding"))
	if err == nil {
		raw, err = codec.ReadBody(bytes.NewReader(raw), enc, 1<<30, 1<<30)
	}
	if err != nil {
		return 0, err
	}
	if ctype == "application/json" {
		err = json.Unmarshal(raw, out)
	} else if pr, ok := out.(*codec.PullResponse); ok {
		*pr, err = codec.DecodePullResponse(raw)
	} else {
		err = codec.Unmarshal(raw, out)
	}
	if err != nil {
		return 0, fmt.Errorf("decode %s: %w", url, err)
	}
	return resp.StatusCode, nil
}

// errCursorReset is a pull answered with a reset where a delta was due.
var errCursorReset = errors.New("cursor answered with a reset")

// pullChain pulls along the chain's cursor until the answer is complete.
// Versions must never go backwards along it. With mustDelta (the cursor
// was taken before a kill and the change log was not pruned), the first
// answer must be a delta, not a reset.
func (l *crashLoad) pullChain(ctx context.Context, mustDelta bool) error {
	l.mu.Lock()
	ch := l.chain
	l.mu.Unlock()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	cur := ch.cursor
	for first := true; ; first = false {
		body, _ := codec.Marshal(codec.PullRequest{Cursor: cur})
		var res codec.PullResponse
		code, err := l.do(ctx, l.pick(rng)+"/v1/sync/pull", l.device, "application/msgpack", body, &res)
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			if code != http.StatusServiceUnavailable {
				l.violation("pull with a cursor at version %d: status %d", ch.version, code)
			}
			return fmt.Errorf("pull: status %d", code)
		}
		if res.Version < ch.version {
			l.violation("pull answered version %d after %d along the same cursor chain", res.Version, ch.version)
		}
		if first && mustDelta && ch.cursor != "" && res.Reset {
			l.violation("a cursor at version %d taken before the kill was answered with a reset", ch.version)
			return errCursorReset
		}
		cur = res.Cursor
		if !res.More {
			l.mu.Lock()
			if res.Version >= l.chain.version {
				l.chain = crashChain{cursor: res.Cursor, version: res.Version}
			}
			l.ops.Pulls++
			l.mu.Unlock()
			return nil
		}
	}
}

package client

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/offsync/offsync/codec"
)

// This file holds a model of the device's rows and a fake server that
// serves pull answers made from it: a test drives the device through a
// script of reset loads and deltas, paged or too big for one local
// transaction, and knows every complete state the device may show.

var modelEntities = []string{"account", "task"}

// mrow is a row of the model: its modifiedon and a marker naming the step
// that last wrote it.
type mrow struct {
	mod  int64
	mark string
}

// mstate is the rows of every entity, by id.
type mstate map[string]map[string]mrow

func (s mstate) clone() mstate {
	out := mstate{}
	for e, rows := range s {
		out[e] = map[string]mrow{}
		for id, r := range rows {
			out[e][id] = r
		}
	}
	return out
}

// counts is what Device.Counts answers for s.
func (s mstate) counts() map[string]int {
	out := map[string]int{}
	for e, rows := range s {
		if len(rows) > 0 {
			out[e] = len(rows)
		}
	}
	return out
}

// fingerprint hashes the rows of one entity (ids, modifiedon, markers).
func (s mstate) fingerprint(entity string) uint64 {
	ids := make([]string, 0, len(s[entity]))
	for id := range s[entity] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	h := fnv.New64a()
	for _, id := range ids {
		r := s[entity][id]
		fmt.Fprintf(h, "%s:%d:%s;", id, r.mod, r.mark)
	}
	return h.Sum64()
}

// deviceFingerprint hashes the device's rows of one entity as
// fingerprint does, in one read (one local transaction).
func deviceFingerprint(d *Device, entity string) (uint64, error) {
	h := fnv.New64a()
	err := d.Rows(entity, func(r Row) error {
		mark, _ := r.Attrs["m"].(string)
		fmt.Fprintf(h, "%s:%d:%s;", r.ID, r.ModifiedOn, mark)
		return nil
	})
	return h.Sum64(), err
}

func modelID(n int) []byte {
	id := make([]byte, 16)
	binary.BigEndian.PutUint64(id[8:], uint64(n))
	id[6], id[8] = 0x40, 0x80
	return id
}

// scriptGen makes pull answers from a seeded generator and applies each
// to its model. A sync is the answers up to one without more; states[k]
// is the model after sync k (states[0] is the empty device).
type scriptGen struct {
	rng    *rand.Rand
	state  mstate
	nextID int
	clock  int64
	// syncs[k] are the answers of sync k+1.
	syncs  [][]codec.PullResponse
	states []mstate
	// pending lead the next sync's answers (see abandonLoad).
	pending []codec.PullResponse
}

func newScriptGen(seed int64) *scriptGen {
	return &scriptGen{rng: rand.New(rand.NewSource(seed)), state: mstate{}, nextID: 1, clock: 1000, states: []mstate{{}}}
}

func (g *scriptGen) wireRow(id string, r mrow) []any {
	b, _ := codec.GUIDBytes(id)
	return []any{b, int64(-1), int64(-1), int64(1), r.mod, g.clock, r.mark}
}

// newRow makes a row for step mark, modified after every earlier one.
func (g *scriptGen) newRow(mark string) mrow {
	return mrow{mod: g.clock + g.rng.Int63n(100), mark: mark}
}

// load is a reset with n rows in pages of page rows; the last page cuts
// the tasks older than a cutoff.
func (g *scriptGen) load(n, page int) {
	g.clock += 1000
	mark := fmt.Sprintf("load%d", len(g.states))
	g.state = mstate{}
	type ent struct {
		e   string
		id  string
		row mrow
	}
	var all []ent
	for i := 0; i < n; i++ {
		id, _ := codec.GUIDString(modelID(g.nextID))
		g.nextID++
		e := modelEntities[g.rng.Intn(len(modelEntities))]
		r := mrow{mod: g.clock - 500 + g.rng.Int63n(600), mark: mark}
		all = append(all, ent{e, id, r})
		if g.state[e] == nil {
			g.state[e] = map[string]mrow{}
		}
		g.state[e][id] = r
	}
	var answers []codec.PullResponse
	for start := 0; start == 0 || start < len(all); start += page {
		part := all[start:min(start+page, len(all))]
		res := codec.PullResponse{Version: uint64(g.clock), Reset: start == 0, More: start+page < len(all)}
		for _, e := range modelEntities {
			ec := codec.EntityChanges{Entity: e, Columns: []string{"m"}}
			for _, x := range part {
				if x.e == e {
					ec.Rows = append(ec.Rows, g.wireRow(x.id, x.row))
				}
			}
			if !res.More && e == "task" {
				ec.Cutoff = g.clock - 400
			}
			res.Entities = append(res.Entities, ec)
		}
		answers = append(answers, res)
	}
	g.cut("task", g.clock-400)
	g.finish(answers)
}

// cut drops the model's rows of entity older than cutoff.
func (g *scriptGen) cut(entity string, cutoff int64) {
	for id, r := range g.state[entity] {
		if r.mod < cutoff {
			delete(g.state[entity], id)
		}
	}
}

// abandonLoad turns the last sync, a paged load, into one the server
// gives up after its first pages (a restart, another node): they lead the
// next sync's answers, which must start with a reset.
func (g *scriptGen) abandonLoad(pages int) {
	g.pending = g.syncs[len(g.syncs)-1][:pages]
	g.syncs = g.syncs[:len(g.syncs)-1]
	g.states = g.states[:len(g.states)-1]
	g.state = g.states[len(g.states)-1].clone()
}

// delta changes about a share of the held rows (removals, upserts,
// patches) and adds fresh ones, in pages answers (1: one answer); the
// last cuts old tasks.
func (g *scriptGen) delta(share float64, fresh, pages int) {
	g.clock += 1000
	mark := fmt.Sprintf("delta%d", len(g.states))
	answers := make([]codec.PullResponse, pages)
	for p := range answers {
		answers[p] = codec.PullResponse{Version: uint64(g.clock), More: p < pages-1}
	}
	for _, e := range modelEntities {
		if g.state[e] == nil {
			g.state[e] = map[string]mrow{}
		}
		ecs := make([]codec.EntityChanges, pages)
		for p := range ecs {
			ecs[p] = codec.EntityChanges{Entity: e, Columns: []string{"m"}, PatchColumns: []string{"m"}}
		}
		ids := make([]string, 0, len(g.state[e]))
		for id := range g.state[e] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if g.rng.Float64() >= share {
				continue
			}
			ec := &ecs[g.rng.Intn(pages)]
			switch g.rng.Intn(3) {
			case 0:
				b, _ := codec.GUIDBytes(id)
				ec.Removals = append(ec.Removals, b)
				delete(g.state[e], id)
			case 1:
				r := g.newRow(mark)
				ec.Rows = append(ec.Rows, g.wireRow(id, r))
				g.state[e][id] = r
			default:
				r := g.newRow(mark)
				ec.Patches = append(ec.Patches, g.wireRow(id, r))
				g.state[e][id] = r
			}
		}
		for i := 0; i < fresh; i++ {
			id, _ := codec.GUIDString(modelID(g.nextID))
			g.nextID++
			r := g.newRow(mark)
			ec := &ecs[g.rng.Intn(pages)]
			ec.Rows = append(ec.Rows, g.wireRow(id, r))
			g.state[e][id] = r
		}
		if e == "task" {
			ecs[pages-1].Cutoff = g.clock - 1500
			g.cut(e, g.clock-1500)
		}
		for p := range answers {
			answers[p].Entities = append(answers[p].Entities, ecs[p])
		}
	}
	g.finish(answers)
}

// finish records one sync's answers, chaining their cursors, and the
// model after them.
func (g *scriptGen) finish(answers []codec.PullResponse) {
	answers = append(g.pending, answers...)
	g.pending = nil
	for i := range answers {
		answers[i].Cursor = fmt.Sprintf("s%d.p%d", len(g.states), i)
	}
	g.syncs = append(g.syncs, answers)
	g.states = append(g.states, g.state.clone())
}

// fakeSyncServer answers pulls from a script.
type fakeSyncServer struct {
	*httptest.Server
	upTo atomic.Int64
}

// serve starts a fake server answering each pull by its cursor: the first
// answer of the script for none, the one after it for each of its
// cursors. It serves the answers of the first upTo syncs (all at first)
// and past them answers that nothing is new.
func (g *scriptGen) serve(t *testing.T) *fakeSyncServer {
	t.Helper()
	type answer struct {
		res  codec.PullResponse
		sync int
	}
	next := map[string]answer{}
	known := map[string]bool{"": true}
	prev := ""
	for k, sync := range g.syncs {
		for _, res := range sync {
			next[prev] = answer{res, k + 1}
			prev = res.Cursor
			known[prev] = true
		}
	}
	fs := &fakeSyncServer{}
	fs.upTo.Store(int64(len(g.syncs)))
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/sync/pull" {
			http.NotFound(w, r)
			return
		}
		raw, err := codec.ReadBody(r.Body, codec.Identity, 1<<20, 1<<20)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, err := codec.DecodePullRequest(raw, codec.FormatMsgpack)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !known[req.Cursor] {
			t.Errorf("fake server: pull with cursor %q, not one it gave", req.Cursor)
		}
		a, ok := next[req.Cursor]
		res := a.res
		if !ok || a.sync > int(fs.upTo.Load()) {
			res = codec.PullResponse{Cursor: req.Cursor}
		}
		b, err := codec.MarshalCompact(res)
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/msgpack")
		_, _ = w.Write(b)
	}))
	t.Cleanup(fs.Close)
	return fs
}

// openModelDevice opens a device on a fresh store against ts whose local
// transactions hold at most txnOps row writes.
func openModelDevice(t *testing.T, store, url string, txnOps int) *Device {
	t.Helper()
	d, err := OpenDevice(DeviceConfig{Store: store, Server: url, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	d.txnOps = txnOps
	return d
}

func tempStore(t *testing.T) string { return filepath.Join(t.TempDir(), "dev") }

// observer checks reads of a device against the complete states of a
// script: each read must show one of them, and one no older than the
// reader saw before.
type observer struct {
	states []mstate
	counts []map[string]int
	fps    []map[string]uint64
}

func newObserver(states []mstate) *observer {
	o := &observer{states: states}
	for _, s := range states {
		o.counts = append(o.counts, s.counts())
		fp := map[string]uint64{}
		for _, e := range modelEntities {
			fp[e] = s.fingerprint(e)
		}
		o.fps = append(o.fps, fp)
	}
	return o
}

// reader is one reader's memory: the oldest state each read may still
// show.
type reader struct {
	o      *observer
	counts int
	rows   map[string]int
}

func (o *observer) reader() *reader { return &reader{o: o, rows: map[string]int{}} }

// read reads the device (Counts, then Rows of each entity) and says which
// complete state each read showed, or why none.
func (r *reader) read(d *Device) error {
	c, err := d.Counts()
	if err != nil {
		return fmt.Errorf("counts: %w", err)
	}
	k := r.match(r.counts, func(i int) bool { return fmt.Sprint(r.o.counts[i]) == fmt.Sprint(c) })
	if k < 0 {
		return fmt.Errorf("counts %v: no complete state (from state %d on) has them", c, r.counts)
	}
	r.counts = k
	for _, e := range modelEntities {
		fp, err := deviceFingerprint(d, e)
		if err != nil {
			return fmt.Errorf("rows: %w", err)
		}
		k := r.match(r.rows[e], func(i int) bool { return r.o.fps[i][e] == fp })
		if k < 0 {
			return fmt.Errorf("rows of %s: not those of any complete state from state %d on", e, r.rows[e])
		}
		r.rows[e] = k
	}
	return nil
}

// match returns the first state from from on that ok accepts, or -1.
func (r *reader) match(from int, ok func(int) bool) int {
	for i := from; i < len(r.o.states); i++ {
		if ok(i) {
			return i
		}
	}
	return -1
}

// exactly checks that the device shows state k.
func (o *observer) exactly(d *Device, k int) error {
	r := &reader{o: &observer{states: o.states[k : k+1], counts: o.counts[k : k+1], fps: o.fps[k : k+1]}, rows: map[string]int{}}
	if err := r.read(d); err != nil {
		return fmt.Errorf("want state %d: %w", k, err)
	}
	return nil
}

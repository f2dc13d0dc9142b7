package engine

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// syncErrorModel is what the sync error log must hold: per device, the
// refs of its rejected mutations, the newest perDevice kept.
type syncErrorModel struct {
	perDevice int
	kept      map[string][]SyncErrorRef // device -> refs, oldest first
	times     map[SyncErrorRef]int64
}

func (m *syncErrorModel) all() []SyncErrorRef {
	var out []SyncErrorRef
	for _, refs := range m.kept {
		out = append(out, refs...)
	}
	slices.SortFunc(out, func(a, b SyncErrorRef) int {
		if a.Version != b.Version {
			return int(a.Version) - int(b.Version)
		}
		return a.Index - b.Index
	})
	return out
}

// randomMutation draws a mutation that applies or is rejected in one of
// the ways a hostile device can be rejected.
func randomMutation(rng *rand.Rand, i int) Mutation {
	m := Mutation{ID: fmt.Sprintf("m%d-%d", i, rng.Int63()), Entity: "account", RowID: fmt.Sprintf("e3000000-0000-4000-8000-%012d", rng.Intn(1e6))}
	switch rng.Intn(6) {
	case 0: // applies
		m.Op, m.Attrs = MutationCreate, map[string]any{"name": "ok"}
	case 1: // not_found
		m.Op, m.Attrs = MutationUpdate, map[string]any{"name": "x"}
	case 2: // an entity outside the profile, with big attributes
		m.Entity, m.Op, m.Attrs = "contact", MutationCreate, map[string]any{"lastname": strings.Repeat("c", rng.Intn(20000))}
	case 3: // invalid, attributes over the cap
		m.Op, m.Attrs = MutationCreate, map[string]any{"name": "x", "nosuch": strings.Repeat("b", MaxSyncErrorAttrBytes+rng.Intn(10000))}
	case 4: // invalid, small attributes
		m.Op, m.Attrs = MutationCreate, map[string]any{"name": strings.Repeat("n", 21)}
	default: // a huge row id and entity name, quoted by the message
		m.Entity, m.RowID, m.Op = strings.Repeat("z", rng.Intn(5000)), strings.Repeat("r", rng.Intn(5000)), MutationDelete
	}
	return m
}

// TestSyncErrorLogBounded pushes random mutations from a few devices
// (seeded), with random deletes and prunes, and checks after every step
// that the log holds exactly the model's errors: at most the per-device
// bound, each within the size bounds, the per-device index exact, and
// that a prune removed exactly the errors recorded before its time.
func TestSyncErrorLogBounded(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			t.Logf("seed %d", seed)
			e := pushWorld(t, DepthOrganization, DepthOrganization)
			m := &syncErrorModel{perDevice: 1 + rng.Intn(12), kept: map[string][]SyncErrorRef{}, times: map[SyncErrorRef]int64{}}
			mustApply(t, e, &Command{Kind: KindSetSettings, Settings: &Settings{SyncErrorsPerDevice: m.perDevice}})
			devices := []string{"d0000000-0000-4000-8000-000000000001", "d0000000-0000-4000-8000-000000000002", "d0000000-0000-4000-8000-000000000003"}
			clock := int64(1000)
			for step := 0; step < 60; step++ {
				clock += int64(1 + rng.Intn(100))
				switch r := rng.Intn(10); {
				case r < 7:
					dev := devices[rng.Intn(len(devices))]
					var muts []Mutation
					for i := 0; i < 1+rng.Intn(3*m.perDevice); i++ {
						muts = append(muts, randomMutation(rng, i))
					}
					res := mustApply(t, e, &Command{Kind: KindPush, Now: clock, Push: &Push{User: uU, Device: dev, Mutations: muts}})[0]
					for i, mr := range res.Mutations {
						if !mr.Applied {
							ref := SyncErrorRef{Version: res.Version, Index: i}
							m.kept[dev] = append(m.kept[dev], ref)
							m.times[ref] = clock
						}
						if len(mr.Message) > maxSyncErrorText {
							t.Fatalf("a result message of %d bytes", len(mr.Message))
						}
					}
					if n := len(m.kept[dev]); n > m.perDevice {
						m.kept[dev] = m.kept[dev][n-m.perDevice:]
					}
				case r < 8:
					all := m.all()
					if len(all) == 0 {
						continue
					}
					ref := all[rng.Intn(len(all))]
					mustApply(t, e, &Command{Kind: KindDeleteSyncError, SyncError: &ref})
					for d, refs := range m.kept {
						m.kept[d] = slices.DeleteFunc(refs, func(x SyncErrorRef) bool { return x == ref })
					}
				default:
					before := clock - int64(rng.Intn(400))
					mustApply(t, e, &Command{Kind: KindPrune, Now: clock, SyncErrorsBefore: before})
					for d, refs := range m.kept {
						m.kept[d] = slices.DeleteFunc(refs, func(x SyncErrorRef) bool { return m.times[x] < before })
					}
				}
				checkSyncErrorLog(t, e, m, rng)
			}
			t.Logf("bound %d, %d errors kept at the end", m.perDevice, len(m.all()))
		})
	}
}

// checkSyncErrorLog compares the stored log with the model, reading it in
// random page sizes.
func checkSyncErrorLog(t *testing.T, e *Engine, m *syncErrorModel, rng *rand.Rand) {
	t.Helper()
	var got []SyncError
	f := SyncErrorFilter{Limit: 1 + rng.Intn(7)}
	for {
		page, more, err := e.SyncErrors(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > f.Limit || (more && len(page) != f.Limit) {
			t.Fatalf("page of %d (limit %d, more %v)", len(page), f.Limit, more)
		}
		got = append(got, page...)
		if !more {
			break
		}
		f.After = &SyncErrorRef{Version: page[len(page)-1].Version, Index: page[len(page)-1].Index}
	}
	var refs []SyncErrorRef
	perDevice := map[string]int{}
	for _, se := range got {
		refs = append(refs, SyncErrorRef{Version: se.Version, Index: se.Index})
		perDevice[se.Device]++
		b, _ := codec.Marshal(se.Mutation.Attrs)
		if len(se.Mutation.Attrs) > 0 && len(b) > MaxSyncErrorAttrBytes {
			t.Fatalf("sync error %d-%d keeps %d bytes of attributes", se.Version, se.Index, len(b))
		}
		if se.Mutation.Entity != "account" && (se.Mutation.Attrs != nil || se.AttrsOmitted != OmittedOutsideProfile) {
			t.Fatalf("sync error %d-%d keeps attributes of %q outside the profile: %+v", se.Version, se.Index, se.Mutation.Entity, se)
		}
		for _, s := range []string{se.Mutation.Entity, se.Mutation.RowID, se.Message} {
			if len(s) > maxSyncErrorText {
				t.Fatalf("sync error %d-%d keeps a string of %d bytes", se.Version, se.Index, len(s))
			}
		}
	}
	for d, n := range perDevice {
		if n > m.perDevice {
			t.Fatalf("device %s has %d sync errors, bound %d", d, n, m.perDevice)
		}
	}
	if want := m.all(); !slices.Equal(refs, want) {
		t.Fatalf("stored %v\nwant   %v", refs, want)
	}
	// The per-device index holds exactly the stored errors.
	var index []SyncErrorRef
	_ = e.db.View(func(txn *badger.Txn) error {
		for _, k := range prefixKeys(txn, []byte("ed/")) {
			var v uint64
			var i uint32
			tail := []byte(k[len(k)-12:])
			for _, c := range tail[:8] {
				v = v<<8 | uint64(c)
			}
			for _, c := range tail[8:] {
				i = i<<8 | uint32(c)
			}
			index = append(index, SyncErrorRef{Version: v, Index: int(i)})
		}
		return nil
	})
	slices.SortFunc(index, func(a, b SyncErrorRef) int {
		if a.Version != b.Version {
			return int(a.Version) - int(b.Version)
		}
		return a.Index - b.Index
	})
	if !slices.Equal(index, m.all()) {
		t.Fatalf("device index %v\nwant %v", index, m.all())
	}
}

// TestSyncErrorSizeBounds: one push of large rejected mutations stores a
// bounded amount, says what it omitted, and cannot be re-applied without
// its attributes.
func TestSyncErrorSizeBounds(t *testing.T) {
	e := pushWorld(t, DepthOrganization, DepthOrganization)
	big := strings.Repeat("x", 50<<10)
	muts := []Mutation{
		{ID: "a", Entity: "contact", RowID: acc1, Op: MutationCreate, Attrs: map[string]any{"lastname": "secret"}},
		{ID: "b", Entity: "account", RowID: acc1, Op: MutationCreate, Attrs: map[string]any{"name": "x", "nosuch": big}},
		{ID: "c", Entity: "account", RowID: acc1, Op: MutationCreate, Attrs: map[string]any{big: 1}},
	}
	before := dbSize(t, e)
	mustApply(t, e, &Command{Kind: KindPush, Now: 1, Push: &Push{User: uU, Device: "dev1", Mutations: muts}})
	if grown := dbSize(t, e) - before; grown > 8<<10 {
		t.Fatalf("%d bytes of rejected input grew the store by %d bytes", 3*len(big), grown)
	}
	errs, _, _ := e.SyncErrors(SyncErrorFilter{})
	if len(errs) != 3 || errs[0].AttrsOmitted != OmittedOutsideProfile || errs[0].Mutation.Attrs != nil ||
		errs[1].AttrsOmitted != OmittedTooLarge || errs[2].AttrsOmitted != OmittedTooLarge || len(errs[2].Message) > maxSyncErrorText {
		t.Fatalf("sync errors: %+v", errs)
	}
	res, _ := e.Apply(e.Applied()+1, &Command{Kind: KindReapplySyncError, SyncError: &SyncErrorRef{Version: errs[1].Version, Index: 1}})
	if res.Err == nil {
		t.Fatal("a sync error without its attributes was re-applied")
	}
}

// dbSize is the bytes of every key and value stored.
func dbSize(t *testing.T, e *Engine) int {
	n := 0
	for k, v := range dump(t, e) {
		n += len(k) + len(v)
	}
	return n
}

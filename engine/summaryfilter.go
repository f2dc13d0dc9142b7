package engine

import (
	"hash/maphash"
	"math/bits"

	"github.com/dgraph-io/badger/v4"
)

// summaryFilter is an in-memory Bloom filter over the targets that hold a
// reference summary (xs/{target}), so that an ingest skips the Badger read
// of a summary that cannot exist: every row write reads its own row's
// summary (logPartitions), and a fresh row has none, so that read was a
// miss that searched every memtable and level (about a fifth of the
// engine's work a row, BenchmarkEngineIngest's profile).
//
// It answers "maybe" for every target whose summary was ever written
// since it was built (it never forgets: a summary deleted later still
// answers "maybe", which costs only the read), so a "no" is exact and
// reads stay what they were. It is built from the database's xs/ keys
// when the engine opens and when a snapshot is restored, and added to
// whenever a command stages a summary. Only Apply uses it (under
// applyMu). A nil filter answers "maybe" to everything.
//
// It grows as a scalable Bloom filter: when a layer holds its capacity
// the next one, twice as large, takes the new targets, and a lookup asks
// every layer (a few: each doubles).
type summaryFilter struct {
	seed   maphash.Seed
	layers []bloomLayer
}

// bloomLayer is one layer: filterBitsPerKey bits a target at capacity.
type bloomLayer struct {
	bits     []uint64
	mask     uint64 // the bit count minus one (a power of two)
	n, limit int
}

const (
	filterBitsPerKey = 10 // with filterHashes: about 1% false "maybe"s
	filterHashes     = 7
	filterMinKeys    = 1 << 16
)

// newSummaryFilter returns a filter sized for expect targets.
func newSummaryFilter(expect int) *summaryFilter {
	f := &summaryFilter{seed: maphash.MakeSeed()}
	f.grow(max(2*expect, filterMinKeys))
	return f
}

// grow adds a layer for limit more targets.
func (f *summaryFilter) grow(limit int) {
	nbits := uint64(1) << bits.Len64(uint64(limit*filterBitsPerKey-1))
	f.layers = append(f.layers, bloomLayer{bits: make([]uint64, nbits/64), mask: nbits - 1, limit: limit})
}

// add records that target holds a summary.
func (f *summaryFilter) add(target string) {
	if f == nil {
		return
	}
	if f.mayHave(target) {
		return // already recorded (or a false "maybe": recorded enough)
	}
	l := &f.layers[len(f.layers)-1]
	if l.n >= l.limit {
		f.grow(2 * l.limit)
		l = &f.layers[len(f.layers)-1]
	}
	h1, h2 := f.hash(target)
	for i := uint64(0); i < filterHashes; i++ {
		b := (h1 + i*h2) & l.mask
		l.bits[b/64] |= 1 << (b % 64)
	}
	l.n++
}

// mayHave reports false only when target holds no summary.
func (f *summaryFilter) mayHave(target string) bool {
	if f == nil {
		return true
	}
	h1, h2 := f.hash(target)
	for li := range f.layers {
		l := &f.layers[li]
		in := true
		for i := uint64(0); i < filterHashes && in; i++ {
			b := (h1 + i*h2) & l.mask
			in = l.bits[b/64]&(1<<(b%64)) != 0
		}
		if in {
			return true
		}
	}
	return false
}

// hash returns the two hashes whose combinations pick a target's bits.
func (f *summaryFilter) hash(target string) (uint64, uint64) {
	h := maphash.String(f.seed, target)
	return h, (h>>32 | h<<32) | 1
}

// loadSummaryFilter builds the filter from the xs/ keys txn sees.
func loadSummaryFilter(txn *badger.Txn) *summaryFilter {
	prefix := []byte(prefixRefSummary)
	each := func(fn func(target []byte)) {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			fn(it.Item().Key()[len(prefix):])
		}
	}
	n := 0
	each(func([]byte) { n++ })
	f := newSummaryFilter(n)
	each(func(target []byte) { f.add(string(target)) })
	return f
}

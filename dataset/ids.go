package dataset

import "hash/fnv"

// kind names a family of generated values: an entity ("account"), an org
// object ("systemuser") or one random stream of a row ("account/owner").
// Hashing the name once keeps the per-row cost to a few multiplications.
type kind uint64

func kindOf(name string) kind {
	h := fnv.New64a()
	h.Write([]byte(name))
	return kind(h.Sum64())
}

// The kinds the generator derives ids and streams from.
var (
	kindAccount      = kindOf("account")
	kindContact      = kindOf("contact")
	kindOpportunity  = kindOf("opportunity")
	kindTask         = kindOf("task")
	kindUser         = kindOf("systemuser")
	kindTeam         = kindOf("team")
	kindBusinessUnit = kindOf("businessunit")
	kindRole         = kindOf("role")
)

// mix64 is the splitmix64 finalizer: a bijection on uint64 that spreads
// every input bit over the output.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// keyer derives 128-bit keys from (seed, kind, index). For a fixed seed and
// kind the first half is a bijection of the index, so two rows of one kind
// never share a key.
type keyer struct{ seed uint64 }

func newKeyer(seed int64) keyer {
	return keyer{seed: mix64(uint64(seed) ^ 0x6a09e667f3bcc908)}
}

func (k keyer) key(kd kind, i int) (hi, lo uint64) {
	b := mix64(k.seed ^ uint64(kd))
	hi = mix64(b + uint64(i)*0x9e3779b97f4a7c15)
	lo = mix64(hi ^ 0xda942042e4dd58b5)
	return hi, lo
}

// id is the GUID of row i of kind kd.
func (k keyer) id(kd kind, i int) string {
	return formatGUID(k.key(kd, i))
}

// stream returns the random stream of row i for one purpose.
func (k keyer) stream(kd kind, i int) stream {
	var s stream
	s.pcg.Seed(k.key(kd, i))
	return s
}

// formatGUID formats 128 bits as a lowercase, hyphenated, version 4 GUID.
func formatGUID(hi, lo uint64) string {
	const hexdigits = "0123456789abcdef"
	hi = hi&^(0xf<<12) | 0x4<<12 // version 4
	lo = lo&^(0x3<<62) | 0x2<<62 // RFC 4122 variant
	var b [36]byte
	p := 0
	for n := 0; n < 32; n++ {
		if n == 8 || n == 12 || n == 16 || n == 20 {
			b[p] = '-'
			p++
		}
		w := hi
		if n >= 16 {
			w = lo
		}
		shift := uint(60 - 4*(n%16))
		b[p] = hexdigits[(w>>shift)&0xf]
		p++
	}
	return string(b[:])
}

// RowID returns the GUID the generator gives row index (counted from 0) of
// entity under seed. entity is one of the generated entities ("account",
// "contact", "opportunity", "task") or org objects ("systemuser", "team",
// "businessunit", "role"). Benchmarks use it to address existing rows
// without keeping them.
func RowID(seed int64, entity string, index int) string {
	return newKeyer(seed).id(kindOf(entity), index)
}

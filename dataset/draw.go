package dataset

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// stream is a deterministic random stream: a math/rand/v2 PCG held by value,
// so that seeding one per row costs no allocation and streams never share
// state.
type stream struct{ pcg rand.PCG }

// float returns a uniform value in [0, 1).
func (s *stream) float() float64 {
	return float64(s.pcg.Uint64()>>11) * 0x1p-53
}

// intn returns a uniform value in [0, n); n must be positive.
func (s *stream) intn(n int) int {
	hi, _ := bits.Mul64(s.pcg.Uint64(), uint64(n))
	return int(hi)
}

// between returns a uniform value in [lo, hi].
func (s *stream) between(lo, hi int) int {
	return lo + s.intn(hi-lo+1)
}

// chance reports true with probability p.
func (s *stream) chance(p float64) bool {
	return s.float() < p
}

// norm returns a standard normal value (Box-Muller).
func (s *stream) norm() float64 {
	u1 := 1 - s.float() // (0, 1]
	u2 := s.float()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// weighted returns i with probability w[i] / sum(w).
func (s *stream) weighted(w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	u := s.float() * total
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

// skew draws ranks 0..n-1 with a Zipf-like law: P(k) is about
// (v+k+0.5)^-s. It inverts the continuous power law, so one draw is one
// uniform value and a Pow, and it works with any stream. Rank 0 is the most
// common; v flattens the head.
type skew struct {
	n    int
	s, v float64
	a, b float64
}

func newSkew(n int, s, v float64) skew {
	z := skew{n: n, s: s, v: v}
	if s == 1 {
		z.a, z.b = math.Log(v), math.Log(v+float64(n))
	} else {
		z.a, z.b = math.Pow(v, 1-s), math.Pow(v+float64(n), 1-s)
	}
	return z
}

func (z skew) pick(r *stream) int {
	t := z.a + r.float()*(z.b-z.a)
	var x float64
	if z.s == 1 {
		x = math.Exp(t) - z.v
	} else {
		x = math.Pow(t, 1/(1-z.s)) - z.v
	}
	k := int(x)
	if k < 0 {
		return 0
	}
	if k >= z.n {
		return z.n - 1
	}
	return k
}

// scatter is a bijection of 0..n-1 (multiply by a unit and add, modulo n).
// It spreads skewed ranks over an index space, so the most popular owner
// or account is not simply index 0.
type scatter struct{ n, mul, add uint64 }

func newScatter(n int, salt uint64) scatter {
	un := uint64(n)
	mul := un*5/8 + 1
	for gcd(mul, un) != 1 {
		mul++
	}
	return scatter{n: un, mul: mul % un, add: salt % un}
}

func (p scatter) at(rank int) int {
	if p.n <= 1 {
		return 0
	}
	return int((uint64(rank)*p.mul + p.add) % p.n)
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// skewedIndex draws indexes of a space of n rows: a few are drawn often,
// most rarely.
type skewedIndex struct {
	z skew
	p scatter
}

func newSkewedIndex(n int, s, v float64, salt uint64) skewedIndex {
	return skewedIndex{z: newSkew(n, s, v), p: newScatter(n, salt)}
}

func (x skewedIndex) pick(r *stream) int {
	return x.p.at(x.z.pick(r))
}

// expNorm returns a log-normal value: median times e^(sigma * N(0,1)).
func expNorm(r *stream, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.norm())
}

package codec

import (
	"fmt"
	"strconv"
	"strings"
)

// Encoding is a content coding.
type Encoding int

const (
	// Identity is no compression.
	Identity Encoding = iota
	// Gzip is RFC 1952 gzip, at level 6.
	Gzip
	// Zstd is RFC 8878 Zstandard, at the default level.
	Zstd
)

// String returns the coding's HTTP token: "identity", "gzip" or "zstd".
func (e Encoding) String() string {
	switch e {
	case Identity:
		return "identity"
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	}
	return "Encoding(" + strconv.Itoa(int(e)) + ")"
}

// ParseEncoding maps a Content-Encoding value to an Encoding, ignoring case
// and surrounding space: "" and "identity" are Identity, "gzip" and
// "x-gzip" are Gzip, "zstd" is Zstd. Anything else, including a list of
// stacked codings, fails with [ErrUnsupportedEncoding].
func ParseEncoding(contentEncoding string) (Encoding, error) {
	if e, ok := parseCoding(strings.TrimSpace(contentEncoding)); ok {
		return e, nil
	}
	return 0, fmt.Errorf("parse encoding %q: %w", contentEncoding, ErrUnsupportedEncoding)
}

func parseCoding(s string) (Encoding, bool) {
	switch strings.ToLower(s) {
	case "", "identity":
		return Identity, true
	case "gzip", "x-gzip":
		return Gzip, true
	case "zstd":
		return Zstd, true
	}
	return 0, false
}

// Negotiate picks the response coding for an Accept-Encoding header: of
// zstd, gzip and identity, the one with the highest q value the header
// gives it, directly or through "*", with ties going to zstd, then gzip,
// then identity. q=0 refuses a coding. Identity is acceptable unless the
// header refuses it, and it is also the answer when the header is empty or
// refuses everything. Entries with a malformed q value are ignored.
func Negotiate(acceptEncoding string) Encoding {
	// q values in thousandths; -1 means the header does not mention it.
	q := [3]int{-1, -1, -1}
	star := -1
	for entry := range strings.SplitSeq(acceptEncoding, ",") {
		name, params, _ := strings.Cut(entry, ";")
		name = strings.TrimSpace(name)
		w, ok := parseQ(params)
		if !ok || name == "" {
			continue
		}
		if name == "*" {
			star = max(star, w)
		} else if e, ok := parseCoding(name); ok {
			q[e] = max(q[e], w)
		}
	}
	best, bestQ := Identity, 0
	for _, e := range [...]Encoding{Zstd, Gzip, Identity} {
		w := q[e]
		if w < 0 {
			w = star
		}
		if w < 0 && e == Identity {
			w = 1 // identity is acceptable unless refused
		}
		if w > bestQ {
			best, bestQ = e, w
		}
	}
	return best
}

// parseQ reads the weight from the parameters of an Accept-Encoding entry,
// in thousandths. No q parameter means 1000.
func parseQ(params string) (int, bool) {
	w := 1000
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(f >= 0 && f <= 1) { // also refuses NaN
			return 0, false
		}
		w = int(f*1000 + 0.5)
	}
	return w, true
}

package dataset

import (
	"strconv"
	"strings"
)

// The high-entropy values of CRM-noisy. Words are made of random
// syllables, drawn uniformly: unlike CRM-N's skewed word lists, almost no
// word repeats, so dictionaries and back-references find little to share.

// The parts a pseudo-word's syllables are made of: 31 onsets, 10 vowels
// and 9 codas, about 11 bits of entropy per syllable.
var (
	noisyOnsets = []string{"b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "qu", "r", "s", "t", "v", "w", "x", "z", "br", "ch", "cl", "dr", "fl", "gr", "pl", "sh", "st", "th", "tr"}
	noisyVowels = []string{"a", "e", "i", "o", "u", "y", "ai", "ea", "io", "ou"}
	noisyCodas  = []string{"", "n", "r", "s", "l", "x", "m", "t", "k"}
	noisyTLDs   = []string{"com", "net", "org", "io", "de", "fr", "co.uk", "com.au", "nl", "es", "it", "ca", "ch", "se", "biz", "info"}
)

// appendWord appends a lowercase pseudo-word of 1 to 4 syllables.
func appendWord(b []byte, r *stream) []byte {
	for range r.between(1, 4) {
		b = append(b, noisyOnsets[r.intn(len(noisyOnsets))]...)
		b = append(b, noisyVowels[r.intn(len(noisyVowels))]...)
		b = append(b, noisyCodas[r.intn(len(noisyCodas))]...)
	}
	return b
}

// randWord returns one lowercase pseudo-word.
func randWord(r *stream) string {
	return string(appendWord(make([]byte, 0, 16), r))
}

// randTitle returns between lo and hi pseudo-words, each capitalized, joined
// by spaces, at most limit bytes.
func randTitle(r *stream, lo, hi, limit int) string {
	b := make([]byte, 0, 12*hi)
	for i := range r.between(lo, hi) {
		if i > 0 {
			b = append(b, ' ')
		}
		start := len(b)
		b = appendWord(b, r)
		b[start] -= 'a' - 'A'
	}
	return clip(string(b), limit)
}

// randSentences returns between lo and hi pseudo-words as sentences of 3 to
// 14 words: the first word capitalized, a period at the end, a number now
// and then. At most limit bytes.
func randSentences(r *stream, lo, hi, limit int) string {
	n := r.between(lo, hi)
	b := make([]byte, 0, 8*n)
	left := 0
	for i := range n {
		if left == 0 {
			if i > 0 {
				b = append(b, ". "...)
			}
			left = r.between(3, 14)
			start := len(b)
			b = appendWord(b, r)
			b[start] -= 'a' - 'A'
		} else {
			b = append(b, ' ')
			if r.chance(0.05) {
				b = strconv.AppendInt(b, int64(r.intn(100000)), 10)
			} else {
				b = appendWord(b, r)
			}
		}
		left--
	}
	b = append(b, '.')
	return clip(string(b), limit)
}

// randCode returns n random characters of alphabet.
func randCode(r *stream, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.intn(len(alphabet))]
	}
	return string(b)
}

const (
	upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	digitChars  = "0123456789"
)

// randDomain returns a random web domain: one or two pseudo-words and a
// top-level domain.
func randDomain(r *stream) string {
	d := randWord(r)
	if r.chance(0.4) {
		d += "-" + randWord(r)
	}
	return d + "." + noisyTLDs[r.intn(len(noisyTLDs))]
}

// noisyPhone returns a telephone number in one of several formats, with a
// random country code and random digits.
func noisyPhone(r *stream) string {
	cc := strconv.Itoa(r.between(1, 999))
	switch r.intn(4) {
	case 0:
		return "+" + cc + " " + randCode(r, 3, digitChars) + " " + randCode(r, 3, digitChars) + " " + randCode(r, 4, digitChars)
	case 1:
		return "(" + randCode(r, 3, digitChars) + ") " + randCode(r, 3, digitChars) + "-" + randCode(r, 4, digitChars)
	case 2:
		return "+" + cc + randCode(r, r.between(7, 11), digitChars)
	default:
		return "00" + cc + "-" + randCode(r, 2, digitChars) + "-" + randCode(r, 6, digitChars) + " ext. " + randCode(r, r.between(1, 4), digitChars)
	}
}

// noisyEmail returns an address made of the person's name, random digits
// and a random domain.
func noisyEmail(r *stream, first, last string) string {
	local := strings.ToLower(last)
	if first != "" {
		seps := []string{".", "_", "", "-"}
		local = strings.ToLower(first) + seps[r.intn(len(seps))] + local
	}
	if r.chance(0.5) {
		local += randCode(r, r.between(1, 4), digitChars)
	}
	return clip(local+"@"+randDomain(r), 100)
}

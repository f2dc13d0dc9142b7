package filter

import (
	"unicode"
	"unicode/utf8"
)

// String comparisons ignore case: each character is replaced by the
// smallest member of its Unicode simple case-folding orbit ('a' and 'A'
// both by 'A'; 'k', 'K' and the Kelvin sign by 'K'), and the results are
// compared by code point. None of these functions allocates, and ASCII
// text takes a byte-at-a-time fast path.

// foldRune returns the folding key of r.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		return rune(upperASCII(byte(r)))
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	return m
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// nextFold decodes the first character of s and returns its folding key
// and size.
func nextFold(s string) (rune, int) {
	if c := s[0]; c < utf8.RuneSelf {
		return rune(upperASCII(c)), 1
	}
	r, n := utf8.DecodeRuneInString(s)
	return foldRune(r), n
}

// compareFold compares a and b ignoring case.
func compareFold(a, b string) int {
	i := 0
	for ; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca|cb >= utf8.RuneSelf {
			return compareFoldRunes(a[i:], b[i:])
		}
		if ca != cb {
			if ca, cb = upperASCII(ca), upperASCII(cb); ca != cb {
				return cmpInt(int64(ca), int64(cb))
			}
		}
	}
	return cmpInt(int64(len(a)-i), int64(len(b)-i))
}

func compareFoldRunes(a, b string) int {
	for len(a) > 0 && len(b) > 0 {
		ra, na := nextFold(a)
		rb, nb := nextFold(b)
		if ra != rb {
			return cmpInt(int64(ra), int64(rb))
		}
		a, b = a[na:], b[nb:]
	}
	return cmpInt(int64(len(a)), int64(len(b)))
}

// hasPrefixFold reports whether s begins with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	i := 0
	for ; i < len(prefix); i++ {
		if i >= len(s) {
			return false
		}
		cs, cp := s[i], prefix[i]
		if cs|cp >= utf8.RuneSelf {
			return hasPrefixFoldRunes(s[i:], prefix[i:])
		}
		if cs != cp && upperASCII(cs) != upperASCII(cp) {
			return false
		}
	}
	return true
}

func hasPrefixFoldRunes(s, prefix string) bool {
	for len(prefix) > 0 {
		if len(s) == 0 {
			return false
		}
		rs, ns := nextFold(s)
		rp, np := nextFold(prefix)
		if rs != rp {
			return false
		}
		s, prefix = s[ns:], prefix[np:]
	}
	return true
}

// hasSuffixFold reports whether s ends with suffix, ignoring case.
func hasSuffixFold(s, suffix string) bool {
	for len(suffix) > 0 {
		if len(s) == 0 {
			return false
		}
		rs, ns := utf8.DecodeLastRuneInString(s)
		rx, nx := utf8.DecodeLastRuneInString(suffix)
		if foldRune(rs) != foldRune(rx) {
			return false
		}
		s, suffix = s[:len(s)-ns], suffix[:len(suffix)-nx]
	}
	return true
}

// containsFold reports whether sub occurs in s, ignoring case. It tries
// only the positions whose character folds like sub's first.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	first, _ := nextFold(sub)
	for i := 0; i < len(s); {
		r, n := nextFold(s[i:])
		if r == first && hasPrefixFold(s[i:], sub) {
			return true
		}
		i += n
	}
	return false
}

package dataset

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// slug lowercases s and keeps only ASCII letters and digits, folding common
// accented letters: "Müller & Sons" -> "mullersons". Used for e-mail
// addresses and web domains.
func slug(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r < utf8.RuneSelf:
			// spaces and punctuation are dropped
		default:
			b.WriteString(fold(r))
		}
	}
	return b.String()
}

// fold transliterates the accented letters of the word lists.
func fold(r rune) string {
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å':
		return "a"
	case 'ç':
		return "c"
	case 'è', 'é', 'ê', 'ë':
		return "e"
	case 'ì', 'í', 'î', 'ï':
		return "i"
	case 'ñ':
		return "n"
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø':
		return "o"
	case 'ù', 'ú', 'û', 'ü':
		return "u"
	case 'ß':
		return "ss"
	}
	return ""
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// cents formats an amount of cents as a decimal string with two decimals:
// 1234567 -> "12345.67".
func cents(c int64) string {
	s := strconv.FormatInt(c/100, 10)
	f := c % 100
	if f < 10 {
		return s + ".0" + strconv.FormatInt(f, 10)
	}
	return s + "." + strconv.FormatInt(f, 10)
}

// digits appends n random decimal digits to b.
func digits(b []byte, r *stream, n int) []byte {
	for range n {
		b = append(b, byte('0'+r.intn(10)))
	}
	return b
}

// phone returns a telephone number in the style of the country's dial code.
// North American numbers use the fictional 555-01xx range.
func phone(r *stream, dial string) string {
	b := make([]byte, 0, 20)
	b = append(b, dial...)
	b = append(b, ' ')
	if dial == "+1" {
		b = strconv.AppendInt(b, int64(r.between(201, 989)), 10)
		b = append(b, "-555-01"...)
		return string(digits(b, r, 2))
	}
	b = digits(b, r, 2)
	b = append(b, ' ')
	b = digits(b, r, 4)
	b = append(b, ' ')
	return string(digits(b, r, 4))
}
